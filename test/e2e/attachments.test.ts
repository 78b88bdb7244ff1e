// Attachments end to end in Debian's Chromium, normally and with --js-flags=--jitless (no JIT,
// no WebAssembly: Tor Browser "Safer"). A real JPEG (made by Chromium's own encoder) with an
// Exif block carrying a GPS IFD and a camera serial, and XMP with a location, and a 50 MiB file
// are attached in the real page, stripped and encrypted in the upload worker and sent chunk by
// chunk to the real server (a child process); the server is killed in the middle of the upload
// and started again on the same data directory and port, and the page continues by itself.
// Then the real export and decrypt commands: the big file comes out byte-identical, the photo
// exactly as Chromium encoded it (the inserted metadata, and only it, removed), no GPS left.
// In the normal run, the page is also reloaded in the middle of a send: it offers to continue,
// and choosing the same files sends only the chunks the server does not hold yet.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { chromium, type Browser, type Page } from 'playwright-core';
import sodium from 'libsodium-wrappers-sumo';
import { buildClient } from '../../scripts/build-client.js';
import { fileChunkCount } from '../../src/crypto/attachment.js';
import { encodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { encryptKeyFile } from '../../src/offline/keyfile.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';
import { SERIAL, XMP_LOCATION, canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSPHRASE = 'correct horse battery staple e2e';
const MESSAGE = 'Участок №7: вброс бюллетеней, фото и запись прилагаю.';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const BIG_BYTES = 50 * 1024 * 1024;
/** Upload throughput while testing (bytes/s): slow enough to stop the server in the middle of the 50 MiB file. */
const THROTTLE = 6 * 1024 * 1024;

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

const work = tempDir(t, 'tipline-e2e-files-');
let keyFile: string;
let recipientsFile: string;
let clientDir: string;
const big = randomBytes(BIG_BYTES);
let bigPath: string;

t.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  await sodium.ready;
  const pair = await generateEditorKeyPair();
  const file = await encryptKeyFile(pair, PASSPHRASE, { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN });
  keyFile = join(work, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  recipientsFile = join(work, 'recipients.txt');
  writeFileSync(recipientsFile, `${encodePublicKey(pair)}\n`);
  bigPath = join(work, 'recording.bin');
  writeFileSync(bigPath, big);
});

interface Session {
  browser: Browser;
  page: Page;
  requests: string[];
  problems: string[];
}

async function openPage(t: Test, mode: 'normal' | 'jitless', origin: string): Promise<Session> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: mode === 'jitless' ? [...BASE_ARGS, '--js-flags=--jitless'] : BASE_ARGS, timeout: 60_000 });
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
  const page = await context.newPage();
  page.on('console', (message) => {
    // A stopped server: refused or reset connections are the expected failures.
    if (/net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|CONNECTION_CLOSED|SOCKET_NOT_CONNECTED)/.test(message.text())) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Slow the uploads down (Chromium's own network throttling), so the test can stop the server in the middle.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: THROTTLE });
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
  return { browser, page, requests, problems };
}

/** Types the tip, confirms the passphrase and chooses the files; returns the file list's text. */
async function fillIn(page: Page, files: string[]): Promise<string[]> {
  await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
  await page.fill('#message', MESSAGE);
  await page.check('#passphrase-confirm');
  await page.setInputFiles('#files', files);
  // One line per file once the worker has looked at it (the first is the file's bare name).
  await page.waitForFunction((n) => {
    const items = Array.from(document.querySelectorAll('#file-list li'), (li) => li.textContent ?? '');
    return items.length >= n && items.every((text) => text.includes(':'));
  }, files.length, { timeout: 60_000 });
  return page.locator('#file-list li').allTextContents();
}

/** Resolves once the progress bar shows at least `fraction` of the bytes acknowledged. */
async function waitForProgress(page: Page, fraction: number): Promise<void> {
  await page.waitForFunction((f) => {
    const bar = document.getElementById('upload-progress') as HTMLProgressElement | null;
    return !!bar && bar.max > 1 && bar.value / bar.max >= f;
  }, fraction, { timeout: 120_000, polling: 50 });
}

async function exportAndDecrypt(t: Test, dir: string, dataDir: string): Promise<{ tipDir: string; out: string; tip: Record<string, unknown> }> {
  const bundle = join(dir, 'tips.bundle');
  const out = join(dir, 'decrypted');
  await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--db', join(dataDir, 'tipline.sqlite'), '--out', bundle], { cwd: ROOT, env: childEnv() });
  const decrypted = await run(process.execPath, ['--import', 'tsx', 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', out], {
    cwd: ROOT,
    env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }),
    maxBuffer: 1 << 24,
  });
  t.notMatch(decrypted.stdout + decrypted.stderr, /Участок/, 'decrypt does not print the tip');
  const tips = findFiles(out, 'tip.json');
  t.equal(tips.length, 1, 'exactly one tip');
  const tipDir = tips[0]!.slice(0, -'/tip.json'.length);
  t.equal(readFileSync(join(tipDir, 'message.txt'), 'utf8'), MESSAGE, 'the message decrypts');
  return { tipDir, out, tip: JSON.parse(readFileSync(tips[0]!, 'utf8')) as Record<string, unknown> };
}

