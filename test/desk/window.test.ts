// The desk in Debian's Chromium (test/helpers/e2e.ts): hostile content stays inert (a <script>
// and an <img onerror> in a message, markup in form answers, file names, notes, labels and an
// editor's name, bidi and invisible characters in file names and labels, thousands of labels, a
// huge message); an attacker's page on another origin that knows the secret cannot post a change
// (CSRF), nor can a rebound host name (DNS rebinding); axe (WCAG 2.1 A/AA) on the inbox and a
// thread in every language; keyboard-only triage (j/k, Enter, s, l, r, /) with a visible focus;
// and the screenshots of docs/EDITORS.md, written into docs/screenshots/. The model is always the
// real desk (openDesk on real bundles: test/desk/real-desk.ts): tips sealed as the page seals
// them, a colleague's signed desk events, forged events that end up refused; what reached the
// model is what its outbox holds, opened with the editor's key.
import t, { type Test } from 'tap';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDeskServer, type DeskServer } from '../../src/desk/server.js';
import { LANGS, type Lang } from '../../src/desk/views/words.js';
import { buildDeskClient } from '../../scripts/build-desk-client.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { ROOT } from '../helpers/client-build.js';
import { CHROMIUM, CHROMIUM_ARGS, capture, checkSameOrigin, launchChromium } from '../helpers/e2e.js';
import { canvasJpeg } from '../helpers/jpeg.js';
import { editorKeyFile } from '../helpers/e2e.js';
import { tempDir } from '../helpers/fixtures.js';
import { openDesk } from '../../src/desk/desk.js';
import { encodeBody } from '../../src/crypto/body.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { writeBundle } from '../../src/files/bundle.js';
import { sealReply } from '../../src/offline/reply.js';
import type { BundleItem } from '../../src/crypto/bundle.js';
import { RealDeskBuilder, type RealDesk } from './real-desk.js';
import { recipientsText } from './desk-fixtures.js';
import { DeskPage } from '../helpers/navigators/desk.js';

const SHOTS = join(ROOT, 'docs', 'screenshots');
/** The four threads of the realistic desk, in inbox order; ids[0] is a source's mailbox (it can be answered). */
let ids: string[] = [];
let realistic: RealDeskBuilder;
let forged: BundleItem[] = [];

