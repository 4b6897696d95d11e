// The journeys the web app was first built for: signing in, a request rated and queued, a
// website update through its approvals, a statement approved with the decide form, audit,
// need-to-know reading and a long queue in pages.
import { base, bin, env, root, page, test, shot, signIn, signOut, act, checkPage,
         PASSWORD } from './harness.mjs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';

test('signing in works from the keyboard alone', async () => {
  await page.goto(`${base}/sign-in`);
  for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement.id)) !== 'field-name'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'field-name');
  await page.keyboard.type('tom.triage');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/queue/);
  await checkPage();
  await signOut();
});

test('signing in needs the right password', async () => {
  await page.goto(`${base}/queue`);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Name').fill('asha.requester');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Enter a correct name and password').first().waitFor();
  await shot('01-sign-in-error');
  await signIn('asha.requester');
  assert.equal(await page.locator('h1').textContent(), 'Triage queue');
  assert.equal(await page.locator('.cf-actor').textContent(), 'Asha Requester'); // her display name
  await shot('02-queue-signed-in');
});

let requestRef;
test('a submitted request appears in the queue with the right rating', async () => {
  await page.goto(`${base}/requests/new?workflow=comms_request`);
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.locator('.nhsuk-error-summary').waitFor();
  await checkPage();
  await shot('03-new-request-errors');
  assert.match(await page.locator('.nhsuk-error-summary').textContent(), /Enter title/);

  await page.getByLabel('Title').fill('Statement on <script>ward</script> closure');
  await page.getByLabel('Kind').selectOption('media');
  await page.getByLabel('Requester team').fill('Estates');
  for (const [label, value] of [['Strategic priority', 'none'], ['Incident response', 'none'],
      ['Statutory obligation', 'no'], ['Reputational risk', 'high'], ['Outcome or impact', 'low'],
      ['Resource needed', 'low'], ['Time sensitive', 'no'], ['Our responsibility', 'own']]) {
    await page.getByLabel(label, { exact: true }).selectOption(value);
  }
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.waitForURL(/\/items\/REQ-\d{4}-\d{4}\?created=1/);
  requestRef = page.url().match(/(REQ-\d{4}-\d{4})/)[1];
  assert.match(await page.locator('h1').textContent(), /<script>ward<\/script>/); // shown as text
  await checkPage();
  await shot('04-request-created');

  await page.goto(`${base}/queue?workflow=comms_request`);
  const row = page.locator(`tr[data-ref="${requestRef}"]`);
  assert.match(await row.textContent(), /Red/);
  await page.getByLabel('Rating').selectOption('green');
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.equal(await page.locator(`tr[data-ref="${requestRef}"]`).count(), 0);
  await page.goto(`${base}/queue?workflow=comms_request`);
  await checkPage();
  await shot('05-queue-with-red-request');
});

test('a website update goes through its chain of approvals', async () => {
  await page.goto(`${base}/requests/new?workflow=website_update`);
  await page.getByLabel('What needs changing').fill('Update A&E waiting times page');
  await page.getByLabel('Page address (optional)').fill('https://example.nhs.uk/ae');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.waitForURL(/\/items\/WEB-/);
  const ref = page.url().match(/(WEB-\d{4}-\d{4})/)[1];
  await signOut();

  await signIn('olivia.officer');
  await act(ref, 'accept');
  await act(ref, 'send_for_review');
  assert.equal(await page.locator('#item-state').textContent(), 'In review');
  await signOut();

  await signIn('hannah.head');
  await act(ref, 'approve');
  await signOut();

  await signIn('olivia.officer');
  await act(ref, 'publish');
  assert.equal(await page.locator('#item-state').textContent(), 'Published');
  assert.equal(await page.locator('#timeline > li').count(), 5);
  await shot('06-published-with-timeline');
  await signOut();
});

test('an action without the role is refused', async () => {
  await signIn('asha.requester');
  await page.goto(`${base}/items/WEB-2026-0003`);
  // The demo's third request waits for review; asha sees who may approve, not a button.
  assert.match(await page.locator('body').textContent(), /Approve: for Head of comms/);
  assert.equal(await page.locator('button[data-action="approve"]').count(), 0);
  // Post the approval anyway, with her own valid session and CSRF token.
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = location.pathname + '/actions/approve';
    const csrf = document.querySelector('input[name=csrf]').cloneNode();
    form.appendChild(csrf);
    document.body.appendChild(form);
    form.submit();
  });
  await page.locator('.nhsuk-error-summary').waitFor();
  assert.match(await page.locator('.nhsuk-error-summary').textContent(),
               /Asha Requester may not take "Approve" on WEB-/);
  assert.equal(await page.locator('#item-state').textContent(), 'In review');
  await checkPage();
  await shot('07-refused-without-role');
});

