// End to end over Tor: the real Tipline server behind two v3 onion services (one with
// `HiddenServicePoWDefensesEnabled 1`) on a private Tor network (network.ts: 3 authorities,
// 3 relays, the onion-service tor, a client tor), and Debian's Chromium reaching them only
// through the client tor's SocksPort. A tip typed into the real page is encrypted by the real
// bundle, travels introduction + rendezvous circuits to the server, and is then fetched by the
// editor tool over the same SOCKS port and decrypted with the real commands, then compared
// with what was typed, receipt included. On the first service (no PoW defence; the second
// would only add time) the conversation follows: the desk acknowledges the tip
// (`editor ack --socks`), seals a reply with the real `reply` command and uploads it with
// `editor upload --socks`; the same Chromium opens
// <onion>/mailbox, logs in with the 12-word passphrase the page showed before the tip, sees the
// reply decrypted, sends a follow-up; `editor fetch --socks` + `decrypt` file it in the same
// thread (same mailbox in tip.json). On the second service the tip carries two attachments (a
// photo with location metadata, stripped in the page, and a 3 MiB file in several chunks), which
// the editor fetches over Tor and decrypts byte for byte. Every browser request, mailbox
// included, goes to the onion.
//
// Isolation: everything that touches the network — every tor, both servers, Chromium, the
// probe and the commands — runs in one network namespace this test creates (netns.ts), whose
// only interface is `lo`. Nothing can reach the public Tor network, and nothing outside can
// reach these tors. The test FAILS (never skips) if tor, tor-gencert, unshare, nsenter or ip
// is missing, or if a tor runs in the host's own network namespace (a system tor would be
// talking to the public network: the CI must not have one).
//
// What this shows: Tipline works as a v3 onion service, with and without tor's PoW defence
// enabled, with Chromium resolving nothing itself (all names go to tor); the page, its
// sub-resources, the POSTs and the mailbox session all go to the onion origin, and the
// mailbox login (challenge, signature, session cookie) works over it. What it cannot show: real Tor
// latency, bandwidth or circuit failures (all hops are loopback), guard discovery or other
// attacks that need a real network, the public network's consensus parameters, PoW under an
// actual introduction flood (the suggested effort stays 0 here), or Tor Browser's own
// behaviour (its security levels are approximated by the jitless run in test/e2e).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import sodium from 'libsodium-wrappers-sumo';
import { buildClient } from '../../scripts/build-client.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';
import { SERIAL, XMP_LOCATION, canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { findFiles } from '../helpers/e2e.js';
import { createNetNs, type NetNs } from './netns.js';
import { checkTorInstalled, startTorNetwork, type TorNetwork } from './network.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const PASSPHRASE = 'correct horse battery staple tor';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const run = promisify(execFile);
const testStarted = Date.now();

/** Every decrypted record (tip.json and its message.txt) below `dir`. */
function records(dir: string): { mailbox?: string; message: string }[] {
  return findFiles(dir, 'tip.json').map((path) => ({
    mailbox: (JSON.parse(readFileSync(path, 'utf8')) as { mailbox?: string }).mailbox,
    message: readFileSync(join(path, '..', 'message.txt'), 'utf8'),
  }));
}

/** Pids of `tor` processes in this process's own (the host's) network namespace. */
function torsInHostNamespace(): number[] {
  const own = readlinkSync('/proc/self/ns/net');
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'tor' && readlinkSync(`/proc/${entry}/ns/net`) === own) found.push(Number(entry));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return found;
}

