// Each task a team member does, done in the browser at desktop size and on a phone: assign,
// decline (asked first), declare and close an incident, delegate and end it, log feedback against
// a service change, record stage evidence and stakeholder rows, issue an approved statement,
// find an item; and one whole media sign-off on a 390 px screen. Screenshots in web/artefacts/.
import { base, page, cli, cliJson, work, test, onBothSizes, shot, signInAs, checkPage, fits,
         successBanner, PHONE } from './harness.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

// A request the triage rules rate green, submitted with the CLI beside the browser.
function greenRequest(title) {
  return cliJson(['submit', 'comms_request', '--as', 'tom.triage', '--set', `title=${title}`,
                  '--set', 'kind=media', '--set', 'requester_team=Estates',
                  '--set', 'strategic_priority=none', '--set', 'incident=none',
                  '--set', 'statutory=no', '--set', 'reputational_risk=low', '--set', 'impact=low',
                  '--set', 'resource=low', '--set', 'time_sensitive=no',
                  '--set', 'responsibility=own']).ref;
}
const stateOf = (ref) => cliJson(['show', ref]).state;

async function openItem(ref) {
  await page.goto(`${base}/items/${ref}`);
  await fits();
  await checkPage();
}
async function press(ref, action) {
  await page.locator(`button[data-action="${action}"]`).click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+`));
  await fits();
  await checkPage();
}

onBothSizes('a triager declares an incident, which pauses green work, then closes it', async (size) => {
  await signInAs('tom.triage');
  await page.goto(`${base}/incidents`);
  // The demo's incident (Storm Darragh) is closed first, resuming the work it paused; new work
  // in the tests after this one is then not paused on arrival.
  for (const close of await page.getByRole('button', { name: /^Close / }).all()) {
    const name = (await close.textContent()).replace(/^Close\s*/, '').trim();
    await close.click();
    await page.getByText(`${name} closed`).waitFor();
    assert.match(await successBanner(), /[1-9]\d* item\(s\) resumed/);
  }
  const ref = greenRequest(`Ward visiting leaflet (${size.name})`);
  assert.equal(stateOf(ref), 'triaged');
  const incident = `Water supply failure ${size.name}`;
  // Without a name: the error summary takes the focus, as the NHS frontend's script does it.
  await page.getByRole('button', { name: 'Declare the incident' }).click();
  await page.locator('.nhsuk-error-summary').waitFor();
  assert.match(await page.locator('.nhsuk-error-summary').textContent(), /Enter the name of the incident/);
  await page.waitForFunction(() => document.activeElement?.classList.contains('nhsuk-error-summary'));
  await checkPage();
  await page.getByLabel('Name of the incident').fill(incident);
  await page.getByLabel('Major').check();
  await page.getByRole('button', { name: 'Declare the incident' }).click();
  await page.getByText(`${incident} declared`).waitFor();
  // The same code path as the CLI: green work is paused at once.
  const paused = Number((await successBanner()).match(/(\d+) item\(s\) paused/)[1]);
  assert.ok(paused >= 1, `${paused} item(s) paused`);
  assert.equal(stateOf(ref), 'paused');
  await fits();
  await checkPage();
  await shot(`22-incident-declared-${size.name}`);
  await page.getByRole('button', { name: `Close ${incident}` }).click();
  await page.getByText(`${incident} closed`).waitFor();
  assert.match(await successBanner(), new RegExp(`${paused} item\\(s\\) resumed`));
  assert.equal(stateOf(ref), 'triaged');
  await checkPage();
});

onBothSizes('a triager assigns a request to a comms officer chosen by name', async (size) => {
  const ref = greenRequest(`Hospital radio appeal (${size.name})`);
  await signInAs('tom.triage');
  await openItem(ref);
  const assignee = page.locator(`form[action="/items/${ref}/actions/assign"]`).getByLabel('Assignee');
  // The choices are the people who hold the role, by their names.
  const people = (await assignee.locator('option').allTextContents()).map((t) => t.trim());
  assert.ok(people.includes('Olivia Officer') && people.includes('Sam Officer'), people.join(', '));
  assert.ok(!people.includes('Tom Triage'), 'a triager is not a comms officer');
  await assignee.selectOption({ label: 'Olivia Officer' });
  await press(ref, 'assign');
  assert.match(await successBanner(), new RegExp(`${ref} assigned to Olivia Officer`));
  assert.equal(cliJson(['show', ref]).data.assignee, 'olivia.officer');
  await shot(`20-assigned-${size.name}`);
});

onBothSizes('declining a request is a warning button that asks first', async (size) => {
  const ref = greenRequest(`Bake sale poster (${size.name})`);
  await signInAs('tom.triage');
  await openItem(ref);
  const decline = page.locator('button[data-action="decline"]');
  assert.match(await decline.getAttribute('class'), /nhsuk-button--warning/);
  const giveReason = () => page.locator(`form[action="/items/${ref}/actions/decline"]`)
      .getByLabel('Reason').fill('Not for comms: the charity team runs it');
  await giveReason();
  await decline.click();
  // The question, with a way back that changes nothing.
  await page.getByRole('button', { name: 'Yes, go ahead' }).waitFor();
  await fits();
  await checkPage();
  await shot(`21-decline-confirm-${size.name}`);
  const before = stateOf(ref);
  await page.getByRole('link', { name: `No, go back to ${ref}` }).click();
  await page.waitForURL(new RegExp(`/items/${ref}$`));
  assert.equal(stateOf(ref), before, 'going back changes nothing');
  await giveReason();
  await decline.click();
  await page.getByRole('button', { name: 'Yes, go ahead' }).click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+`));
  assert.match(await successBanner(), /It is now Declined\./);
  assert.equal(stateOf(ref), 'declined');
  assert.equal(await page.locator('button[data-action="decline"]').count(), 0);
});