let browser: Browser;
let script: string;
t.before(async () => {
  [browser, script] = await Promise.all([launchChromium(t), buildDeskClient()]);
  const page = await browser.newPage();
  const jpeg = await canvasJpeg(page);
  await page.close();
  // A desk like an editor's on election night: a report with form answers and a photo, a
  // conversation, a tip the server sealed, a closed thread. Aida is this desk; Marat's work
  // arrives as his signed desk events.
  realistic = await RealDeskBuilder.create(['Aida', 'Marat']);
  const b = realistic;
  // Fixed ids, so the designations (and the screenshots) are the same on every run.
  const src = await b.source(new Uint8Array(16).fill(7));
  await b.tip({
    id: '6'.repeat(32),
    message: 'At polling station 117 a man put a stack of ballots into the box at 14:10. The chair saw it and said nothing.',
    from: src,
    received: '2026-11-29',
    form: { id: 'election-kz', version: 1 },
    fields: { region: 'almaty', pollingStation: 117, stage: 'election-day', date: '2026-11-29', category: ['ballot-stuffing'] },
    files: [
      { name: 'IMG_2041.jpg', type: 'image/jpeg', bytes: new Uint8Array(jpeg) },
      { name: 'protocol.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: utf8('PK\u0003\u0004 protocol') },
    ],
  });
  const second = await b.tip({ id: '2'.repeat(32), message: 'They told us at work to vote or lose the bonus.', sealedByServer: true, received: '2026-11-28' });
  const third = await b.tip({ id: '3'.repeat(32), message: 'Follow-up: here is the photo I promised.', received: '2026-11-27' });
  const fourth = await b.tip({ id: '4'.repeat(32), message: 'Test message, please ignore.', received: '2026-11-25' });
  ids = [src.mailbox, second, third, fourth];
  const [aida, marat] = await Promise.all(b.roster.map((e) => fingerprint(e)));
  await b.events(1, ids[0]!, [
    { kind: 'status', status: 'in-progress' },
    { kind: 'assign', editor: aida! },
    { kind: 'label', label: 'Almaty', on: true },
    { kind: 'label', label: 'ballot stuffing', on: true },
    { kind: 'note', text: 'Second report from station 117 today; compare with the observer list.' },
  ]);
  await b.events(1, ids[2]!, [
    { kind: 'status', status: 'waiting' },
    { kind: 'label', label: 'Ashgabat', on: true },
    { kind: 'assign', editor: marat! },
  ]);
  await b.events(1, ids[3]!, [{ kind: 'status', status: 'closed' }]);
  // For the axe runs: an event signed by a key outside the roster, which the desk lists as refused.
  forged = await b.sealEvents(1, ids[1]!, [{ kind: 'label', label: 'planted', on: true }], { forged: 'unknown-signer' });
});

/** A new real desk on the realistic content, with Aida's own work done in it: a star, threads read, a reply queued. */
async function deskUnderTest(t: Test, o: { lang?: Lang; refused?: boolean } = {}): Promise<{ server: DeskServer; desk: RealDesk }> {
  const desk = await realistic.open(t, { now: () => Date.parse('2026-11-30T09:00:00.000Z'), ...(o.refused ? { extra: forged } : {}) });
  await desk.desk.change(ids[0]!, { kind: 'star', on: true });
  for (const id of [ids[0]!, ids[2]!, ids[3]!]) await desk.desk.change(id, { kind: 'seen' });
  await desk.desk.reply(ids[0]!, 'Thank you. Can you tell us whether anyone else saw it?');
  await desk.sent();
  const server = await startDeskServer({ desk: desk.desk, script, ...(o.lang ? { lang: o.lang } : {}) });
  t.teardown(() => server.close());
  return { server, desk };
}

async function newPage(t: Test, b: Browser = browser, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; seen: ReturnType<typeof capture> }> {
  const context = await b.newContext({ viewport });
  t.teardown(() => context.close());
  const page = await context.newPage();
  return { page, seen: capture(context, page, { responses: true }) };
}

/** newPage, also recording (and dismissing) every dialog a script opens: hostile content must open none. */
async function watchedPage(t: Test): Promise<{ page: Page; seen: ReturnType<typeof capture>; dialogs: string[] }> {
  const opened = await newPage(t);
  const dialogs: string[] = [];
  opened.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { ...opened, dialogs };
}

t.test('hostile content is inert: no script runs, no handler fires, nothing is loaded from elsewhere', async (t) => {
  const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>';
  // The longest message a body holds (src/crypto/body.ts MAX_MESSAGE_CHARS), its word a multiple of 64.
  const long = 'A'.repeat(Math.floor((100_000 - hostile.length - 1) / 64) * 64);
  const message = `${hostile}\n${long}`;
  // A colleague named with markup (a name cannot hold bidi or invisible characters: keys.ts
  // refuses them in the recipients file), whose events bring 3000 labels, one of them a script
  // and one with bidi and invisible characters, a note with an iframe, and the assignment.
  const evilName = 'Mallory <img src=x onerror="window.__pwned=10">';
  const b = await RealDeskBuilder.create(['Aida', evilName]);
  const src = await b.source();
  const tip = await b.tip({
    message,
    from: src,
    form: { id: '<svg onload="window.__pwned=4">', version: 1 },
    fields: { '<img src=x onerror="window.__pwned=5">': '"><svg onload="window.__pwned=6">' },
    files: [
      { name: '"><img src=x onerror="window.__pwned=7">.html', type: 'text/html', bytes: utf8('<script>window.__pwned = 11</script>') },
      { name: 'Mallory\u202Egpj.exe\u200B\u2066', type: 'application/octet-stream', bytes: utf8('MZ') },
    ],
  });
  const thread = src.mailbox;
  const mallory = b.roster[1]!;
  const labels = Array.from({ length: 3000 }, (_, i) => `label ${i}`);
  labels[0] = '<script>window.__pwned = 3</script>';
  labels[1] = 'x\u202Egpj.exe\u200B\u2066';
  await b.events(1, thread, [
    ...labels.map((label) => ({ kind: 'label' as const, label, on: true })),
    { kind: 'assign', editor: await fingerprint(mallory) },
    { kind: 'note', text: '<iframe src="http://example.org/"></iframe>' },
  ]);
  // Refused: events signed by a key outside the roster, and one naming Mallory signed by it.
  await b.events(1, thread, [{ kind: 'label', label: '<script>window.__pwned = 9</script>', on: true }], { forged: 'unknown-signer' });
  await b.events(1, thread, [{ kind: 'status', status: 'closed' }], { forged: 'impersonate' });
  // Mallory's reply to the source, as her desk seals it.
  const replyEnvelope = await sealReply({
    mailbox: thread,
    message: '</textarea><script>window.__pwned = 8</script>',
    sourceKey: src.kemPublicKey,
    editorKeys: b.roster.map((e) => e.publicKey),
    signer: mallory,
  });
  b.record({ id: createHash('sha256').update(`reply ${thread}`).digest('hex').slice(0, 32), received: '2026-11-30', mailbox: thread, envelope: replyEnvelope });
  const real = await b.open(t);
  t.equal(real.imported.refused.length, 2, 'the two forged events are refused');
  t.equal(real.desk.thread(thread)!.labels.length, 3000, "the colleague's 3000 labels are in the model");
  t.equal(real.desk.thread(thread)!.status, 'new', 'the impersonated status change is not');
  t.equal(real.desk.thread(thread)!.items[0]!.id, tip);
  const server = await startDeskServer({ desk: real.desk, script });
  t.teardown(() => server.close());
  const { page, seen, dialogs } = await watchedPage(t);
  for (const path of ['', `thread/${thread}`]) {
    const response = await page.goto(`${server.url}${path}`);
    t.equal(response?.status(), 200, `/${path}`);
    t.equal(
      response?.headers()['content-security-policy'],
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'",
    );
    await page.waitForLoadState('load');
    t.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, `/${path}: no injected script or handler ran`);
    t.equal(await page.evaluate(() => document.documentElement.dataset.deskScript ?? 'loaded'), 'loaded', 'the desk’s own script is the only script');
    t.equal(await page.locator('script').count(), 1, 'one <script> element: the desk’s');
    t.equal(await page.locator('img[src="x"], svg, iframe, a[href^="http://example"]').count(), 0, 'no injected element exists');
    const body = await page.locator('body').innerText();
    t.notMatch(body, /[\u202a-\u202e\u2066-\u2069\u200b]/, 'no bidi or invisible character reaches the page');
    if (path) {
      t.match(body, /Mallorygpj\.exe/, 'the file name is shown cleaned');
      t.match(body, /xgpj\.exe/, 'and the label');
    }
  }
  const text = await page.locator('.item .message').first().innerText();
  t.ok(text.startsWith(hostile), 'the markup is shown as text, as the source wrote it');
  const raw = await page
    .locator('.item .message')
    .first()
    .evaluate((el) => el.textContent);
  t.ok(raw === message, 'the whole message in the page, its line break kept, nothing added or cut');
  // One long word: without a break opportunity every 64 characters Chromium's layout is
  // quadratic (more than 30 s for a 200 000-character word before), and the window freezes.
  t.equal(await page.locator('.item .message').first().locator('wbr').count(), long.length / 64, 'a <wbr> after every 64 characters of the long word');
  t.equal(await page.locator('bdi.editor').first().innerText(), evilName, 'names are isolated in <bdi>, markup shown as text');
  t.match(await page.locator('body').innerText(), '</textarea><script>window.__pwned = 8</script>', "the colleague's reply is shown as text");
  t.equal(await page.locator('#refused li').count(), 2, 'the two forged events are listed as refused');
  t.same(dialogs, [], 'no dialog opened');
  checkSameOrigin(t, seen.requests, server.origin);
  t.same(seen.problems, [], 'no console error, page error or HTTP error');
  await page.goto(server.url);
  t.equal(await page.locator('.thread-row .label').count(), 8, 'a row shows 8 of 3000 labels');
  t.match(await page.locator('.thread-row .labels').innerText(), /\+2[\s\u00a0,.]?992 more/, 'and counts the rest');
});