const work = mkdtempSync(join(tmpdir(), 'tipline-tor-'));
// Interrupted (SIGINT): network.ts stops the tors, netns.ts the rest; the files go here.
const removeWork = () => rmSync(work, { recursive: true, force: true });
process.once('exit', removeWork);
let ns!: NetNs;
let network!: TorNetwork;
// One teardown, in this order: keep the tor logs of a failed run (test-artifacts/tor-logs),
// stop the tors (by their pid files), end the namespace holder, remove the files.
// (startServer registers its own teardown for each server.)
t.teardown(async () => {
  if (network && !t.passing()) {
    mkdirSync(join(ARTIFACTS, 'tor-logs'), { recursive: true });
    writeFileSync(join(ARTIFACTS, 'tor-logs', 'tails.txt'), network.logTails(80));
  }
  await network?.stop();
  await ns?.close();
  process.off('exit', removeWork);
  removeWork();
});
let keyFile: string;
let fetchKeyFile: string;
let editorFingerprint: string;
const services: { name: string; pow: boolean; server: ServerProcess; dataDir: string; onion?: string }[] = [];

// The whole file: 49 s on an idle machine, ~30 s of it until the private network's onions
// answer; on a loaded one the network alone may use its own limit (150 s, network.ts) before the
// first page loads. Ten minutes lets that limit and each step's own speak first (tap's 300 s
// would kill the file, and its result, silently in the middle).
t.setTimeout(10 * 60_000);

t.before(async () => {
  // Fail, never skip, without the parts this test is about.
  t.comment(await checkTorInstalled());
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
  const hostTors = torsInHostNamespace();
  if (hostTors.length) throw new Error(`a tor runs in the host network namespace (pids ${hostTors.join(', ')}): stop it; it may be talking to the public Tor network`);

  const clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  await sodium.ready;
  const pair = await generateEditorKeyPair();
  editorFingerprint = await fingerprint(pair);
  const file = await encryptKeyFile(pair, PASSPHRASE, { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN });
  keyFile = join(work, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  const recipientsFile = join(work, 'recipients.txt');
  writeFileSync(recipientsFile, `# tor e2e editor\n${encodePublicKey(pair)}\n`);
  // The editor's online workstation: a fetch key (it decrypts nothing), listed on the server.
  fetchKeyFile = join(work, 'fetch.key');
  const fetchKeygen = await run(process.execPath, ['--import', 'tsx', 'scripts/keygen.ts', '--fetch-key', '--out', fetchKeyFile], { cwd: ROOT, env: childEnv() });
  const editorsFile = join(work, 'editors.txt');
  writeFileSync(editorsFile, fetchKeygen.stdout);

  ns = await createNetNs();
  const inNs = ns.prefix;

  // Two servers in the namespace, each with its own database; TIPLINE_PORT 0 picks a free port there.
  for (const [name, pow] of [
    ['plain', false],
    ['pow', true],
  ] as const) {
    const dataDir = join(work, `data-${name}`);
    mkdirSync(dataDir);
    const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, TIPLINE_EDITORS: editorsFile, TIPLINE_CLIENT_DIR: clientDir }, inNs);
    services.push({ name, pow, server, dataDir });
  }

  const torDir = join(work, 'tor');
  mkdirSync(torDir);
  network = await startTorNetwork({
    ns,
    dir: torDir,
    services: services.map((s) => ({ port: Number(new URL(s.server.url).port), powDefenses: s.pow })),
    log: (line) => t.comment(line),
  });
  services.forEach((s, i) => {
    s.onion = network.onions[i];
  });
  const { consensusReady, cachesReady, onionsAnswer } = network.timings;
  t.comment(`timings: consensus ${(consensusReady / 1000).toFixed(1)} s, caches ${(cachesReady / 1000).toFixed(1)} s, onions answer ${(onionsAnswer / 1000).toFixed(1)} s`);
  mkdirSync(ARTIFACTS, { recursive: true });
});

