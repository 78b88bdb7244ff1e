// For the attachment tests in Debian's Chromium (test/e2e/attachments-*.test.ts): an editor key
// file and recipients list, the real server on a fresh data directory, a page on it (optionally
// with Chromium's upload throttling), filling in the form, and the real export and decrypt
// commands on what the server stored.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { ROOT, clientDir } from './client-build.js';
import { childEnv } from './child-env.js';
import { tempDir } from './fixtures.js';
import { capture, editorKeyFile, findFiles, launchChromium, type Mode } from './e2e.js';
import { SERIAL, XMP_LOCATION } from './jpeg.js';

export const PASSPHRASE = 'correct horse battery staple e2e';
export const MESSAGE = 'Участок №7: вброс бюллетеней, фото и запись прилагаю.';

const run = promisify(execFile);

export type { Mode };
export { findFiles };

/** Chromium, normally or with --js-flags=--jitless (no JIT, no WebAssembly: Tor Browser "Safer"); closed at teardown. */
export const launch: (t: Test, mode: Mode) => Promise<Browser> = launchChromium;

export interface Editor {
  keyFile: string;
  recipientsFile: string;
}

/** One editor: a key file under PASSPHRASE (Argon2id at its minimum cost) and the recipients list. */
export async function editorFiles(dir: string): Promise<Editor> {
  const { keyFile, recipientsFile } = await editorKeyFile(dir, PASSPHRASE);
  return { keyFile, recipientsFile };
}

/** The server's environment for a fresh data directory under `dir` (the tests' low proof-of-work difficulty). */
export async function serverEnv(dir: string, editor: Editor, extra: Record<string, string> = {}): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const env = { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: editor.recipientsFile, TIPLINE_CLIENT_DIR: await clientDir(), TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4', ...extra };
  return { dataDir, env };
}

export interface Session {
  page: Page;
  requests: string[];
  problems: string[];
  /** Sets Chromium's upload throughput (bytes/s; -1: not throttled). */
  throttle: (bytesPerSecond: number) => Promise<void>;
}

/** An upload throughput at which no chunk (1 MiB) finishes within any step's timeout: a send held in place. */
export const CRAWL = 4 * 1024;

/**
 * A new context and page on `origin` in `browser`. With `throttle` (bytes/s), Chromium's own
 * network throttling slows the uploads down; to act in the middle of a send, a test waits for
 * some progress, then sets CRAWL, so the send cannot finish whatever the machine's speed
 * while the test acts, and lifts it (-1) afterwards.
 */
export async function openPage(t: Test, browser: Browser, mode: Mode, origin: string, throttle?: number): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  t.teardown(() => context.close());
  const page = await context.newPage();
  // A stopped server: refused or reset connections are the expected failures.
  const { requests, problems } = capture(context, page, { ignore: /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|CONNECTION_CLOSED|SOCKET_NOT_CONNECTED)/ });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const setThrottle = async (bytesPerSecond: number) => {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  };
  if (throttle) await setThrottle(throttle);
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
  return { page, requests, problems, throttle: setThrottle };
}

/** Types the tip, confirms the passphrase and chooses the files; returns the file list's text. */
export async function fillIn(page: Page, files: string[]): Promise<string[]> {
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
export async function waitForProgress(page: Page, fraction: number): Promise<void> {
  await page.waitForFunction((f) => {
    const bar = document.getElementById('upload-progress') as HTMLProgressElement | null;
    return !!bar && bar.max > 1 && bar.value / bar.max >= f;
  }, fraction, { timeout: 120_000, polling: 50 });
}

/** The real export and decrypt commands on the server's database: the one tip and its folder. */
export async function exportAndDecrypt(t: Test, dir: string, dataDir: string, editor: Editor): Promise<{ tipDir: string; out: string; tip: Record<string, unknown> }> {
  const bundle = join(dir, 'tips.bundle');
  const out = join(dir, 'decrypted');
  await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--db', join(dataDir, 'tipline.sqlite'), '--out', bundle], { cwd: ROOT, env: childEnv() });
  const decrypted = await run(process.execPath, ['--import', 'tsx', 'scripts/decrypt.ts', '--key', editor.keyFile, '--in', bundle, '--out', out], {
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

/** The decrypted photo is exactly what Chromium encoded (the inserted metadata gone) and `other` is byte-identical. */
export function checkFiles(t: Test, out: string, clean: Buffer, other: { name: string; bytes: Buffer }): void {
  const photos = findFiles(out, 'evidence.jpg');
  const others = findFiles(out, other.name);
  t.equal(photos.length, 1, 'the photo was decrypted');
  t.equal(others.length, 1, `${other.name} was decrypted`);
  const decrypted = readFileSync(others[0]!);
  t.equal(decrypted.length, other.bytes.length, `${other.name} has its size`);
  t.ok(decrypted.equals(other.bytes), `${other.name} is byte-identical`);
  const photo = readFileSync(photos[0]!);
  t.ok(photo.equals(clean), 'the photo is byte-identical to what Chromium encoded: only the inserted metadata is gone');
  const text = photo.toString('latin1');
  for (const secret of ['Exif', SERIAL, XMP_LOCATION, 'xmpmeta']) t.notOk(text.includes(secret), `no "${secret}" in the decrypted photo`);
}

/** A file of `bytes` random bytes named `name` in a temporary directory of `t`. */
export function randomFile(t: Test, name: string, bytes: Buffer): string {
  const path = join(tempDir(t, 'tipline-e2e-file-'), name);
  writeFileSync(path, bytes);
  return path;
}
