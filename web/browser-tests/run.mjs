// Browser tests: the web app in real headless Chromium (Debian's /usr/bin/chromium), driven by
// playwright-core. Starts `commsflow serve` on a free loopback port over a fresh demo database,
// runs each test, and saves screenshots to web/artefacts/.
//
// Usage (from the repository root): node web/browser-tests/run.mjs [path/to/commsflow]
// The binary defaults to $COMMSFLOW_BIN, then build/engine/commsflow.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(process.argv[2] || process.env.COMMSFLOW_BIN || join(root, 'build/engine/commsflow'));
const artefacts = join(root, 'web/artefacts');
mkdirSync(artefacts, { recursive: true });
const PASSWORD = 'demo-password'; // the documented demo-only password of `init --demo`

const work = mkdtempSync(join(tmpdir(), 'commsflow-browser-'));
const env = { ...process.env, COMMSFLOW_DB: join(work, 'commsflow.db'),
              COMMSFLOW_WORKFLOWS: join(root, 'workflows') };
execFileSync(bin, ['init', '--demo'], { env, stdio: 'inherit' });

// Start the server and wait for the line that names its port.
const server = spawn(bin, ['serve', '--port', '0'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
let log = '';
const base = await new Promise((resolveUrl, reject) => {
  server.stderr.on('data', (chunk) => {
    log += chunk;
    process.stderr.write(chunk);
    const m = log.match(/serving (http:\/\/[0-9.]+:\d+)\//);
    if (m) resolveUrl(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`commsflow serve exited with ${code}:\n${log}`)));
});

const profile = mkdtempSync(join(tmpdir(), 'commsflow-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = browser.pages()[0] || (await browser.newPage());
page.setDefaultTimeout(120_000); // generous: CI machines can be slow; nothing asserts on time

async function shot(name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}
async function signIn(name) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/queue/);
}
async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
}
async function act(ref, actionButton) {
  await page.goto(`${base}/items/${ref}`);
  await page.locator(`button[data-action="${actionButton}"]`).click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+`));
  // The success banner says what was done.
  await page.locator('.nhsuk-notification-banner--success').getByText(`${ref}:`).waitFor();
}

// Headings start at h1, there is one h1, and no level is skipped on the way down.
async function checkHeadings() {
  // The NHS error summary and notification banner sit above the h1 by design, so their headings
  // are left out.
  const levels = await page.$$eval('main h1, main h2, main h3, main h4', (hs) => hs
      .filter((h) => !h.closest('.nhsuk-error-summary, .nhsuk-notification-banner'))
      .map((h) => Number(h.tagName[1])));
  assert.equal(levels[0], 1, `first heading on ${page.url()} is h${levels[0]}`);
  assert.equal(levels.filter((l) => l === 1).length, 1, `one h1 on ${page.url()}`);
  levels.reduce((prev, l) => { assert.ok(l <= prev + 1, `h${prev} then h${l} on ${page.url()}`); return l; });
  // Every visible input, select and textarea has a label.
  const unlabelled = await page.$$eval('main input:not([type=hidden]), main select, main textarea',
      (els) => els.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.name));
  assert.deepEqual(unlabelled, [], `inputs without labels on ${page.url()}`);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

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
  await checkHeadings();
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
  await checkHeadings();
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
  await checkHeadings();
  await shot('04-request-created');

  await page.goto(`${base}/queue?workflow=comms_request`);
  const row = page.locator(`tr[data-ref="${requestRef}"]`);
  assert.match(await row.textContent(), /Red/);
  await page.getByLabel('Rating').selectOption('green');
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.equal(await page.locator(`tr[data-ref="${requestRef}"]`).count(), 0);
  await page.goto(`${base}/queue?workflow=comms_request`);
  await checkHeadings();
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
               /asha\.requester may not approve/);
  assert.equal(await page.locator('#item-state').textContent(), 'In review');
  await checkHeadings();
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
  await checkHeadings();
  await text.fill(current + 'Visiting times are unchanged.\n');
  await page.getByLabel('What changed (optional)').fill('visiting line');
  await page.locator('button[data-action="put-document"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#documents`));
  assert.equal(await page.locator('tr[data-version="2"]').count(), 1);
  await page.goto(`${base}/items/${ref}/documents/2`);
  assert.match(await page.locator('#diff').textContent(), /Visiting times are unchanged/);
  await checkHeadings();
  await shot('14-new-document-version');
  await signOut();
  await signIn('hannah.head');
});

