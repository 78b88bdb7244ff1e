// For the attachment tests in Debian's Chromium (test/e2e/attachments-*.test.ts): a page on the
// real server (optionally with Chromium's upload throttling), filling in the form with files,
// and the real export and decrypt commands on what the server stored.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from './fixtures.js';
import { findFiles, launchChromium, openSession, type Mode, type TiplineServer } from './e2e.js';
import { checkMode } from './page-checks.js';
import { exportAndDecrypt as exportAndDecryptAll } from './editor-commands.js';
import { SERIAL, XMP_LOCATION } from './jpeg.js';
import { SubmissionPage } from './navigators/submission.js';

export const MESSAGE = 'Участок №7: вброс бюллетеней, фото и запись прилагаю.';

export type { Mode };
export { findFiles };

/** Chromium, normally or with --js-flags=--jitless (no JIT, no WebAssembly: Tor Browser "Safer"); closed at teardown. */
export const launch: (t: Test, mode: Mode) => Promise<Browser> = launchChromium;

export interface Session {
  page: Page;
  submission: SubmissionPage;
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
  // A stopped server: refused or reset connections are the expected failures.
  const { context, page, requests, problems } = await openSession(t, browser, { ignore: /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|CONNECTION_CLOSED|SOCKET_NOT_CONNECTED)/ });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const setThrottle = async (bytesPerSecond: number) => {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  };
  if (throttle) await setThrottle(throttle);
  const submission = await new SubmissionPage(page, origin).visit();
  await checkMode(t, page, mode);
  return { page, submission, requests, problems, throttle: setThrottle };
}

/** Types the tip, confirms the passphrase and chooses the files; returns the file list's text. */
export async function fillIn(submission: SubmissionPage, files: string[]): Promise<string[]> {
  await submission.ready();
  await submission.fillMessage(MESSAGE);
  await submission.confirmPassphrase();
  // One line per file once the worker has looked at it (the first is the file's bare name).
  return submission.attach(files);
}

/** The real export and decrypt commands on the server's database: the one tip and its folder. */
export async function exportAndDecrypt(t: Test, server: TiplineServer): Promise<{ tipDir: string; out: string; tip: Record<string, unknown> }> {
  const { out, decrypt, records } = await exportAndDecryptAll(t, server);
  t.notMatch(decrypt.stdout + decrypt.stderr, /Участок/, 'decrypt does not print the tip');
  t.equal(records.length, 1, 'exactly one tip');
  t.equal(records[0]?.message, MESSAGE, 'the message decrypts');
  return { tipDir: records[0]!.dir, out, tip: records[0]!.json as unknown as Record<string, unknown> };
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