onBothSizes('a head of comms lets someone decide for her while away, then ends it', async (size) => {
  await signInAs('hannah.head');
  await page.goto(`${base}/sign-offs`);
  const until = new Date(Date.now() + 7 * 86_400_000);
  await page.getByLabel('Who may decide for you').selectOption({ label: 'Sam Officer' });
  await page.getByLabel('For which of your roles').selectOption({ label: 'Head of comms' });
  await page.getByLabel('Day').fill(String(until.getUTCDate()));
  await page.getByLabel('Month').fill(String(until.getUTCMonth() + 1));
  await page.getByLabel('Year').fill(String(until.getUTCFullYear()));
  await page.getByRole('button', { name: 'Delegate', exact: true }).click();
  await page.getByText('Sam Officer may decide for you').waitFor();
  const row = page.locator('#delegation-list tbody tr', { hasText: 'Sam Officer' });
  assert.equal(await row.count(), 1);
  await fits();
  await checkPage();
  await shot(`23-delegated-${size.name}`);
  await row.getByRole('button', { name: /End now/ }).click();
  await page.getByText('Sam Officer no longer decides for you').waitFor();
  assert.equal(await page.locator('#delegation-list').count(), 0);
  await checkPage();
});

onBothSizes('an engagement lead logs feedback against the service change she chooses', async (size) => {
  await signInAs('eve.engagement');
  await page.goto(`${base}/requests/new`);
  await page.getByRole('link', { name: 'Consultation feedback' }).click();
  await page.waitForURL(/workflow=feedback/);
  await checkPage();
  // Without a service change chosen, the page asks for one and stores nothing.
  await page.getByLabel('What was said').fill(`Buses to Oakwood stop at six (${size.name})`);
  await page.getByRole('button', { name: /Submit/ }).click();
  await page.locator('.nhsuk-error-summary').waitFor();
  await checkPage();
  const parent = page.getByLabel('Service change engagement');
  const choice = (await parent.locator('option').allTextContents()).find((t) => t.includes('Oakwood'));
  await parent.selectOption({ label: choice });
  await page.getByLabel('How it reached us').selectOption({ index: 1 });
  await page.getByRole('button', { name: /Submit/ }).click();
  await page.waitForURL(/\/items\/FB-\d{4}-\d{4}\?created=1/);
  const ref = page.url().match(/(FB-\d{4}-\d{4})/)[1];
  assert.equal(cliJson(['show', ref]).parent, 'SC-2026-0001');
  assert.notEqual((await page.locator('h1').textContent()).trim(), '');
  await fits();
  await checkPage();
  await shot(`24-feedback-logged-${size.name}`);
  await page.goto(`${base}/items/SC-2026-0001`);
  assert.match(await page.locator('main').textContent(), new RegExp(ref));
});