test('My sign-offs lists the demo statement waiting for the head of comms', async () => {
  await signOut();
  await signIn('hannah.head');
  await page.goto(`${base}/sign-offs`);
  assert.match(await page.locator('main').textContent(), /MED-\d{4}-\d{4}/);
  await checkHeadings();
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
  await checkHeadings();
  await shot('11-decide-error');
  await page.getByLabel('Approved', { exact: true }).check();
  await page.getByLabel('Comment (optional)').fill('Fine from comms');
  await page.locator('button[data-action="decide"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
  assert.equal(await page.locator('#item-state').textContent(), 'Clinical accuracy review');
  await signOut();

  await signIn('cara.clinical');
  await page.goto(`${base}/items/${ref}`);
  await page.getByLabel('Approved with changes').check();
  await page.getByLabel('Comment (optional)').fill('Say "local people" once');
  await page.locator('button[data-action="decide"]').click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
  assert.equal(await page.locator('#item-state').textContent(), 'Approved');
  assert.match(await page.locator('#approved').textContent(), /Version 2/);
  assert.match(await page.locator('main').textContent(), /Fine from comms/);
  assert.equal(await page.locator('button[data-action="decide"]').count(), 0);
  await checkHeadings();
  await shot('12-statement-approved');
  await page.goto(`${base}/items/${ref}/documents/1`);
  await checkHeadings();
  await signOut();
  await signIn('hannah.head');
});

test('audit and workflow pages', async () => {
  await page.goto(`${base}/audit`);
  assert.match(await page.locator('main').textContent(), /History verified/);
  await checkHeadings();
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
  await checkHeadings();
  await signOut();
  await signIn('hannah.head');
  await page.goto(`${base}/sign-offs`);
  await checkHeadings();
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
  await checkHeadings();
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
  await checkHeadings();
  await shot('14-queue-page-2');
  await page.getByRole('link', { name: /^Previous/ }).click();
  await page.waitForURL(/page=1/);
  assert.equal(await rows.count(), 50);
});

test('on a phone (390 px) a head of comms reads a statement and approves it', async () => {
  // A new statement waiting for the head of comms, put in with the CLI while the server runs.
  const cli = (args) => execFileSync(bin, args, { env, encoding: 'utf8' });
  const ref = JSON.parse(cli(['--json', 'submit', 'media_signoff', '--as', 'olivia.officer',
                              '--set', 'headline=Phone test: car park charges',
                              '--set', 'kind=reactive_statement'])).ref;
  const text = join(work, 'phone-statement.txt');
  writeFileSync(text, 'Car park charges at the General are unchanged this winter.\n');
  cli(['doc', 'put', ref, '--file', text, '--as', 'olivia.officer']);
  cli(['act', ref, 'send_for_review', '--as', 'olivia.officer']);

  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await signOut();
    await signIn('hannah.head');
    const fits = async () => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${page.url()} is ${width} px wide on a 390 px screen`);
    };
    for (const path of ['/queue', '/sign-offs', '/items', '/audit', '/items/SC-2026-0001', `/items/${ref}`]) {
      await page.goto(`${base}${path}`);
      await fits();
      await checkHeadings();
    }
    // The item opens with what is needed and the text, then the decision.
    assert.match(await page.locator('#needed-next').textContent(), /A decision from/);
    assert.match(await page.locator('#document-current').textContent(), /Car park charges/);
    await shot('16-phone-statement');
    await page.getByLabel('Approved', { exact: true }).check();
    await page.locator('button[data-action="decide"]').click();
    await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+#sign-off`));
    await fits();
    assert.match(await page.locator('.nhsuk-notification-banner').textContent(), /your decision is recorded/);
    await shot('17-phone-approved');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

let failures = 0;
for (const t of tests) {
  try {
    await t.fn();
    console.log(`ok - ${t.name}`);
  } catch (e) {
    failures++;
    console.log(`FAILED - ${t.name}\n${e.stack}`);
    await shot(`failed-${tests.indexOf(t)}`).catch(() => {});
  }
}
await browser.close();
server.kill('SIGTERM');
const code = await new Promise((r) => server.on('exit', (c) => r(c)));
assert.equal(code, 0, 'commsflow serve should stop cleanly on SIGTERM');
rmSync(work, { recursive: true, force: true });
rmSync(profile, { recursive: true, force: true });
console.log(`${tests.length - failures}/${tests.length} browser tests passed; screenshots in web/artefacts/`);
process.exit(failures ? 1 : 0);
