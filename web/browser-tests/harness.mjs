// What every browser test stands on: a `commsflow serve` on a free loopback port over a fresh
// demo database, one headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// and the checks a page must pass whatever it shows: headings in order, every input labelled,
// axe-core clean, nothing fetched from anywhere but the server.
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = resolve(process.argv[2] || process.env.COMMSFLOW_BIN ||
                           join(root, 'build/engine/commsflow'));
export const PASSWORD = 'demo-password'; // the documented demo-only password of `init --demo`
const artefacts = join(root, 'web/artefacts');
mkdirSync(artefacts, { recursive: true });

export const work = mkdtempSync(join(tmpdir(), 'commsflow-browser-'));
export const env = { ...process.env, COMMSFLOW_DB: join(work, 'commsflow.db'),
                     COMMSFLOW_WORKFLOWS: join(root, 'workflows') };
execFileSync(bin, ['init', '--demo'], { env, stdio: 'inherit' });

// The CLI on the same database, as a team member would use it beside the browser.
export const cli = (args) => execFileSync(bin, args, { env, encoding: 'utf8' });
export const cliJson = (args) => JSON.parse(cli(['--json', ...args]));

// Start the server and wait for the line that names its port.
const server = spawn(bin, ['serve', '--port', '0'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
let log = '';
export const base = await new Promise((resolveUrl, reject) => {
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
export const page = browser.pages()[0] || (await browser.newPage());
page.setDefaultTimeout(120_000); // generous: CI machines can be slow; nothing asserts on time

export const DESKTOP = { name: 'desktop', width: 1280, height: 900 };
export const PHONE = { name: 'phone', width: 390, height: 844 };

// Whatever a page does, it fetches only from the server and logs no error to the console.
const strayRequests = [];
const failedFiles = [];
const consoleErrors = [];
page.on('request', (r) => {
  const url = r.url();
  if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) strayRequests.push(url);
});
page.on('response', (r) => {
  if (r.request().resourceType() !== 'document' && r.status() >= 400) failedFiles.push(`${r.status()} ${r.url()}`);
});
page.on('console', (m) => {
  // A page answered 404 on purpose is reported by Chromium as a failed resource; files that
  // fail are caught above with their address instead.
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
});

export async function shot(name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}
export async function signIn(name) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/queue/);
}
export async function signOut() {
  // On a phone the header's navigation is folded away; the menu opens it.
  const menu = page.locator('.nhsuk-header__menu-toggle');
  const signOutButton = page.getByRole('button', { name: 'Sign out' });
  if (!(await signOutButton.isVisible()) && (await menu.isVisible())) await menu.click();
  await signOutButton.click();
  await page.waitForURL(/\/sign-in/);
}
export async function signInAs(name) {
  if (await page.locator('.cf-actor').count()) await signOut();
  await signIn(name);
}
export async function act(ref, actionButton) {
  await page.goto(`${base}/items/${ref}`);
  await page.locator(`button[data-action="${actionButton}"]`).click();
  await page.waitForURL(new RegExp(`/items/${ref}\\?done=\\d+`));
  // The success banner says what was done.
  await page.locator('.nhsuk-notification-banner--success').getByText(`${ref}:`).waitFor();
}
export async function successBanner() {
  return (await page.locator('.nhsuk-notification-banner--success').innerText()).replace(/\s+/g, ' ');
}

// The page is no wider than the screen: nothing scrolls sideways.
export async function fits() {
  const { width, screen } = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth, screen: window.innerWidth }));
  assert.ok(width <= screen, `${page.url()} is ${width} px wide on a ${screen} px screen`);
}

