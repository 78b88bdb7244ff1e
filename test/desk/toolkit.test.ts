// The desk as an editor runs it: the one-file toolkit, copied alone into an empty folder (no
// node_modules above it), run inside a network namespace that has only loopback
// (`unshare -rn`, lo brought up so the desk can listen on 127.0.0.1), on a USB folder whose
// inbox holds a real bundle with a hostile tip sealed to a real key. A driver script (Node
// built-ins only) in the same namespace starts `node tipline-offline.mjs desk`, reads the URL
// it prints, and asks the real desk what a browser would; `--host 0.0.0.0` is refused first.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildOffline } from '../../scripts/build-offline.js';
import { encodeBody } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';
import type { TipRecord } from '../../src/crypto/bundle.js';
import { writeBundle } from '../../src/files/bundle.js';
import { childEnv } from '../helpers/child-env.js';
import { editorKeyFile } from '../helpers/e2e.js';
import { tempDir } from '../helpers/fixtures.js';

const PASSPHRASE = 'desk toolkit passphrase';
const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> ballot stuffing at station 117';

/** The driver: Node built-ins only, run beside the toolkit inside the namespace. */
const DRIVER = String.raw`
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
const args = ['tipline-offline.mjs', 'desk', '--key', 'editor.key', '--usb', 'usb', '--recipients', 'recipients.txt', '--passphrase-file', 'pass', '--lang', 'ru'];
const out = {};
const run = (extra) => new Promise((resolve) => {
  const child = spawn(process.execPath, [...args, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; if (/desk ready: \S+\n/.test(stdout)) resolve({ child, stdout, stderr: () => stderr }); });
  child.stderr.on('data', (d) => (stderr += d));
  child.on('close', (code) => resolve({ code, stdout, stderr: () => stderr }));
});
const ask = (url, o = {}) => new Promise((resolve, reject) => {
  const u = new URL(url);
  const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: o.method ?? 'GET', headers: { Host: u.host, ...(o.headers ?? {}) }, setHost: false }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
  });
  req.on('error', reject);
  req.end(o.body);
});
const refused = await run(['--host', '0.0.0.0']);
out.refused = { code: refused.code, stderr: refused.stderr() };
const desk = await run([]);
const url = /desk ready: (\S+)\n/.exec(desk.stdout)[1];
out.url = url;
const status = readFileSync('/proc/' + desk.child.pid + '/status', 'utf8');
out.memory = Object.fromEntries(['VmRSS', 'VmHWM'].map((k) => [k, Number(new RegExp(k + ':\\s+(\\d+) kB').exec(status)[1]) * 1024]));
const inbox = await ask(url);
out.inbox = { status: inbox.status, csp: inbox.headers['content-security-policy'], body: inbox.body };
const thread = /href="([^"]*thread\/[0-9a-f]{32})"/.exec(inbox.body)[1];
const page = await ask(new URL(thread, url).href);
out.thread = { status: page.status, body: page.body };
out.wrongSecret = (await ask(new URL('/' + 'A'.repeat(43) + '/', url).href)).status;
out.wrongHost = (await ask(url, { headers: { Host: 'rebind.example:' + new URL(url).port } })).status;
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
out.crossOrigin = (await ask(new URL(thread + '/change', url).href, { method: 'POST', headers: { ...form, Origin: 'http://evil.example' }, body: 'kind=label&on=1&label=planted' })).status;
out.sameOrigin = (await ask(new URL(thread + '/change', url).href, { method: 'POST', headers: { ...form, Origin: new URL(url).origin }, body: 'kind=label&on=1&label=' + encodeURIComponent('проверить') })).status;
out.after = (await ask(new URL(thread, url).href)).body;
desk.child.kill('SIGINT');
out.exit = await new Promise((resolve) => desk.child.on('close', (code) => resolve(code)));
out.stderr = desk.stderr();
process.stdout.write(JSON.stringify(out));
`;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = childEnv();
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('the desk from the one-file toolkit, with no node_modules and no network but loopback', async (t) => {
  const build = tempDir(t, 'tipline-desk-build-');
  const dir = tempDir(t, 'tipline-desk-toolkit-');
  const built = await buildOffline(join(build, 'tipline-offline.mjs'));
  copyFileSync(built.file, join(dir, 'tipline-offline.mjs'));
  for (let p = dir; ; p = dirname(p)) {
    t.notOk(existsSync(join(p, 'node_modules')), `no node_modules in ${p}`);
    if (dirname(p) === p) break;
  }
  const { pair, keyFile } = await editorKeyFile(dir, PASSPHRASE, '# the desk\n');
  // The real limits (MODERATE, 256 MiB), to see where Argon2id's memory goes.
  writeFileSync(keyFile, JSON.stringify(await encryptKeyFile(pair, PASSPHRASE)));
  writeFileSync(join(dir, 'pass'), `${PASSPHRASE}\n`);
  writeFileSync(join(dir, 'driver.mjs'), DRIVER);
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  const id = createHash('sha256').update(`desk toolkit ${process.pid} ${Date.now()}`).digest('hex').slice(0, 32);
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [pair.publicKey], body: encodeBody({ v: 1, message: HOSTILE, clientTime: '2026-11-28T10:00:00.000Z' }) });
  const record: TipRecord = { id, received: '2026-11-28', envelope };
  await writeBundle(join(dir, 'usb', 'inbox', 'new.bundle'), [record], { created: '2026-11-29' });

  const r = await run('unshare', ['-rn', '--', 'sh', '-c', 'ip link set lo up && exec "$0" driver.mjs', process.execPath], dir);
  t.equal(r.code, 0, `the driver ran: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, any>;
  t.equal(out.refused.code, 1, '--host 0.0.0.0: exit 1');
  t.match(out.refused.stderr, /^tipline desk: the desk listens on 127\.0\.0\.1 only .*--host "0\.0\.0\.0" refused\n$/);
  t.match(out.url, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/$/);
  const MIB = 1024 * 1024;
  const { VmRSS: rss, VmHWM: peak } = out.memory as { VmRSS: number; VmHWM: number };
  t.ok(peak >= 256 * MIB, `Argon2id MODERATE ran in the desk's process (peak ${(peak / MIB).toFixed(0)} MiB)`);
  t.ok(rss + 200 * MIB < peak, `its 256 MiB were given back when the unlock worker exited (${(rss / MIB).toFixed(0)} MiB once ready)`);
  t.equal(out.inbox.status, 200);
  t.match(out.inbox.csp, /^default-src 'none'; script-src 'self'/);
  t.match(out.inbox.body, /<html lang="ru"/);
  t.match(out.inbox.body, /&lt;script&gt;window.__pwned = 1&lt;\/script&gt;/, 'the hostile preview is escaped');
  t.equal(out.thread.status, 200);
  t.notMatch(out.thread.body, /<script>window|<img src=x/, 'no hostile markup in the thread page');
  t.match(out.thread.body, /&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; ballot stuffing at station 117/);
  t.equal(out.wrongSecret, 404);
  t.equal(out.wrongHost, 421);
  t.equal(out.crossOrigin, 403);
  t.equal(out.sameOrigin, 303);
  t.match(out.after, /проверить/, 'the label is applied');
  t.notMatch(out.after, /planted/, 'the cross-origin label is not');
  t.equal(out.exit, 0, 'Ctrl+C stops the desk cleanly');
  t.match(out.stderr, /import done: imported 1 new record/);
  const outbox = readdirSync(join(dir, 'usb', 'outbox'));
  t.ok(
    outbox.some((f) => f.endsWith('.ack')),
    `a signed acknowledgement queued: ${outbox.join(', ')}`,
  );
  t.ok(
    outbox.some((f) => f.startsWith('event-') && f.endsWith('.bundle')),
    'the label queued as a desk event',
  );
  for (const f of outbox) {
    const bytes = readFileSync(join(dir, 'usb', 'outbox', f));
    for (const plain of ['проверить', 'ballot stuffing']) t.notOk(bytes.includes(Buffer.from(plain, 'utf8')), `${f} does not hold ${plain}`);
  }
});