t.test('the private network runs only inside its own namespace', async (t) => {
  const pids = network.pids();
  t.equal(pids.length, 8, 'eight tors run (3 authorities, 3 relays, the onion service, the client)');
  const hostNs = readlinkSync('/proc/self/ns/net');
  const nsNet = readlinkSync(`/proc/${ns.pid}/ns/net`);
  t.not(nsNet, hostNs, 'the namespace is not the host network namespace');
  for (const pid of pids) t.equal(readlinkSync(`/proc/${pid}/ns/net`), nsNet, `tor ${pid} is in the test namespace`);
  t.same(torsInHostNamespace(), [], 'no tor in the host network namespace');
  for (const s of services) {
    t.match(s.onion, /^[a-z2-7]{56}\.onion$/, `${s.name}: a v3 onion address`);
    t.equal(readlinkSync(`/proc/${s.server.child.pid}/ns/net`), nsNet, `${s.name}: the server is in the test namespace`);
  }
  t.not(services[0]!.onion, services[1]!.onion, 'two different onions');
});

const REPLY = 'Over Tor, from the desk: who rewrote it? Do you have a copy?';
const FOLLOW_UP = 'Over Tor, again: the chair did, I have a photo 📷 — «протокол».';
const MESSAGE = 'Over Tor: протокол участковой комиссии №7 переписан 🗳️ — café "quotes" </script>';