function checkFiles(t: Test, out: string, clean: Buffer): void {
  const photos = findFiles(out, 'evidence.jpg');
  const recordings = findFiles(out, 'recording.bin');
  t.equal(photos.length, 1, 'the photo was decrypted');
  t.equal(recordings.length, 1, 'the 50 MiB file was decrypted');
  const recording = readFileSync(recordings[0]!);
  t.equal(recording.length, BIG_BYTES, 'the 50 MiB file has its size');
  t.ok(recording.equals(big), 'the 50 MiB file is byte-identical');
  const photo = readFileSync(photos[0]!);
  t.ok(photo.equals(clean), 'the photo is byte-identical to what Chromium encoded: only the inserted metadata is gone');
  const text = photo.toString('latin1');
  for (const secret of ['Exif', SERIAL, XMP_LOCATION, 'xmpmeta']) t.notOk(text.includes(secret), `no "${secret}" in the decrypted photo`);
}

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`attachments in Chromium (${mode}): stripped, encrypted, resumed after the server restarts, decrypted`, async (t) => {
    const dir = tempDir(t, `tipline-e2e-files-${mode}-`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const port = await freePort();
    const env = { TIPLINE_PORT: String(port), TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, TIPLINE_CLIENT_DIR: clientDir, TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4' };
    const first = await startServer(t, env);
    const { page, requests, problems } = await openPage(t, mode, first.url);

    const clean = await canvasJpeg(page);
    t.equal(clean.subarray(0, 2).toString('hex'), 'ffd8', 'Chromium made a JPEG');
    const photoPath = join(dir, 'evidence.jpg');
    writeFileSync(photoPath, withMetadata(clean));

    t.ok(await page.locator('#attachments').isVisible(), 'the attachments part shows with JavaScript');
    const notices = await fillIn(page, [photoPath, bigPath]);
    t.match(notices[0], /^evidence\.jpg: removed EXIF \(incl\. GPS, serial number\), XMP\.$/, 'the source is told what was removed');
    t.match(notices[1], /^recording\.bin: this page cannot clean this kind of file/, 'other types get the warning');

    await page.click('#submit');
    await waitForProgress(page, 0.25);
    t.ok(await page.locator('#upload-cancel').isVisible(), 'cancel is offered while sending');
    // The connection drops in the middle of the 50 MiB file: the server is killed.
    first.child.kill('SIGKILL');
    await first.exited;
    await page.locator('#upload-status', { hasText: /connection was lost/ }).waitFor({ timeout: 60_000 });
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tipline-pending-uploads-v1') ?? '[]') as { name: string }[]);
    t.same(stored.map((entry) => entry.name).sort(), ['evidence.jpg', 'recording.bin'], 'while unfinished, sessionStorage remembers the two uploads (for a reload)');
    const second = await startServer(t, env);
    t.equal(second.url, first.url, 'the server is back on the same address');
    await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 300_000 });
    t.match((await page.locator('#receipt').textContent()) ?? '', /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
    t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing left in web storage after the tip was stored');

    const puts = requests.filter((r) => r.startsWith('PUT ') && r.includes('/chunks/'));
    const total = fileChunkCount(clean.length) + fileChunkCount(BIG_BYTES);
    t.ok(puts.length >= total, `every chunk was sent (${puts.length} PUTs for ${total} chunks)`);
    t.ok(puts.length <= total + 4, 'after the restart only the missing chunks were sent again');
    t.ok(requests.some((r) => /^GET .*\/api\/uploads\/[A-Za-z0-9_-]+$/.test(r)), 'the page asked the server which chunks it holds');
    t.same(problems, [], 'no console errors but the refused connections');
    second.child.kill('SIGKILL');
    await second.exited;

    const { out, tip } = await exportAndDecrypt(t, dir, dataDir);
    checkFiles(t, out, clean);
    t.match(JSON.stringify(tip), /EXIF \(incl\. GPS, serial number\)/, 'tip.json tells the editors what was stripped');
  });
}