onBothSizes('stage evidence and stakeholder rows are recorded, corrected and removed', async (size) => {
  await signInAs('eve.engagement');
  await page.goto(`${base}/requests/new?workflow=service_change`);
  await page.getByLabel('Title').fill(`Minor injuries unit hours (${size.name})`);
  await page.getByRole('button', { name: /Submit/ }).click();
  await page.waitForURL(/\/items\/SC-\d{4}-\d{4}\?created=1/);
  const ref = page.url().match(/(SC-\d{4}-\d{4})/)[1];
  await checkPage();
  // The stage's checklist is an NHS task list; what it names is asked for by the record form.
  assert.ok(await page.locator('.nhsuk-task-list').count() >= 1, 'the checklist is a task list');
  assert.equal(await page.locator('button[data-action="complete"]').count(), 0,
               'closing the stage is not offered while the checklist is unmet');
  const record = page.locator(`form[action="/items/${ref}/actions/record"]`);
  await record.getByLabel('Changes how or which services are delivered').selectOption({ label: 'Yes' });
  await record.getByLabel('Substantial development or variation').selectOption({ label: 'No' });
  await record.getByLabel('Assessment rationale').fill('Opening hours change; the service stays.');
  await press(ref, 'record');
  await press(ref, 'complete');
  assert.match(await page.locator('#item-state').textContent(), /Stakeholder analysis/);

  // One fieldset per row: add a row, then another, correct the first, remove the second.
  const rowInput = (n, field) => page.locator(`[name="stakeholders[${n}].${field}"]`);
  const fillRow = async (n, group) => {
    await rowInput(n, 'group').fill(group);
    await rowInput(n, 'interest').selectOption({ index: 1 });
    await rowInput(n, 'influence').selectOption({ index: 1 });
    await rowInput(n, 'seldom_heard').selectOption({ index: 1 });
  };
  await fillRow(1, "Patients' forum");
  await press(ref, 'record');
  await fillRow(2, 'Carers group');
  await press(ref, 'record');
  const table = page.locator('table', { hasText: 'Carers group' });
  assert.equal(await table.locator('tbody tr').count(), 2);
  await shot(`25-stakeholder-rows-${size.name}`);
  await rowInput(1, 'group').fill("Oakwood patients' forum");
  await page.locator('[name="stakeholders[2]._remove"]').check();
  await press(ref, 'record');
  const rows = cliJson(['show', ref]).data.stakeholders;
  assert.deepEqual(rows.map((r) => r.group), ["Oakwood patients' forum"]);
  assert.match(await page.locator('main').textContent(), /Oakwood patients' forum/);
  assert.doesNotMatch(await page.locator('main').textContent(), /Carers group/);
  await shot(`26-stakeholder-row-corrected-${size.name}`);
});

// A reactive statement approved at comms review and waiting to be issued, made with the CLI.
function approvedStatement(headline) {
  const ref = cliJson(['submit', 'media_signoff', '--as', 'olivia.officer',
                       '--set', `headline=${headline}`, '--set', 'kind=reactive_statement']).ref;
  const text = join(work, `${ref}.txt`);
  writeFileSync(text, `${headline}: our statement.\n`);
  cli(['doc', 'put', ref, '--file', text, '--as', 'olivia.officer']);
  cli(['act', ref, 'send_for_review', '--as', 'olivia.officer']);
  cli(['decide', ref, 'approved', '--version', '1', '--as', 'hannah.head']);
  return ref;
}

onBothSizes('a comms officer issues an approved statement', async (size) => {
  const ref = approvedStatement(`Parking at the General (${size.name})`);
  await signInAs('olivia.officer');
  await openItem(ref);
  await page.locator(`form[action="/items/${ref}/actions/issue"]`).getByLabel('How it is issued')
      .selectOption({ index: 1 });
  await press(ref, 'issue');
  assert.match(await successBanner(), /It is now Issued\./);
  assert.equal(stateOf(ref), 'issued');
  await shot(`27-issued-${size.name}`);
});

onBothSizes('all items: filtered by workflow and state, searched by title', async (size) => {
  await signInAs('hannah.head');
  await page.goto(`${base}/items`);
  await page.getByLabel('Reference or title').fill('oakwood');
  await page.getByRole('button', { name: 'Apply' }).click();
  const refs = async () => page.locator('#items tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.ref));
  const found = await refs();
  assert.ok(found.includes('SC-2026-0001') && found.includes('MED-2026-0001'), found.join(', '));
  await page.getByLabel('Workflow').selectOption({ label: 'Media statement sign-off' });
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.ok((await refs()).every((r) => r.startsWith('MED-')));
  await page.getByLabel('State').selectOption({ label: 'Issued' });
  await page.getByRole('button', { name: 'Apply' }).click();
  for (const ref of await refs()) assert.equal(stateOf(ref), 'issued');
  await fits();
  await checkPage();
  await shot(`28-items-filtered-${size.name}`);
});

test('a whole media sign-off on a phone: drafted, reviewed twice, issued', async () => {
  await page.setViewportSize({ width: PHONE.width, height: PHONE.height });
  try {
    await signInAs('olivia.officer');
    await page.goto(`${base}/requests/new?workflow=media_signoff`);
    await fits();
    await page.getByLabel('Headline').fill('Phone test: car park charges');
    await page.getByLabel('Kind').selectOption({ label: 'Reactive statement' });
    await page.getByLabel('Clinical content').selectOption({ label: 'Yes' });
    await page.getByRole('button', { name: /Submit/ }).click();
    await page.waitForURL(/\/items\/MED-\d{4}-\d{4}\?created=1/);
    const ref = page.url().match(/(MED-\d{4}-\d{4})/)[1];
    await fits();
    await page.getByLabel('Text', { exact: true })
        .fill('Car park charges at the General are unchanged this winter.\n');
    await page.locator('button[data-action="put-document"]').click();
    await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+`));
    await press(ref, 'send_for_review');

    for (const [person, step] of [['hannah.head', 'Comms review'], ['cara.clinical', 'Clinical accuracy review']]) {
      await signInAs(person);
      await page.goto(`${base}/sign-offs`);
      await fits();
      await page.getByRole('link', { name: ref }).click();
      await page.waitForURL(new RegExp(`/items/${ref}$`));
      await fits();
      // The item opens with what is needed and the text, then the decision.
      assert.match(await page.locator('#needed-next').textContent(), /A decision from/);
      assert.match(await page.locator('#document-current').textContent(), /Car park charges/);
      assert.match(await page.locator('#item-state').textContent(), new RegExp(step));
      await checkPage();
      await shot(`16-phone-${person}`);
      await page.getByLabel('Approved', { exact: true }).check();
      await page.locator('button[data-action="decide"]').click();
      await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
      await fits();
      assert.match(await successBanner(), /your decision is recorded/);
    }
    assert.equal(stateOf(ref), 'approved');
    await signInAs('olivia.officer');
    await openItem(ref);
    await page.locator(`form[action="/items/${ref}/actions/issue"]`).getByLabel('How it is issued')
        .selectOption({ index: 1 });
    await press(ref, 'issue');
    assert.equal(stateOf(ref), 'issued');
    await shot('17-phone-issued');
    await signInAs('hannah.head');
    // On a phone the header folds its links under "More".
    assert.ok(await page.locator('.nhsuk-header__menu-toggle').isVisible(), 'the header menu is folded');
    for (const path of ['/queue', '/sign-offs', '/items', '/audit']) {
      await page.goto(`${base}${path}`);
      await fits();
      await checkPage();
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});
