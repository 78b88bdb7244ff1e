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
import { canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { tiplineServer } from '../helpers/e2e.js';
import { webStorage } from '../helpers/page-checks.js';
import { CRAWL, checkFiles, exportAndDecrypt, fillIn, launch, openPage, randomFile } from '../helpers/attachments.js';

const BIG = { name: 'recording.bin', bytes: randomBytes(8 * 1024 * 1024) };
/**
 * Upload throughput while testing (bytes/s): from the progress the test waits for to the hold
 * (CRAWL), the rest of the file would need 20 s or more, for one DevTools command.
 */
const THROTTLE = 256 * 1024;

t.test('attachments in Chromium: resumed after the server is killed and restarted, decrypted', async (t) => {
  const server = await tiplineServer(t, { samePort: true });
  const { dir } = server;
  const browser = await launch(t, 'normal');
  const { page, submission, requests, problems, throttle } = await openPage(t, browser, 'normal', server.url, THROTTLE);

  const clean = await canvasJpeg(page);
  const photoPath = join(dir, 'evidence.jpg');
  writeFileSync(photoPath, withMetadata(clean));
  await fillIn(submission, [photoPath, randomFile(t, BIG.name, BIG.bytes)]);

  await page.click('#submit');
  await submission.waitForProgress(0.25);
  await throttle(CRAWL);
  t.ok(await page.locator('#upload-cancel').isVisible(), 'cancel is offered while sending');
  // The connection drops in the middle of the big file: the server is killed.
  await server.kill();
  await throttle(-1); // nothing can arrive now: the page may retry at full speed
  await page.locator('#upload-status', { hasText: /connection was lost/ }).waitFor({ timeout: 60_000 });
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tipline-pending-uploads-v1') ?? '[]') as { name: string }[]);
  t.same(stored.map((entry) => entry.name).sort(), ['evidence.jpg', 'recording.bin'], 'while unfinished, sessionStorage remembers the two uploads (for a reload)');
  const second = await server.restart();
  t.equal(second.url, server.url, 'the server is back on the same address');
  t.match(await submission.readReceipt(300_000), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
  t.equal(await webStorage(page), 0, 'nothing left in web storage after the tip was stored');

  const puts = requests.filter((r) => r.startsWith('PUT ') && r.includes('/chunks/'));
  const total = fileChunkCount(clean.length) + fileChunkCount(BIG.bytes.length);
  t.ok(puts.length >= total, `every chunk was sent (${puts.length} PUTs for ${total} chunks)`);
  t.ok(puts.length <= total + 4, 'after the restart only the missing chunks were sent again');
  t.ok(
    requests.some((r) => /^GET .*\/api\/uploads\/[A-Za-z0-9_-]+$/.test(r)),
    'the page asked the server which chunks it holds',
  );
  t.same(problems, [], 'no console errors but the refused connections');
  await server.kill();

  const { out } = await exportAndDecrypt(t, server);
  checkFiles(t, out, clean, BIG);
});