t.test('a reload in the middle of a send: the page offers to continue, and continues with the same files', async (t) => {
  const dir = tempDir(t, 'tipline-e2e-files-reload-');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const env = { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, TIPLINE_CLIENT_DIR: clientDir, TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4' };
  const server: ServerProcess = await startServer(t, env);
  const { page, requests, problems } = await openPage(t, 'normal', server.url);
  const clean = await canvasJpeg(page);
  const photoPath = join(dir, 'evidence.jpg');
  writeFileSync(photoPath, withMetadata(clean));

  await fillIn(page, [photoPath, bigPath]);
  await page.click('#submit');
  await waitForProgress(page, 0.4);
  await page.reload({ waitUntil: 'load' });
  const sentBefore = requests.filter((r) => r.startsWith('PUT ')).length;

  await page.locator('#resume:not([hidden])').waitFor({ timeout: 30_000 });
  t.match(await page.locator('#resume-text').textContent(), /evidence\.jpg, recording\.bin/, 'the interrupted files are named');
  const notices = await fillIn(page, [photoPath, bigPath]);
  t.match(notices.join('\n'), /recording\.bin: will continue where the last attempt stopped/, 'the same file is recognised');
  await page.click('#submit');
  await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 300_000 });
  const sentAfter = requests.filter((r) => r.startsWith('PUT ')).length - sentBefore;
  const total = fileChunkCount(clean.length) + fileChunkCount(BIG_BYTES);
  t.ok(sentAfter < total * 0.75, `after the reload only the missing chunks were sent (${sentAfter} PUTs of ${total} chunks)`);
  t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'web storage is empty once the tip is stored');
  t.same(problems, [], 'no console errors');
  server.child.kill('SIGKILL');
  await server.exited;

  const { out } = await exportAndDecrypt(t, dir, dataDir);
  checkFiles(t, out, clean);
});

t.test('discarding after a reload forgets the partly sent files', async (t) => {
  const dir = tempDir(t, 'tipline-e2e-files-discard-');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const env = { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, TIPLINE_CLIENT_DIR: clientDir, TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4' };
  const server = await startServer(t, env);
  const { page } = await openPage(t, 'normal', server.url);
  await fillIn(page, [bigPath]);
  await page.click('#submit');
  await waitForProgress(page, 0.2);
  await page.reload({ waitUntil: 'load' });
  await page.locator('#resume:not([hidden])').waitFor({ timeout: 30_000 });
  await page.click('#resume-discard');
  t.match(await page.locator('#resume-text').textContent(), /Discarded/);
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing remembered any more');

  // Cancel: the send stops, the text stays, nothing is remembered.
  await fillIn(page, [bigPath]);
  await page.click('#submit');
  await waitForProgress(page, 0.1);
  await page.click('#upload-cancel');
  await page.locator('#error:not([hidden])').waitFor({ timeout: 30_000 });
  t.match(await page.locator('#error').textContent(), /cancelled/, 'cancelling is stated');
  t.equal(await page.inputValue('#message'), MESSAGE, 'the text is kept');
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing remembered after cancel');
  t.ok(await page.locator('#submit').isEnabled(), 'the button works again');
});
