// A reload in the middle of an attachment upload in Debian's Chromium: the page offers to
// continue, and choosing the same files sends only the chunks the server does not hold yet
// (the real export and decrypt commands then give the files back intact); discarding forgets
// the partly sent files; cancelling stops the send and keeps the text. One browser, a new
// context for each case.
//
// The upload is throttled (Chromium's own network emulation) and, once part of it is
// acknowledged, held nearly still (CRAWL) while the page reloads or cancels, so that happens in
// the middle of the send however slow or busy the machine; the throttle is lifted afterwards.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Browser } from 'playwright-core';
import { fileChunkCount } from '../../src/crypto/attachment.js';
import { canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { tiplineServer } from '../helpers/e2e.js';
import { webStorage } from '../helpers/page-checks.js';
import { CRAWL, MESSAGE, checkFiles, exportAndDecrypt, fillIn, launch, openPage, randomFile } from '../helpers/attachments.js';

const BIG = { name: 'recording.bin', bytes: randomBytes(8 * 1024 * 1024) };
/**
 * Upload throughput while testing (bytes/s): from the progress the test waits for to the hold
 * (CRAWL), the rest of the file would need 20 s or more, for one DevTools command.
 */
const THROTTLE = 256 * 1024;

let browser: Browser;
let bigPath: string;
t.before(async () => {
  browser = await launch(t, 'normal');
  bigPath = randomFile(t, BIG.name, BIG.bytes);
});

t.test('a reload in the middle of a send: the page offers to continue, and continues with the same files', async (t) => {
  const server = await tiplineServer(t);
  const { dir } = server;
  const { page, submission, requests, problems, throttle } = await openPage(t, browser, 'normal', server.url, THROTTLE);
  const clean = await canvasJpeg(page);
  const photoPath = join(dir, 'evidence.jpg');
  writeFileSync(photoPath, withMetadata(clean));

  await fillIn(submission, [photoPath, bigPath]);
  await page.click('#submit');
  await submission.waitForProgress(0.4);
  await throttle(CRAWL);
  await page.reload({ waitUntil: 'load' });
  const sentBefore = requests.filter((r) => r.startsWith('PUT ')).length;
  await throttle(-1);

  await page.locator('#resume:not([hidden])').waitFor({ timeout: 30_000 });
  t.match(await page.locator('#resume-text').textContent(), /evidence\.jpg, recording\.bin/, 'the interrupted files are named');
  const notices = await fillIn(submission, [photoPath, bigPath]);
  t.match(notices.join('\n'), /recording\.bin: will continue where the last attempt stopped/, 'the same file is recognised');
  await page.click('#submit');
  await submission.readReceipt(300_000);
  const sentAfter = requests.filter((r) => r.startsWith('PUT ')).length - sentBefore;
  const total = fileChunkCount(clean.length) + fileChunkCount(BIG.bytes.length);
  t.ok(sentAfter < total * 0.75, `after the reload only the missing chunks were sent (${sentAfter} PUTs of ${total} chunks)`);
  t.equal(await webStorage(page), 0, 'web storage is empty once the tip is stored');
  t.same(problems, [], 'no console errors');
  await server.kill();

  const { out } = await exportAndDecrypt(t, server);
  checkFiles(t, out, clean, BIG);
});

t.test('discarding after a reload forgets the partly sent files; cancelling stops a send', async (t) => {
  const server = await tiplineServer(t);
  const { page, submission, throttle } = await openPage(t, browser, 'normal', server.url, THROTTLE);
  await fillIn(submission, [bigPath]);
  await page.click('#submit');
  await submission.waitForProgress(0.2);
  await throttle(CRAWL);
  await page.reload({ waitUntil: 'load' });
  await page.locator('#resume:not([hidden])').waitFor({ timeout: 30_000 });
  await page.click('#resume-discard');
  t.match(await page.locator('#resume-text').textContent(), /Discarded/);
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing remembered any more');

  // Cancel: the send stops, the text stays, nothing is remembered.
  await throttle(THROTTLE);
  await fillIn(submission, [bigPath]);
  await page.click('#submit');
  await submission.waitForProgress(0.1);
  await throttle(CRAWL);
  t.match(await submission.cancelUpload(), /cancelled/, 'cancelling is stated');
  t.equal(await page.inputValue('#message'), MESSAGE, 'the text is kept');
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing remembered after cancel');
  t.ok(await page.locator('#submit').isEnabled(), 'the button works again');
});