t.test('an attacker page on another origin cannot change the desk, even knowing the secret (CSRF)', async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const target = `${server.url}thread/${ids[0]}/change`;
  // The attacker's site: a form that posts itself, and a fetch() in no-cors mode.
  const attacker = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    if (req.url === '/fetch') {
      res.end(
        `<!doctype html><title>a</title><script>fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'kind=status&status=rejected' }).finally(() => { document.title = 'sent'; });</script>`,
      );
    } else {
      res.end(
        `<!doctype html><title>a</title><form id="f" method="post" action="${target}"><input name="kind" value="label"><input name="on" value="1"><input name="label" value="planted"></form><script>document.getElementById('f').submit();</script>`,
      );
    }
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
  const attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  const { page } = await newPage(t);
  const [response] = await Promise.all([page.waitForResponse((r) => r.url() === target), page.goto(`${attackerOrigin}/form`)]);
  t.equal(response.status(), 403, 'the self-posting form is refused');
  await page.goto(`${attackerOrigin}/fetch`);
  await page.waitForFunction(() => document.title === 'sent');
  t.same(await desk.sent(), [], 'nothing reached the model');
  t.same(desk.desk.thread(ids[0]!)!.labels, ['Almaty', 'ballot stuffing']);
  t.equal(desk.desk.thread(ids[0]!)!.status, 'in-progress');
});