test('a comms officer stores a new version of the demo statement from its page', async () => {
  await signOut();
  await signIn('sam.officer');
  await page.goto(`${base}/api/v1/items?workflow=media_signoff&state=comms_review`);
  const ref = JSON.parse(await page.locator('body').textContent()).items[0].ref;
  await page.goto(`${base}/items/${ref}`);
  const text = page.getByLabel('Text', { exact: true });
  const current = await text.inputValue();
  assert.ok(current.length > 0, 'the form starts from the current text');
  // The same text again is refused on the page, and nothing is stored.
  await page.locator('button[data-action="put-document"]').click();
  await page.locator('.nhsuk-error-summary').waitFor();
  assert.match(await page.locator('.nhsuk-error-summary').textContent(), /nothing to store/);
  await checkPage();
  await text.fill(current + 'Visiting times are unchanged.\n');
  await page.getByLabel('What changed (optional)').fill('visiting line');
  await page.locator('button[data-action="put-document"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#documents`));
  assert.equal(await page.locator('tr[data-version="2"]').count(), 1);
  await page.goto(`${base}/items/${ref}/documents/2`);
  assert.match(await page.locator('#diff').textContent(), /Visiting times are unchanged/);
  await checkPage();
  await shot('14-new-document-version');
  await signOut();
  await signIn('hannah.head');
});

test('My sign-offs lists the demo statement waiting for the head of comms', async () => {
  await signOut();
  await signIn('hannah.head');
  await page.goto(`${base}/sign-offs`);
  assert.match(await page.locator('main').textContent(), /MED-\d{4}-\d{4}/);
  await checkPage();
  await shot('10-my-sign-offs');
});

test('the demo statement is approved through its chain with the decide form', async () => {
  // hannah.head is signed in (previous test). The statement needs comms review, then clinical.
  await page.goto(`${base}/sign-offs`);
  const ref = (await page.locator('main').textContent()).match(/(MED-\d{4}-\d{4})/)[1];
  await page.goto(`${base}/items/${ref}`);
  assert.match(await page.locator('#documents').textContent(), /Document versions/);
  assert.match(await page.locator('#sign-off + h3').textContent(), /Current step: Comms review/);
  // Submitting without a choice is an error on the radios, and changes nothing.
  await page.locator('button[data-action="decide"]').click();
  await page.locator('.nhsuk-error-summary').waitFor();
  assert.match(await page.locator('.nhsuk-error-summary').textContent(), /Select your decision/);
  await checkPage();
  await shot('11-decide-error');
  await page.getByLabel('Approved', { exact: true }).check();
  await page.getByLabel('Comment', { exact: true }).fill('Fine from comms');
  await page.locator('button[data-action="decide"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
  assert.equal(await page.locator('#item-state').textContent(), 'Clinical accuracy review');
  await signOut();

  await signIn('cara.clinical');
  await page.goto(`${base}/items/${ref}`);
  await page.getByLabel('Approved with changes').check();
  await page.getByLabel('Comment', { exact: true }).fill('Say "local people" once');
  await page.locator('button[data-action="decide"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
  assert.equal(await page.locator('#item-state').textContent(), 'Approved');
  assert.match(await page.locator('#approved').textContent(), /Version 2/);
  assert.match(await page.locator('main').textContent(), /Fine from comms/);
  assert.equal(await page.locator('button[data-action="decide"]').count(), 0);
  await checkPage();
  await shot('12-statement-approved');
  await page.goto(`${base}/items/${ref}/documents/1`);
  await checkPage();
  await signOut();
  await signIn('hannah.head');
});

test('audit and workflow pages', async () => {
  await page.goto(`${base}/audit`);
  assert.match(await page.locator('main').textContent(), /History verified/);
  await checkPage();
  await shot('08-audit');
  // The sign-off report names the statement approved above.
  await page.getByLabel('Sign-offs (approvals)').check();
  await page.getByLabel('Printable page').check();
  await page.getByRole('button', { name: 'Download report' }).click();
  await page.waitForURL(/\/audit\/download\?report=sign-offs/);
  assert.match(await page.locator('body').textContent(), /MED-\d{4}-\d{4}/);
  await shot('13-sign-off-report');
  // Workflows is for admins: the head of comms is not offered it, and it is not found for her.
  assert.equal(await page.locator('header a[href="/admin"]').count(), 0);
  const refused = await page.goto(`${base}/admin`);
  assert.equal(refused.status(), 404);
  await signOut();
  await signIn('admin');
  await page.goto(`${base}/admin`);
  assert.match(await page.locator('main').textContent(), /Every workflow file loads cleanly/);
  await checkPage();
  await signOut();
  await signIn('hannah.head');
  await page.goto(`${base}/sign-offs`);
  await checkPage();
  await shot('09-sign-offs');
});

test('a requester sees her own requests and not the media statements', async () => {
  await signOut();
  await signIn('asha.requester');
  await page.goto(`${base}/items`);
  const listed = await page.locator('main').textContent();
  assert.match(listed, /WEB-\d{4}-\d{4}/);
  assert.match(listed, new RegExp(requestRef));
  assert.doesNotMatch(listed, /MED-\d{4}-\d{4}/);
  assert.equal(await page.locator('header a[href="/audit"]').count(), 0);
  const statement = await page.goto(`${base}/items/MED-2026-0001`);
  assert.equal(statement.status(), 404);
  assert.match(await page.locator('h1').textContent(), /not found/i);
  await checkPage();
  await shot('15-requester-sees-her-own');
  await signOut();
  await signIn('hannah.head');
});

test('a long queue comes in pages of 50, with the total', async () => {
  // The sample requests as well as the demo ones: more than one page. Imported with the CLI
  // while the server runs, as a team would.
  execFileSync(bin, ['import', join(root, 'samples/comms_requests.csv'), '--as', 'tom.triage'],
               { env, stdio: 'ignore' });
  await page.goto(`${base}/queue?workflow=comms_request`);
  const rows = page.locator('#queue tbody tr');
  assert.equal(await rows.count(), 50);
  const total = Number((await page.getByText(/open item\(s\)/).textContent()).match(/(\d+) open/)[1]);
  assert.ok(total > 50 && total <= 100, `${total} open items`);
  await page.getByRole('link', { name: /^Next/ }).click();
  await page.waitForURL(/page=2/);
  assert.equal(await rows.count(), total - 50);
  assert.match(await page.locator('.nhsuk-pagination').textContent(), /Page 2 of 2/);
  await checkPage();
  await shot('14-queue-page-2');
  await page.getByRole('link', { name: /^Previous/ }).click();
  await page.waitForURL(/page=1/);
  assert.equal(await rows.count(), 50);
});