// axe-core with the NHS.UK frontend's rule set. A page is analysed once per structure: the
// elements with their classes, roles, types and ARIA attributes, whether each holds text, with
// runs of alike siblings (table rows, list items) counted once. Pages that differ only in their
// words, numbers and row counts (another item in the same state, the same list with other rows)
// are built by the same code, so one of them stands for all and the sweep stays fast.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const analysed = new Set();
export let axeRuns = 0;
export async function checkAxe() {
  const shape = await page.evaluate(() => {
    const kept = (a) => ['class', 'role', 'type', 'scope', 'tabindex'].includes(a.name) || a.name.startsWith('aria-');
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent.trim() ? 'T' : '';
      if (node.nodeType !== Node.ELEMENT_NODE) return '';
      const attrs = [...node.attributes].filter(kept)
          .map((a) => (a.name.startsWith('aria-') ? a.name : `${a.name}=${a.value}`)).join(' ');
      const children = [];
      for (const child of node.childNodes) {
        const s = walk(child);
        if (s && s !== children[children.length - 1]) children.push(s);
      }
      return `<${node.tagName} ${attrs}>${children.join('')}</>`;
    };
    return `${innerWidth}|${document.title ? 'T' : ''}|${walk(document.documentElement)}`;
  });
  if (analysed.has(shape)) return;
  analysed.add(shape);
  axeRuns++;
  // Legacy mode runs axe once in the page rather than frame by frame: the app has no frames.
  const result = await new AxeBuilder({ page }).setLegacyMode(true).withTags(AXE_TAGS)
      .disableRules(['color-contrast-enhanced', 'region']).analyze();
  const found = result.violations.map((v) =>
      `${v.id} (${v.help}): ${v.nodes.map((n) => n.html.slice(0, 200)).join(' | ')}`);
  assert.deepEqual(found, [], `accessibility violations on ${page.url()}`);
}

// Headings start at h1, there is one h1, and no level is skipped on the way down; every input
// has a label; axe-core finds nothing.
export async function checkPage() {
  // The NHS error summary and notification banner sit above the h1 by design, so their headings
  // are left out.
  const levels = await page.$$eval('main h1, main h2, main h3, main h4', (hs) => hs
      .filter((h) => !h.closest('.nhsuk-error-summary, .nhsuk-notification-banner'))
      .map((h) => Number(h.tagName[1])));
  assert.equal(levels[0], 1, `first heading on ${page.url()} is h${levels[0]}`);
  assert.equal(levels.filter((l) => l === 1).length, 1, `one h1 on ${page.url()}`);
  levels.reduce((prev, l) => { assert.ok(l <= prev + 1, `h${prev} then h${l} on ${page.url()}`); return l; });
  const unlabelled = await page.$$eval('main input:not([type=hidden]), main select, main textarea',
      (els) => els.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.name));
  assert.deepEqual(unlabelled, [], `inputs without labels on ${page.url()}`);
  await checkAxe();
}

const tests = [];
export const test = (name, fn) => tests.push({ name, fn });
// A task every team member does on the move: registered once at desktop size and once on a
// phone, each run given its size (fn(size)) and left at desktop size afterwards.
export const onBothSizes = (name, fn) => {
  for (const size of [DESKTOP, PHONE]) {
    test(`${name} (${size.name})`, async () => {
      await page.setViewportSize({ width: size.width, height: size.height });
      try {
        await fn(size);
      } finally {
        await page.setViewportSize({ width: DESKTOP.width, height: DESKTOP.height });
      }
    });
  }
};

// BROWSER_TESTS=pattern runs only the tests whose names match it (while working on them).
export async function runAll() {
  let failures = 0, ran = 0;
  const only = process.env.BROWSER_TESTS ? new RegExp(process.env.BROWSER_TESTS) : null;
  for (const [i, t] of tests.entries()) {
    if (only && !only.test(t.name)) continue;
    ran++;
    const started = Date.now();
    try {
      await t.fn();
      assert.deepEqual(strayRequests, [], 'requests that left the server');
      assert.deepEqual(failedFiles, [], 'files the server did not serve');
      assert.deepEqual(consoleErrors, [], 'errors in the browser console');
      console.log(`ok - ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failures++;
      console.log(`FAILED - ${t.name}\n${e.stack}`);
      await shot(`failed-${i}`).catch(() => {});
    }
    strayRequests.length = failedFiles.length = consoleErrors.length = 0;
  }
  await browser.close();
  server.kill('SIGTERM');
  const code = await new Promise((r) => server.on('exit', (c) => r(c)));
  assert.equal(code, 0, 'commsflow serve should stop cleanly on SIGTERM');
  rmSync(work, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
  console.log(`${ran - failures}/${ran} browser tests passed ` +
              `(axe-core ran on ${axeRuns} distinct pages); screenshots in web/artefacts/`);
  return failures;
}