t.test('a host name rebound to 127.0.0.1 (DNS rebinding) gets nothing', async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const rebinding = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1'] });
  t.teardown(() => rebinding.close());
  const { page } = await newPage(t, rebinding);
  const url = server.url.replace('127.0.0.1', 'rebind.test');
  const response = await page.goto(url);
  t.equal(response?.status(), 421, `${url.replace(/\/[^/]+\/$/, '/<secret>/')}: refused`);
  t.notMatch(await page.content(), desk.desk.thread(ids[0]!)!.designation, 'nothing of the desk in the answer');
  t.same(await desk.sent(), []);
});

for (const lang of LANGS) {
  t.test(`axe (WCAG 2.1 A/AA) on the inbox and a thread, in ${lang}`, async (t) => {
    const { server } = await deskUnderTest(t, { lang, refused: true });
    const { page, seen } = await newPage(t);
    for (const path of ['', '?status=in-progress&sort=designation', `thread/${ids[0]}`, `thread/${ids[1]}`]) {
      await page.goto(`${server.url}${path}`);
      t.equal(await page.getAttribute('html', 'lang'), lang);
      t.equal(await page.locator('#refused li').count(), 1, 'with the refused event listed');
      await page.locator('#keys').evaluate((d) => ((d as HTMLDetailsElement).open = true));
      const result = await axe(page);
      t.ok(result.passes.length > 10, `axe ran (${result.passes.length} rules passed)`);
      t.same(describeViolations(result), [], `/${path} in ${lang}`);
    }
    // The page after "Export to folder", and an error page (reopening without a reason).
    await page.goto(`${server.url}thread/${ids[0]}`);
    await Promise.all([page.waitForURL(/\/export$/), page.locator('.files form button').last().click()]);
    t.same(describeViolations(await axe(page)), [], `the export page in ${lang}`);
    t.match(await page.locator('#message').innerText(), /protocol\.docx$/);
    await page.goto(`${server.url}thread/${ids[3]}`);
    await page.selectOption('#status-select', 'in-progress');
    await Promise.all([page.waitForURL(/\/change$/), page.click('#status-form button[type="submit"]')]);
    t.match(await page.locator('#message').innerText(), /reopening a thread needs a reason/);
    t.same(describeViolations(await axe(page)), [], `an error page in ${lang}`);
    // "Export for a colleague" and the desk's answer.
    t.match(await new DeskPage(page, server.url).inbox().then((d) => d.exportForColleague('Marat')), /desk-export-[0-9-]+-[0-9a-f]{8}\.bundle$/);
    t.same(describeViolations(await axe(page)), [], `the desk exported for a colleague, in ${lang}`);
    await page.goto(`${server.url}colleague`);
    t.same(describeViolations(await axe(page)), [], `the page "export for a colleague" in ${lang}`);
    checkSameOrigin(t, seen.requests, server.origin);
    t.same(
      seen.problems.filter((p) => !/status of 400/.test(p) && !/HTTP 400/.test(p)),
      [],
      'no problem but the 400 asked for',
    );
  });
}

