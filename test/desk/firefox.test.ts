// The desk in Debian's Firefox ESR (test/helpers/firefox.ts: the stock browser, driven over
// WebDriver BiDi), the browser Tor Browser and Tails build on (docs/EDITORS.md, "Which browser on
// the air-gapped machine"). The model is the real desk (openDesk on a real bundle:
// test/desk/real-desk.ts); what reached it is what its outbox holds, opened with the editor's key.
//  1. As installed: the inbox lists the threads, keyboard-only triage works (j/k, Enter, s, l, r,
//     /), the pages raise no CSP violation and request nothing outside the desk's origin.
//  2. With the prefs Tor Browser ships (browser/app/profile/000-tor-browser.js: its proxy; and
//     from 001-base-profile.js those that bear on a page at 127.0.0.1): every address goes to its
//     SOCKS proxy, 127.0.0.1 included, and on an offline machine nothing listens there: the desk
//     does not load, and no request reaches it. With `network.proxy.allow_hijacking_localhost`
//     set to false, the one change docs/EDITORS.md asks for, the desk loads and works.
import t, { type Test } from 'tap';
import { connect } from 'node:net';
import type { Page } from 'puppeteer-core';
import { buildDeskClient } from '../../scripts/build-desk-client.js';
import { CSP, startDeskServer, type DeskServer } from '../../src/desk/server.js';
import { checkSameOrigin, freePort } from '../helpers/e2e.js';
import { CSP_VIOLATION, firefoxPage, launchFirefox } from '../helpers/firefox.js';
import { PNG_1X1 } from './desk-fixtures.js';
import { RealDeskBuilder, type RealDesk } from './real-desk.js';

/** The desk's threads in inbox order (newest activity first); ids[0] is a source's mailbox (it can be answered). */
let ids: string[] = [];
let builder: RealDeskBuilder;
let script: string;

t.before(async () => {
  script = await buildDeskClient();
  builder = await RealDeskBuilder.create(['Aida', 'Marat']);
  const b = builder;
  const src = await b.source();
  await b.tip({
    message: 'Ballots were carried out of station 44 before the count; photo attached.',
    from: src,
    received: '2026-11-29',
    form: { id: 'election-tm', version: 1 },
    fields: { region: 'ahal', pollingStation: 44, stage: 'counting', category: ['ballot-stuffing'] },
    files: [{ name: 'station-44.png', type: 'image/png', bytes: PNG_1X1 }],
  });
  const second = await b.tip({ message: 'Students were bussed to vote twice in Mary.', received: '2026-11-28' });
  const third = await b.tip({ message: 'The observer of station 9 was not let in.', sealedByServer: true, received: '2026-11-27' });
  ids = [src.mailbox, second, third];
  await b.events(1, ids[0]!, [
    { kind: 'status', status: 'in-progress' },
    { kind: 'label', label: 'Ahal', on: true },
  ]);
});

/** A new real desk on that content, served on 127.0.0.1; both close at teardown. */
async function deskUnderTest(t: Test): Promise<{ server: DeskServer; desk: RealDesk }> {
  const desk = await builder.open(t, { now: () => Date.parse('2026-11-30T09:00:00.000Z') });
  const server = await startDeskServer({ desk: desk.desk, script });
  t.teardown(() => server.close());
  return { server, desk };
}

/** Runs `action` and returns once the page it leads to has loaded. */
async function navigates(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
}

/** The focused element: its id, its link, and whether its focus ring shows. */
function focused(page: Page): Promise<{ id: string; href: string; outline: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    return { id: el.id, href: el.getAttribute('href') ?? '', outline: `${style.outlineStyle} ${style.outlineWidth}` };
  });
}

const designations = (page: Page) => page.$$eval('.thread-row a.open', (links) => links.map((a) => (a as HTMLElement).innerText));

