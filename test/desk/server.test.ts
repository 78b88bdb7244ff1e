// The desk's local server (src/desk/server.ts) over real HTTP on 127.0.0.1: it refuses every
// address but 127.0.0.1, a wrong or missing Host (DNS rebinding), a missing or wrong secret
// (404 that says nothing), a POST without this origin (CSRF), and every answer carries the
// strict headers. The model is the real desk (openDesk over a real encrypted store, real bundles
// imported from a USB inbox: test/desk/real-desk.ts), built once for the file; what the server
// let through is what the desk's outbox holds, opened with the editor's key.
import t, { type Test } from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { CSP, checkHost, startDeskServer, type DeskServer } from '../../src/desk/server.js';
import type { Desk } from '../../src/desk/api.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { PNG_1X1 } from './desk-fixtures.js';
import { RealDeskBuilder, type RealDesk } from './real-desk.js';

const SCRIPT = 'document.documentElement.dataset.deskScript = "1";';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request: the Host header exactly as given (none when null), any Origin. */
function send(server: DeskServer, o: { method?: string; path: string; host?: string | null; origin?: string; body?: string; type?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.host !== null) headers.Host = o.host ?? `127.0.0.1:${server.port}`;
    if (o.origin !== undefined) headers.Origin = o.origin;
    if (o.body !== undefined) {
      headers['Content-Type'] = o.type ?? 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(o.body));
    }
    const req = request({ host: '127.0.0.1', port: server.port, method: o.method ?? 'GET', path: o.path, headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

// The desk of every test: A, a lone tip (no mailbox) with a PNG and an HTML page declared
// image/png; B, a tip a colleague closed; M, a source's thread; F, a follow-up claiming M's
// mailbox but signed by another source's key (its own thread, marked unverified).
const build = await RealDeskBuilder.create(['Aida', 'Marat']);
const A = await build.tip({
  message: 'A tip',
  files: [
    { name: 'photo.png', type: 'image/png', bytes: PNG_1X1 },
    { name: 'fake.png', type: 'image/png', bytes: utf8('<html><script>alert(1)</script>') },
    { name: 'doc.docx', type: 'application/octet-stream', bytes: utf8('PK\u0003\u0004 a document') },
  ],
});
const B = await build.tip({ message: 'Another tip' });
await build.events(1, B, [
  { kind: 'assign', editor: await fingerprint(build.roster[0]!) },
  { kind: 'status', status: 'closed' },
]);
const src = await build.source();
const M = src.mailbox;
await build.tip({ message: 'genuine', from: src });
const F = await build.tip({ message: 'forged?', from: src, kind: 'followUp', forgedBy: await build.source() });
const fx: RealDesk = await build.open(t);
const files = (() => {
  const item = fx.desk.thread(A)!.items[0]!;
  return Object.fromEntries((item.kind === 'tip' ? item.files : []).map((f) => [f.name, f.id]));
})();

async function start(t: Test, desk: Desk = fx.desk): Promise<{ server: DeskServer; desk: RealDesk; secret: string }> {
  await fx.sent();
  const server = await startDeskServer({ desk, script: SCRIPT });
  t.teardown(() => server.close());
  const secret = new URL(server.url).pathname.split('/')[1]!;
  return { server, desk: fx, secret };
}

function strictHeaders(t: Test, a: Answer, what: string): void {
  t.equal(a.headers['content-security-policy'], CSP, `${what}: CSP`);
  t.equal(a.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  t.equal(a.headers['referrer-policy'], 'same-origin', `${what}: no referrer to another site`);
  t.equal(a.headers['cache-control'], 'no-store', `${what}: no-store`);
  t.equal(a.headers['cross-origin-opener-policy'], 'same-origin', `${what}: COOP`);
  t.equal(a.headers['cross-origin-resource-policy'], 'same-origin', `${what}: CORP`);
}

t.test('every address but 127.0.0.1 is refused, before listening', async (t) => {
  for (const host of ['0.0.0.0', '::', '::1', 'localhost', '192.168.1.20', '10.0.0.5', '127.0.0.2', '']) {
    t.throws(() => checkHost(host), { name: 'DeskServerError', message: /listens on 127\.0\.0\.1 only/ }, `--host ${JSON.stringify(host)}`);
    await t.rejects(startDeskServer({ desk: fx.desk, script: SCRIPT, host }), { name: 'DeskServerError' }, `startDeskServer refuses ${JSON.stringify(host)}`);
  }
  t.doesNotThrow(() => checkHost('127.0.0.1'));
});

t.test('the URL: 127.0.0.1, a random port, a 256-bit secret that differs per run', async (t) => {
  const one = await start(t);
  const two = await start(t);
  t.match(one.server.url, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/$/);
  t.not(one.secret, two.secret, 'a new secret each run');
  t.not(one.server.port, two.server.port);
  const inbox = await send(one.server, { path: `/${one.secret}/` });
  t.equal(inbox.status, 200);
  t.match(inbox.headers['content-type'], /^text\/html; charset=utf-8/);
  strictHeaders(t, inbox, 'inbox');
  t.match(inbox.body, fx.desk.thread(A)!.designation);
});

t.test('a wrong or missing Host (DNS rebinding) is refused with nothing of the desk', async (t) => {
  const { server, secret, desk } = await start(t);
  for (const host of [
    'evil.example',
    `evil.example:${server.port}`,
    `localhost:${server.port}`,
    `127.0.0.1`,
    `127.0.0.1:${server.port + 1}`,
    `[::1]:${server.port}`,
    `127.0.0.1:${server.port}.evil.example`,
  ]) {
    const a = await send(server, { path: `/${secret}/`, host });
    t.equal(a.status, 421, `Host ${host}`);
    t.equal(a.body, 'Misdirected request\n');
    strictHeaders(t, a, `Host ${host}`);
    const post = await send(server, { method: 'POST', path: `/${secret}/thread/${A}/change`, host, origin: server.origin, body: 'kind=star&on=1' });
    t.equal(post.status, 421, `POST with Host ${host}`);
  }
  const none = await send(server, { path: `/${secret}/`, host: null });
  t.equal(none.status, 400, 'no Host');
  t.same(await desk.sent(), [], 'nothing reached the model');
});

t.test('a missing or wrong secret is a 404 that reveals nothing', async (t) => {
  const { server, secret, desk } = await start(t);
  const wrong = [...secret].map((c, i) => (i === 10 ? (c === 'A' ? 'B' : 'A') : c)).join('');
  for (const path of [
    '/',
    '/desk.css',
    '/desk.js',
    `/thread/${A}`,
    `/${wrong}/`,
    `/${wrong}/desk.js`,
    `/${secret.slice(0, -1)}/`,
    `/${secret}x/`,
    `/${secret}`,
    `//${secret}/`,
    `/x/${secret}/`,
    `/${secret.toLowerCase()}/`,
    '/favicon.ico',
    `/../${secret}/`,
  ]) {
    const a = await send(server, { path });
    t.equal(a.status, 404, path);
    t.equal(a.body, 'Not found\n', `${path}: nothing revealing`);
    strictHeaders(t, a, path);
  }
  const post = await send(server, { method: 'POST', path: `/${wrong}/thread/${A}/change`, origin: server.origin, body: 'kind=star&on=1' });
  t.equal(post.status, 404, 'a POST with a wrong secret');
  const within = await send(server, { path: `/${secret}/nothing-here` });
  t.equal(within.status, 404, 'an unknown path under the secret');
  t.same(await desk.sent(), [], 'nothing reached the model');
});

t.test('a POST without this exact origin (CSRF) is refused and changes nothing', async (t) => {
  const { server, secret, desk } = await start(t);
  const path = `/${secret}/thread/${A}/change`;
  for (const origin of [undefined, 'null', 'http://evil.example', `http://localhost:${server.port}`, `https://127.0.0.1:${server.port}`, `http://127.0.0.1:${server.port + 1}`, `${server.origin}/`]) {
    const a = await send(server, { method: 'POST', path, ...(origin === undefined ? {} : { origin }), body: 'kind=star&on=1' });
    t.equal(a.status, 403, `Origin ${origin ?? '(none)'}`);
    strictHeaders(t, a, `Origin ${origin}`);
  }
  const reply = await send(server, { method: 'POST', path: `/${secret}/thread/${A}/reply`, origin: 'http://evil.example', body: 'text=forged' });
  t.equal(reply.status, 403, 'a cross-origin reply');
  t.same(await desk.sent(), [], 'nothing reached the model');
  const ok = await send(server, { method: 'POST', path, origin: server.origin, body: 'kind=star&on=1' });
  t.equal(ok.status, 303, 'the same POST from the desk itself');
  t.equal(ok.headers.location, `/${secret}/thread/${A}#star`);
  t.same(await desk.sent(), [{ thread: A, change: { kind: 'star', on: true } }]);
  t.equal(fx.desk.thread(A)!.starred, true, 'and the desk shows it');
});

t.test('bad input: a clear 4xx and nothing changed', async (t) => {
  const { server, secret, desk } = await start(t);
  const post = (path: string, body: string, type?: string) => send(server, { method: 'POST', path: `/${secret}/${path}`, origin: server.origin, body, ...(type ? { type } : {}) });
  const cases: [string, string, number, RegExp, string?][] = [
    [`thread/${A}/change`, 'kind=status&status=sleeping', 400, /unknown status/],
    [`thread/${A}/change`, 'kind=frobnicate', 400, /unknown change/],
    [`thread/${A}/change`, 'kind=assign&editor=' + '0'.repeat(64), 400, /no such editor/],
    [`thread/${A}/change`, 'kind=label&label=', 400, /missing label/],
    [`thread/${A}/change`, `kind=label&label=${'x'.repeat(101)}`, 400, /longer than 100/],
    [`thread/${A}/change`, 'kind=note&text=a%00b', 400, /NUL/],
    [`thread/${A}/change`, 'kind=verify&tip=zz&state=verified', 400, /bad tip id/],
    [`thread/${A}/change`, '{"kind":"star"}', 415, /form/, 'application/json'],
    [`thread/${B}/change`, 'kind=status&status=in-progress', 400, /reopening a thread needs a reason/],
    [`thread/${B}/change`, 'kind=status&status=in-progress&reason=++', 400, /reopening a thread needs a reason/],
    [`thread/${'c'.repeat(32)}/change`, 'kind=star&on=1', 404, /no such thread/],
    [`thread/${A}/reply`, 'text=', 400, /missing text/],
    ['export', 'file=../../etc/passwd', 400, /bad file id/],
  ];
  for (const [path, body, status, message, type] of cases) {
    const a = await post(path, body, type);
    t.equal(a.status, status, `${path} ${body.slice(0, 40)}`);
    t.match(a.body, message);
    strictHeaders(t, a, path);
  }
  const huge = await post(`thread/${A}/reply`, `text=${'a'.repeat(1024 * 1024 + 1)}`);
  t.equal(huge.status, 413, 'a body over 1 MiB');
  t.same(await desk.sent(), [], 'nothing reached the model');
  const reopened = await post(`thread/${B}/change`, 'kind=status&status=in-progress&reason=the+source+wrote+again');
  t.equal(reopened.status, 303, 'reopening with a reason');
  t.same(await desk.sent(), [{ thread: B, change: { kind: 'status', status: 'in-progress', reason: 'the source wrote again' } }]);
  t.equal(fx.desk.thread(B)!.status, 'in-progress', 'and the desk shows it');
});

t.test('the stylesheet and the script are served from the secret path with their types', async (t) => {
  const { server, secret } = await start(t);
  const css = await send(server, { path: `/${secret}/desk.css` });
  t.equal(css.status, 200);
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  const js = await send(server, { path: `/${secret}/desk.js` });
  t.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  t.equal(js.body, SCRIPT);
  const inbox = await send(server, { path: `/${secret}/` });
  t.match(inbox.body, `<link rel="stylesheet" href="/${secret}/desk.css">`);
  t.match(inbox.body, `<script src="/${secret}/desk.js" defer></script>`);
  t.notMatch(inbox.body, /<script>|<style|style="|\son[a-z]+=/i, 'no inline script, style or handler');
  t.notMatch(inbox.body, /https?:\/\//, 'nothing links out');
  const method = await send(server, { method: 'PUT', path: `/${secret}/` });
  t.equal(method.status, 405);
});

t.test('thumbnails: only bytes that are an image, with the image type', async (t) => {
  const { server, secret } = await start(t);
  const ok = await send(server, { path: `/${secret}/thumb/${files['photo.png']}` });
  t.equal(ok.status, 200);
  t.equal(ok.headers['content-type'], 'image/png');
  t.equal(Number(ok.headers['content-length']), PNG_1X1.length, 'the decrypted image');
  strictHeaders(t, ok, 'thumbnail');
  const fake = await send(server, { path: `/${secret}/thumb/${files['fake.png']}` });
  t.equal(fake.status, 404, 'HTML a source declared image/png is not served as a thumbnail');
  t.equal(fake.body, 'Not found\n');
  const missing = await send(server, { path: `/${secret}/thumb/nope` });
  t.equal(missing.status, 404);
  t.same(await fx.sent(), [], 'nothing reached the model');
});

t.test('Export to folder: the file is written by the model, the page says where and warns', async (t) => {
  const { server, secret } = await start(t);
  const doc = files['doc.docx']!;
  const a = await send(server, { method: 'POST', path: `/${secret}/export`, origin: server.origin, body: `file=${doc}` });
  t.equal(a.status, 200);
  strictHeaders(t, a, 'export');
  const path = /Written to ([^<]+)</.exec(a.body)?.[1];
  t.ok(path, 'the page names the file written');
  t.ok(path!.startsWith(`${fx.dir}/export/`), "into the desk's export folder");
  t.equal(readFileSync(path!, 'utf8'), 'PK\u0003\u0004 a document', 'the attachment, decrypted');
  t.equal(statSync(path!).mode & 0o777, 0o600);
  t.match(a.body, /Open exported files only on a separate machine that holds no key/);
  t.notMatch(a.body, /href="file:/, 'no link to the file');
  const written = readdirSync(join(fx.dir, 'export')).length;
  const cross = await send(server, { method: 'POST', path: `/${secret}/export`, origin: 'http://evil.example', body: `file=${doc}` });
  t.equal(cross.status, 403, 'not from another origin');
  const get = await send(server, { path: `/${secret}/export?file=${doc}` });
  t.equal(get.status, 404, 'never by a GET (a link or an image could trigger it)');
  t.equal(readdirSync(join(fx.dir, 'export')).length, written, 'neither wrote a file');
});

t.test('a lone tip offers no reply; an item whose mailbox signature failed is marked', async (t) => {
  const { server, secret } = await start(t);
  const lone = await send(server, { path: `/${secret}/thread/${A}` });
  t.match(lone.body, /id="no-reply">This source left no return passphrase/);
  t.notMatch(lone.body, /id="reply-form"/, 'no composer for a tip without a mailbox');
  const thread = await send(server, { path: `/${secret}/thread/${M}` });
  t.match(thread.body, /id="reply-form"/, 'a mailbox thread can be answered');
  t.notMatch(thread.body, /forged\?/, "the forged follow-up is not filed in the mailbox's thread");
  const forged = await send(server, { path: `/${secret}/thread/${F}` });
  t.match(forged.body, /<p class="warning">Not verified: [^<]*<\/p>\s*<div class="message" dir="auto">forged\?<\/div>/, 'the unverified follow-up is marked, with the reason');
  t.match(forged.body, /signature/);
});

t.test('the activity log names an assignee by the roster name, not the key fingerprint', async (t) => {
  const { server, secret } = await start(t);
  t.same(
    fx.desk
      .thread(B)!
      .log.map((l) => l.what)
      .slice(0, 2),
    ['assigned to Aida', 'status new → closed'],
    'the model',
  );
  const page = await send(server, { path: `/${secret}/thread/${B}` });
  t.match(page.body, /assigned to Aida</, 'the page');
  const log = /<ol class="log">[\s\S]*?<\/ol>/.exec(page.body)?.[0] ?? '';
  t.match(log, /assigned to Aida</, 'in the activity log');
  t.notMatch(log, fx.ids[0]!, 'no fingerprint in the log');
});