t.test('"Export for a colleague" in Chromium: the file on the stick opens on the colleague\'s new desk', async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const { page } = await newPage(t);
  const said = await new DeskPage(page, server.url).inbox().then((d) => d.exportForColleague('Marat'));
  const path = /(\/\S+\.bundle)$/.exec(said)?.[1];
  t.ok(path?.startsWith(desk.usb), `the desk names the file on the stick: ${said}`);
  t.match(await page.locator('.warning').innerText(), /inbox/, 'and says where it goes');
  // Marat's brand-new desk reads it from its inbox: the four threads, Aida's star on the first.
  const dir = tempDir(t);
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  copyFileSync(path!, join(dir, 'usb', 'inbox', 'from-aida.bundle'));
  const marat = await openDesk({ key: desk.roster[1]!, recipients: recipientsText(desk.roster), usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'export') });
  t.teardown(() => marat.close());
  t.same((await marat.importInbox()).refused, []);
  t.same(
    marat.inbox({}).map((s) => [s.id, s.starred]),
    desk.desk.inbox({}).map((s) => [s.id, s.starred]),
  );
});

t.test('keyboard-only triage: j/k, Enter, s, l, r, / with a visible focus', async (t) => {
  const { server, desk } = await deskUnderTest(t);
  const { page, seen } = await newPage(t);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { id: el.id, href: el.getAttribute('href') ?? '', outline: `${style.outlineStyle} ${style.outlineWidth}`, tag: el.tagName.toLowerCase() };
    });
  await page.goto(server.url);
  await page.keyboard.press('j');
  let f = await focused();
  t.match(f.href, `thread/${ids[0]}`, 'j: the first thread');
  t.notMatch(f.outline, /^none/, 'with a visible focus ring');
  await page.keyboard.press('j');
  t.match((await focused()).href, `thread/${ids[1]}`, 'j: the second');
  await page.keyboard.press('k');
  t.match((await focused()).href, `thread/${ids[0]}`, 'k: back to the first');
  await Promise.all([page.waitForURL(`**/thread/${ids[0]}`), page.keyboard.press('Enter')]);
  t.equal(await page.locator('#designation').innerText(), desk.desk.thread(ids[0]!)!.designation, 'Enter opens it');

  // s: the status, chosen with the arrow keys, sent with Enter on the button.
  await page.keyboard.press('s');
  f = await focused();
  t.equal(f.id, 'status-select', 's focuses the status');
  t.notMatch(f.outline, /^none/, 'visibly');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForURL(/#status$/), page.keyboard.press('Enter')]);
  t.same(await desk.sent(), [{ thread: ids[0], change: { kind: 'status', status: 'waiting' } }], 'status set to waiting');

  // l: a label, typed and sent with Enter.
  await page.keyboard.press('l');
  t.equal((await focused()).id, 'label-input', 'l focuses the label field');
  await page.keyboard.type('needs a second source');
  await Promise.all([page.waitForURL(/#label$/), page.keyboard.press('Enter')]);
  t.same(await desk.sent(), [{ thread: ids[0], change: { kind: 'label', label: 'needs a second source', on: true } }], 'label added');
  t.match(await page.locator('.label-list').innerText(), /needs a second source/);

  // r: the reply, typed, then Tab to its button.
  await page.keyboard.press('r');
  t.equal((await focused()).id, 'reply-text', 'r focuses the reply');
  await page.keyboard.type('Thank you, we are checking it.');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForURL(/#replied$/), page.keyboard.press('Enter')]);
  t.same(await desk.sent(), [{ thread: ids[0], reply: 'Thank you, we are checking it.' }], 'reply queued, sealed');

  // j in a thread: the next thread of the list; / : the search box.
  await Promise.all([page.waitForURL(`**/thread/${ids[1]}`), page.keyboard.press('j')]);
  t.equal(await page.locator('#designation').innerText(), desk.desk.thread(ids[1]!)!.designation, 'j opens the next thread');
  await page.keyboard.press('/');
  t.equal((await focused()).id, 'search', '/ focuses the search');
  await page.keyboard.type('bonus');
  await Promise.all([page.waitForURL(/\?q=bonus/), page.keyboard.press('Enter')]);
  t.equal(await page.locator('#threads .thread-row').count(), 1, 'the search narrows the inbox');
  await page.keyboard.press('j');
  t.match((await focused()).href, `thread/${ids[1]}?q=bonus`, 'and j walks the results');
  checkSameOrigin(t, seen.requests, server.origin);
  t.same(seen.problems, []);
});

t.test('the screenshots of docs/EDITORS.md', async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const { server } = await deskUnderTest(t);
  const { page } = await newPage(t, browser, { width: 1280, height: 800 });
  const shots: [string, string][] = [
    ['desk-inbox.png', ''],
    ['desk-thread.png', `thread/${ids[0]}`],
  ];
  for (const [name, path] of shots) {
    await page.goto(`${server.url}${path}`);
    await page.screenshot({ path: join(SHOTS, name), fullPage: true });
    t.ok(statSync(join(SHOTS, name)).size > 10_000, `${name} written`);
  }
});

t.test('the real desk (openDesk on a real bundle): a hostile tip stays inert, a change made in the page is queued sealed', async (t) => {
  const dir = tempDir(t, 'tipline-desk-real-');
  const { pair, recipientsFile } = await editorKeyFile(dir, 'real desk passphrase');
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Выборы: карусель на участке 117';
  const id = createHash('sha256').update(`real desk ${process.pid} ${Date.now()}`).digest('hex').slice(0, 32);
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [pair.publicKey], body: encodeBody({ v: 1, message: hostile, clientTime: '2026-11-28T10:00:00.000Z' }) });
  await writeBundle(join(dir, 'usb', 'inbox', 'new.bundle'), [{ id, received: '2026-11-28', envelope }], { created: '2026-11-29' });
  const desk = await openDesk({ key: pair, recipients: readFileSync(recipientsFile, 'utf8'), usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'exports') });
  t.teardown(() => desk.close());
  const imported = await desk.importInbox();
  t.equal(imported.imported, 1, 'the tip is imported');
  const server = await startDeskServer({ desk, script, lang: 'ru' });
  t.teardown(() => server.close());
  const { page, seen, dialogs } = await watchedPage(t);
  await page.goto(server.url);
  t.match(await page.locator('.thread-row .preview').innerText(), hostile.slice(0, 60), 'the preview shows the markup as text');
  await Promise.all([page.waitForURL(/\/thread\//), page.locator('.thread-row a.open').first().click()]);
  t.equal(await page.locator('.item .message').first().innerText(), hostile, 'the message is shown as the source wrote it');
  t.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'no injected script or handler ran');
  t.equal(await page.locator('img[src="x"]').count(), 0, 'no injected image exists');
  await page.selectOption('#status-select', 'verified');
  await Promise.all([page.waitForURL(/#status$/), page.click('#status-form button[type="submit"]')]);
  t.match(await page.locator('.badge.status').first().innerText(), 'проверено', 'the status is applied at once');
  t.same(dialogs, []);
  checkSameOrigin(t, seen.requests, server.origin);
  t.same(seen.problems, []);
  const outbox = readdirSync(join(dir, 'usb', 'outbox'));
  t.ok(
    outbox.some((f) => f.startsWith('event-')),
    `the change is queued as a desk event: ${outbox.join(', ')}`,
  );
  for (const f of outbox.filter((f) => f.startsWith('event-'))) t.notOk(readFileSync(join(dir, 'usb', 'outbox', f)).includes(Buffer.from('verified')), `${f} holds no plaintext status`);
});
