// The server killed (SIGKILL) in the middle of an attachment upload in Debian's Chromium, and
// started again on the same data directory and port: the page notices, remembers the unfinished
// uploads, and continues by itself, sending only the chunks the server does not hold; the real
// export and decrypt commands then give the file back byte-identical. Normal Chromium only:
// without a JIT the same page code runs (attachments-send.test.ts sends in both modes).
//
// The upload is throttled (Chromium's own network emulation) and, once a quarter of it is
// acknowledged, held nearly still (CRAWL) while the server is killed, so the kill lands in the
// middle of the file however slow or busy the machine; the throttle is lifted for the rest.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fileChunkCount } from '../../src/crypto/attachment.js';
import { tempDir } from '../helpers/fixtures.js';
import { canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { startServer } from '../helpers/server-process.js';
import { freePort } from '../helpers/e2e.js';
import { CRAWL, checkFiles, editorFiles, exportAndDecrypt, fillIn, launch, openPage, randomFile, serverEnv, waitForProgress } from '../helpers/attachments.js';

const BIG = { name: 'recording.bin', bytes: randomBytes(8 * 1024 * 1024) };
/**
 * Upload throughput while testing (bytes/s): from the progress the test waits for to the hold
 * (CRAWL), the rest of the file would need 20 s or more, for one DevTools command.
 */
const THROTTLE = 256 * 1024;

t.test('attachments in Chromium: resumed after the server is killed and restarted, decrypted', async (t) => {
  const dir = tempDir(t, 'tipline-e2e-files-restart-');
  const editor = await editorFiles(dir);
  const { dataDir, env } = await serverEnv(dir, editor, { TIPLINE_PORT: String(await freePort()) });
  const first = await startServer(t, env);
  const browser = await launch(t, 'normal');
  const { page, requests, problems, throttle } = await openPage(t, browser, 'normal', first.url, THROTTLE);

  const clean = await canvasJpeg(page);
  const photoPath = join(dir, 'evidence.jpg');
  writeFileSync(photoPath, withMetadata(clean));
  await fillIn(page, [photoPath, randomFile(t, BIG.name, BIG.bytes)]);

  await page.click('#submit');
  await waitForProgress(page, 0.25);
  await throttle(CRAWL);
  t.ok(await page.locator('#upload-cancel').isVisible(), 'cancel is offered while sending');
  // The connection drops in the middle of the big file: the server is killed.
  first.child.kill('SIGKILL');
  await first.exited;
  await throttle(-1); // nothing can arrive now: the page may retry at full speed
  await page.locator('#upload-status', { hasText: /connection was lost/ }).waitFor({ timeout: 60_000 });
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tipline-pending-uploads-v1') ?? '[]') as { name: string }[]);
  t.same(stored.map((entry) => entry.name).sort(), ['evidence.jpg', 'recording.bin'], 'while unfinished, sessionStorage remembers the two uploads (for a reload)');
  const second = await startServer(t, env);
  t.equal(second.url, first.url, 'the server is back on the same address');
  await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 300_000 });
  t.match((await page.locator('#receipt').textContent()) ?? '', /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
  t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing left in web storage after the tip was stored');

  const puts = requests.filter((r) => r.startsWith('PUT ') && r.includes('/chunks/'));
  const total = fileChunkCount(clean.length) + fileChunkCount(BIG.bytes.length);
  t.ok(puts.length >= total, `every chunk was sent (${puts.length} PUTs for ${total} chunks)`);
  t.ok(puts.length <= total + 4, 'after the restart only the missing chunks were sent again');
  t.ok(requests.some((r) => /^GET .*\/api\/uploads\/[A-Za-z0-9_-]+$/.test(r)), 'the page asked the server which chunks it holds');
  t.same(problems, [], 'no console errors but the refused connections');
  second.child.kill('SIGKILL');
  await second.exited;

  const { out } = await exportAndDecrypt(t, dir, dataDir, editor);
  checkFiles(t, out, clean, BIG);
});