t.test('Firefox ESR as installed: inbox, thread, keyboard-only triage, no CSP violation, nothing beyond the desk', async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const browser = await launchFirefox(t);
  t.match(await browser.version(), /^firefox\/\d+/, `driving ${await browser.version()}`);
  const { page, requests, problems } = await firefoxPage(t, browser);

  const response = await page.goto(server.url, { waitUntil: 'load' });
  t.equal(response?.status(), 200);
  t.equal(response?.headers()['content-security-policy'], CSP, 'the strict CSP');
  t.same(
    await designations(page),
    ids.map((id) => desk.desk.thread(id)!.designation),
    'the inbox lists the three threads, newest first',
  );

  // j / k move the focus along the rows, visibly; Enter opens the thread.
  await page.keyboard.press('j');
  const first = await focused(page);
  t.match(first.href, `thread/${ids[0]}`, 'j: the first thread');
  t.notMatch(first.outline, /^none/, 'with a visible focus ring');
  await page.keyboard.press('j');
  t.match((await focused(page)).href, `thread/${ids[1]}`, 'j: the second');
  await page.keyboard.press('k');
  t.match((await focused(page)).href, `thread/${ids[0]}`, 'k: back to the first');
  await navigates(page, () => page.keyboard.press('Enter'));
  t.equal(await page.$eval('#designation', (el) => (el as HTMLElement).innerText), desk.desk.thread(ids[0]!)!.designation, 'Enter opens it');
  t.same(await desk.sent(), [{ thread: ids[0], change: { kind: 'seen' } }], 'opening it read it');
  // The photo's thumbnail: an image from the desk's own origin, which the CSP allows (it loads
  // lazily: scrolled into view, then waited for).
  await page.$eval('.files img', (img) => img.scrollIntoView());
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.files img');
    return img?.complete === true && img.naturalWidth > 0;
  });
  t.equal(await page.$eval('.files img', (img) => (img as HTMLImageElement).naturalWidth), 1, 'the thumbnail is shown: the 1×1 photo, decoded');

  // s: the status, chosen with the arrow keys, sent with Enter on the button (after the reason field).
  await page.keyboard.press('s');
  const status = await focused(page);
  t.equal(status.id, 'status-select', 's focuses the status');
  t.notMatch(status.outline, /^none/, 'visibly');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await navigates(page, () => page.keyboard.press('Enter'));
  t.same(await desk.sent(), [{ thread: ids[0], change: { kind: 'status', status: 'waiting' } }], 'status set to waiting');

  // l: a label, typed and sent with Enter.
  await page.keyboard.press('l');
  t.equal((await focused(page)).id, 'label-input', 'l focuses the label field');
  await page.keyboard.type('second source needed');
  await navigates(page, () => page.keyboard.press('Enter'));
  t.same(await desk.sent(), [{ thread: ids[0], change: { kind: 'label', label: 'second source needed', on: true } }], 'label added');

  // r: the reply, typed, then Tab to its button.
  await page.keyboard.press('r');
  t.equal((await focused(page)).id, 'reply-text', 'r focuses the reply');
  await page.keyboard.type('Thank you. Did you see who carried them?');
  await page.keyboard.press('Tab');
  await navigates(page, () => page.keyboard.press('Enter'));
  t.same(await desk.sent(), [{ thread: ids[0], reply: 'Thank you. Did you see who carried them?' }], 'reply queued, sealed');

  // j in a thread: the next thread of the list; / : the search box.
  await navigates(page, () => page.keyboard.press('j'));
  t.equal(await page.$eval('#designation', (el) => (el as HTMLElement).innerText), desk.desk.thread(ids[1]!)!.designation, 'j opens the next thread');
  await page.keyboard.press('/');
  t.equal((await focused(page)).id, 'search', '/ focuses the search');
  await page.keyboard.type('bussed');
  await navigates(page, () => page.keyboard.press('Enter'));
  t.same(await designations(page), [desk.desk.thread(ids[1]!)!.designation], 'the search narrows the inbox');

  checkSameOrigin(t, requests, server.origin);
  t.same(problems, [], 'no CSP violation, console error, page error or HTTP error');

  // The check above can see a violation in Firefox: an image the CSP forbids (a data: URL, so
  // nothing is fetched from anywhere) is reported.
  const reported = new Promise<string>((resolve) => page.on('console', (m) => m.text().startsWith(CSP_VIOLATION) && resolve(m.text())));
  await page.evaluate(() => {
    const img = document.createElement('img');
    img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    document.body.append(img);
  });
  t.match(await reported, /img-src/, 'a forbidden image is reported as a CSP violation');
});

