// Every page each demo person can reach, read by axe-core with the NHS.UK frontend's rule set
// (see checkPage in harness.mjs): signed in as each person in turn, the sweep follows every link
// from the queue, the incidents page and their account, and checks each kind of page it finds:
// an item page once for each workflow and state, a list once whatever its filters and page;
// no two kinds of page share a title, and none sends a person to the command line or the API.
import { base, page, cliJson, test, signInAs, signOut, checkPage } from './harness.mjs';
import assert from 'node:assert/strict';

// Downloads are files, not pages; the API answers JSON; sign-out would end the sweep.
const notAPage = (href) => !href.startsWith('/') || href.startsWith('/api/') ||
    href.startsWith('/static/') || href.startsWith('/nhsuk/') || href.includes('#') ||
    /format=(csv|json)/.test(href);

test('every page passes axe-core for every demo person', async () => {
  const people = cliJson(['actor', 'list']).filter((a) => !a.disabled).map((a) => a.name);
  const kindOf = new Map(cliJson(['list']).map((i) => [i.ref, `${i.workflow}:${i.state}`]));
  const pageKind = (href) => {
    const url = new URL(href, base);
    const path = url.pathname.replace(/^\/items\/([A-Za-z0-9-]+)/, (_, ref) => `/items/${kindOf.get(ref) ?? ref}`)
        .replace(/\/\d+$/, '/N');
    return `${path}?${[...url.searchParams.keys()].sort().join('&')}`;
  };
  let pages = 0;
  for (const person of people) {
    await signInAs(person);
    const seen = new Set();
    const titled = new Map(); // page title -> the page it was first seen on
    const queue = ['/queue', '/incidents', '/account'];
    while (queue.length) {
      const path = queue.shift();
      if (seen.has(pageKind(path))) continue;
      seen.add(pageKind(path));
      // A page not theirs is a "not found" page, checked too.
      const response = await page.goto(`${base}${path}`);
      pages++;
      await checkPage();
      // No page sends a person to the command line or the API.
      const said = await page.locator('main').innerText();
      assert.doesNotMatch(said, /\bcommsflow [a-z]+|(^|\s)--[a-z]|\/api\/|command line/i, `on ${path}`);
      // Each kind of page has a title of its own.
      const title = await page.title();
      if (response.status() !== 404) {
        const where = new URL(path, base).pathname; // one page, whatever its filters
        const other = titled.get(title);
        assert.ok(!other || other === where, `"${title}" is the title of ${other} and ${where}`);
        titled.set(title, where);
      }
      const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
      for (const href of links) if (!notAPage(href) && !seen.has(pageKind(href))) queue.push(href);
    }
  }
  await signOut();
  console.log(`  ${pages} pages read as ${people.length} people`);
});