for (const index of [0, 1]) {
  t.test(`a tip sent from Chromium over Tor decrypts to the same text (${index ? 'HiddenServicePoWDefensesEnabled 1' : 'no PoW defence'})`, async (t) => {
    const service = services[index]!;
    const origin = `http://${service.onion}`;
    const dir = tempDir(t, `tipline-tor-${service.name}-`);

    // Chromium in the namespace: nsenter execs it, so playwright's pipes and pid stay valid.
    const wrapper = join(dir, 'chromium-in-namespace');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${ns.prefix.join(' ')} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser: Browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      // All names go to tor (socks5 sends the host name), and Chromium resolves nothing itself.
      // Tor Browser treats http://….onion as a secure context (the onion address authenticates
      // the service and tor encrypts end to end); plain Chromium does not, ignores the
      // Cross-Origin-Opener-Policy header there and says so on the console. The last flag makes
      // Chromium treat this onion as Tor Browser does.
      args: [
        ...BASE_ARGS,
        `--proxy-server=socks5://127.0.0.1:${network.socksPort}`,
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
        `--unsafely-treat-insecure-origin-as-secure=${origin}`,
      ],
      timeout: 60_000,
    });
    t.teardown(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const requests: string[] = [];
    const problems: string[] = [];
    context.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 120_000 });
    t.ok(await page.evaluate(() => window.isSecureContext), 'the onion is a secure context, as in Tor Browser');
    t.equal(await page.title(), 'Send a tip securely');
    t.equal((await page.locator('.fingerprints code').allTextContents()).join('|'), editorFingerprint, 'the editor fingerprint is shown');
    await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
    const words = await page.locator('#passphrase-words li').allTextContents();
    t.equal(words.length, 12, 'the page shows the 12-word return passphrase');
    await page.fill('#message', MESSAGE);
    await page.check('#passphrase-confirm');
    // On the second service (tor's PoW defence on), the tip carries attachments (over
    // Tor): a photo whose Exif/XMP carry a location and a camera serial, and a 3 MiB file, so
    // the upload spans several 1 MiB chunks, each its own request over the onion.
    let clean: Buffer | undefined;
    let recording: Buffer | undefined;
    if (index === 1) {
      clean = await canvasJpeg(page);
      recording = randomBytes(3 * 1024 * 1024 + 12_345);
      writeFileSync(join(dir, 'evidence.jpg'), withMetadata(clean));
      writeFileSync(join(dir, 'recording.bin'), recording);
      await page.setInputFiles('#files', [join(dir, 'evidence.jpg'), join(dir, 'recording.bin')]);
      await page.waitForFunction(
        () => {
          const items = Array.from(document.querySelectorAll('#file-list li'), (li) => li.textContent ?? '');
          return items.length >= 2 && items.every((text) => text.includes(':'));
        },
        undefined,
        { timeout: 60_000 },
      );
    }
    await page.click('#submit');
    await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 120_000 });
    const receipt = (await page.locator('#receipt').textContent()) ?? '';
    t.match(receipt, /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/, 'a receipt is shown');
    await page.screenshot({ path: join(ARTIFACTS, `confirmation-onion-${service.name}.png`), fullPage: true });
    t.same(problems, [], 'no console errors, failed loads or HTTP errors');
    t.ok(requests.includes(`POST ${origin}/api/tips`), 'the tip was posted to the onion');

    // The editor fetches the new ciphertext over the same SOCKS port, from inside the
    // namespace (the onion name is resolved by tor, never by DNS), then decrypts it with the
    // real commands.
    const bundle = join(dir, 'tips.bundle');
    const out = join(dir, 'decrypted');
    const node = [...ns.prefix, process.execPath, '--import', 'tsx'];
    const fetched = await run(node[0]!, [...node.slice(1), 'scripts/editor.ts', 'fetch', '--server', origin, '--key', fetchKeyFile, '--socks', `127.0.0.1:${network.socksPort}`, '--out', bundle], {
      cwd: ROOT,
      env: childEnv(),
    });
    t.match(fetched.stdout, /fetched 1 new record/, 'the editor fetched the tip over Tor');
    const decrypted = await run(node[0]!, [...node.slice(1), 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', out], {
      cwd: ROOT,
      env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }),
    });
    t.notMatch(decrypted.stdout + decrypted.stderr, /протокол/, 'decrypt does not print the tip');
    const tips = findFiles(out, 'tip.json');
    t.equal(tips.length, 1, 'exactly one tip');
    const tipDir = tips[0]!.slice(0, -'/tip.json'.length);
    t.equal(readFileSync(join(tipDir, 'message.txt'), 'utf8'), MESSAGE, 'message.txt is exactly what was typed');
    t.equal((JSON.parse(readFileSync(tips[0]!, 'utf8')) as { receipt?: string }).receipt, receipt, 'tip.json carries the receipt the page showed');
    if (clean && recording) {
      t.ok(
        requests.some((r) => r.startsWith(`PUT ${origin}/api/uploads/`)),
        'the chunks went to the onion',
      );
      const photos = findFiles(out, 'evidence.jpg');
      const recordings = findFiles(out, 'recording.bin');
      t.equal(photos.length, 1, 'the photo came over Tor and decrypted');
      t.equal(recordings.length, 1, 'the 3 MiB file came over Tor and decrypted');
      t.ok(readFileSync(recordings[0]!).equals(recording), 'the 3 MiB file is byte-identical');
      const photo = readFileSync(photos[0]!);
      t.ok(photo.equals(clean), 'the photo is what Chromium encoded: only the inserted metadata is gone');
      for (const secret of ['Exif', SERIAL, XMP_LOCATION]) t.notOk(photo.toString('latin1').includes(secret), `no "${secret}" in the decrypted photo`);
    }

    if (index === 0) {
      // The conversation, on the service without PoW only (to keep time down): the desk
      // answers, the same Chromium logs in to the mailbox over Tor, reads the reply and sends a
      // follow-up, which the desk fetches over Tor and files in the same thread.
      const conversationStarted = Date.now();
      const mailbox = (JSON.parse(readFileSync(tips[0]!, 'utf8')) as { mailbox?: string }).mailbox ?? '';
      t.match(mailbox, /^[0-9a-f]{32}$/, 'the tip carries the mailbox to answer');
      // The tip is decrypted: acknowledge it over Tor, so the next fetch brings only what is new.
      const acked = await run(
        node[0]!,
        [...node.slice(1), 'scripts/editor.ts', 'ack', '--server', origin, '--key', fetchKeyFile, '--socks', `127.0.0.1:${network.socksPort}`, '--in', `${bundle}.ack`],
        { cwd: ROOT, env: childEnv() },
      );
      t.match(acked.stdout, /acknowledged 1 of 1 record/, 'the editor acknowledged the tip over Tor');
      const replyText = join(dir, 'reply.txt');
      writeFileSync(replyText, REPLY);
      const replyBundle = join(dir, 'reply.bundle');
      const sealed = await run(node[0]!, [...node.slice(1), 'scripts/reply.ts', '--key', keyFile, '--decrypted', out, '--mailbox', mailbox, '--in', replyText, '--out', replyBundle], {
        cwd: ROOT,
        env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }),
      });
      t.match(sealed.stdout, /wrote reply .* for mailbox /, 'reply sealed the answer (no network needed)');
      const uploaded = await run(
        node[0]!,
        [...node.slice(1), 'scripts/editor.ts', 'upload', '--server', origin, '--key', fetchKeyFile, '--socks', `127.0.0.1:${network.socksPort}`, '--in', replyBundle],
        { cwd: ROOT, env: childEnv() },
      );
      t.match(uploaded.stdout, /uploaded 1 reply/, 'the editor uploaded the reply over Tor');

      await page.goto(`${origin}/mailbox`, { waitUntil: 'load', timeout: 120_000 });
      t.equal(await page.title(), 'Your mailbox');
      await page.locator('#mailbox-login-button:enabled').waitFor({ timeout: 120_000 });
      await page.fill('#mailbox-passphrase', words.join(' '));
      await page.click('#mailbox-login-button');
      await page.locator('#mailbox-inbox:not([hidden])').waitFor({ timeout: 120_000 });
      t.same(await page.locator('.reply-message').allTextContents(), [REPLY], 'the reply is shown over Tor, decrypted in the browser');
      await page.fill('#mailbox-follow-up-message', FOLLOW_UP);
      await page.click('#mailbox-follow-up-send');
      await page.locator('#status', { hasText: 'Your message was received' }).waitFor({ timeout: 120_000 });
      t.ok(requests.includes(`POST ${origin}/api/mailbox/follow-ups`), 'the follow-up was posted to the onion');
      t.same(problems, [], 'no console errors, failed loads or HTTP errors in the mailbox');

      const bundle2 = join(dir, 'follow-up.bundle');
      const fetched2 = await run(node[0]!, [...node.slice(1), 'scripts/editor.ts', 'fetch', '--server', origin, '--key', fetchKeyFile, '--socks', `127.0.0.1:${network.socksPort}`, '--out', bundle2], {
        cwd: ROOT,
        env: childEnv(),
      });
      t.match(fetched2.stdout, /fetched 1 new record/, 'the editor fetched the follow-up over Tor');
      await run(node[0]!, [...node.slice(1), 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle2, '--out', out], { cwd: ROOT, env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }) });
      const thread = records(out).filter((r) => r.mailbox === mailbox);
      t.ok(
        thread.some((r) => r.message === MESSAGE),
        'the tip is in the thread',
      );
      t.ok(
        thread.some((r) => r.message === FOLLOW_UP),
        'the follow-up is in the same thread (same mailbox in tip.json)',
      );
      // A measurement for docs/PERFORMANCE.md, not an assertion.
      t.comment(`conversation over Tor (ack, reply, upload, mailbox login, follow-up, fetch, decrypt): ${((Date.now() - conversationStarted) / 1000).toFixed(1)} s`);
    }

    await browser.close();
    for (const request of requests) t.ok(request.split(' ')[1]!.startsWith(`${origin}/`), `onion origin only: ${request}`);
  });
}

t.test('stopping the network ends every tor it started', async (t) => {
  const pids = network.pids();
  t.equal(pids.length, 8);
  await network.stop();
  for (const pid of pids) t.notOk(existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tor', `tor ${pid} is gone`);
  t.same(network.pids(), [], 'no pid file names a running tor');
  t.comment(`whole test so far: ${((Date.now() - testStarted) / 1000).toFixed(1)} s`);
});