/**
 * Tor Browser's prefs (tor-browser, browser/app/profile/): the network settings of
 * 000-tor-browser.js, its SOCKS proxy on `port`; and those of 001-base-profile.js that bear on a
 * page at 127.0.0.1 (HTTPS-Only mode, always-private browsing, resistFingerprinting, first-party
 * isolation, its referrer policies).
 */
function torBrowserPrefs(port: number): Record<string, string | number | boolean> {
  return {
    'network.proxy.type': 1,
    'network.proxy.socks': '127.0.0.1',
    'network.proxy.socks_port': port,
    'network.proxy.socks_remote_dns': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.failover_direct': false,
    'network.dns.disabled': true,
    'dom.security.https_only_mode': true,
    'dom.security.https_only_mode_pbm': true,
    'browser.privatebrowsing.autostart': true,
    'privacy.resistFingerprinting': true,
    'privacy.firstparty.isolate': true,
    'network.http.referer.defaultPolicy': 2,
    'network.http.referer.defaultPolicy.pbmode': 2,
    'network.http.referer.XOriginTrimmingPolicy': 2,
  };
}

/** A port on 127.0.0.1 that refuses connections (as Tor Browser's 9150 does on an offline machine): checked, not assumed. */
async function closedPort(): Promise<number> {
  const port = await freePort();
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
  if (!refused) throw new Error(`port ${port} on 127.0.0.1 is not closed: something listens there`);
  return port;
}

t.test("Tor Browser's proxy prefs: the desk does not load; with allow_hijacking_localhost false it does", async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const port = await closedPort();
  // An unread thread: a request that reached the desk would read it (a `seen` event in the outbox).
  const unread = `${server.url}thread/${ids[1]}`;

  t.test('as Tor Browser ships them: 127.0.0.1 goes to the SOCKS proxy, which is not there', async (t) => {
    const browser = await launchFirefox(t, torBrowserPrefs(port));
    const { page } = await firefoxPage(t, browser);
    const failed = await page.goto(unread).then(
      () => 'loaded',
      (err: Error) => err.message,
    );
    t.match(failed, /NS_ERROR_PROXY_CONNECTION_REFUSED/, 'the navigation fails: the proxy refuses the connection');
    t.same(await desk.sent(), [], 'no request reached the desk');
  });

  t.test('with network.proxy.allow_hijacking_localhost false: the desk loads and works', async (t) => {
    const browser = await launchFirefox(t, { ...torBrowserPrefs(port), 'network.proxy.allow_hijacking_localhost': false });
    const { page, requests, problems } = await firefoxPage(t, browser);
    const response = await page.goto(unread, { waitUntil: 'load' });
    t.equal(response?.status(), 200, 'the thread loads');
    t.equal(await page.$eval('#designation', (el) => (el as HTMLElement).innerText), desk.desk.thread(ids[1]!)!.designation, 'the thread it asked for');
    t.same(await desk.sent(), [{ thread: ids[1], change: { kind: 'seen' } }], 'the desk answered it');
    // The keys too (resistFingerprinting changes what some keyboard events report).
    await page.keyboard.press('l');
    t.equal((await focused(page)).id, 'label-input', 'l focuses the label field');
    await page.keyboard.type('Mary');
    await navigates(page, () => page.keyboard.press('Enter'));
    t.same(await desk.sent(), [{ thread: ids[1], change: { kind: 'label', label: 'Mary', on: true } }], 'a change posted from the page reaches the desk');
    checkSameOrigin(t, requests, server.origin);
    t.same(problems, [], 'no CSP violation, console error, page error or HTTP error');
  });
});
