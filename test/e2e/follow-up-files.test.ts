// Files on a follow-up, end to end in Debian's Chromium (normally and with --js-flags=--jitless:
// no JIT, no WebAssembly, as Tor Browser's "Safer" level), with the real server (a child
// process) and the real export and decrypt commands. A source sends a tip in the page, comes
// back to /mailbox with the return passphrase and sends a follow-up with a real JPEG (made by
// Chromium's encoder) carrying an Exif GPS IFD, a camera serial and XMP with a location; the page
// strips it and says what it removed, uploads it encrypted, then seals the follow-up naming it.
// After export + decrypt, the follow-up's folder (in the same thread as the tip) holds the
// photo exactly as Chromium encoded it: the inserted metadata, and only it, removed. A second
// follow-up with a large file is cancelled while it is sent: nothing is posted, the text stays.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Route } from 'playwright-core';
import { fileChunkCount } from '../../src/crypto/attachment.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { SERIAL, XMP_LOCATION, canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { checkMode, webStorage } from '../helpers/page-checks.js';
import { exportAndDecrypt } from '../helpers/editor-commands.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';
import { MailboxPage } from '../helpers/navigators/mailbox.js';

const TIP = 'Ballot boxes were carried out of station 12 at 19:40.';
const FOLLOW_UP = 'Here is the photo of the van — Фото фургона.';
/** The file whose send is cancelled. */
const BIG_BYTES = 24 * 1024 * 1024;

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`a follow-up with a photo from /mailbox in Chromium (${mode}): stripped, uploaded, decrypted in the thread`, async (t) => {
    const server = await tiplineServer(t);
    const { dir } = server;
    const origin = server.url;
    const browser = await launchChromium(t, mode);
    const { context, page, requests, problems } = await openSession(t, browser);
    const followUpBodies: string[] = [];
    context.on('request', (request) => {
      if (request.url().endsWith('/api/mailbox/follow-ups')) followUpBodies.push(request.postData() ?? '');
    });

    // 1. A tip, with the return passphrase read from the page.
    const submission = await new SubmissionPage(page, origin).visit();
    await checkMode(t, page, mode);
    await submission.ready();
    const words = await submission.readPassphrase();
    t.equal(words.length, 12, 'the page shows 12 words');
    await submission.sendTip(TIP);

    const clean = await canvasJpeg(page);
    t.equal(clean.subarray(0, 2).toString('hex'), 'ffd8', 'Chromium made a JPEG');
    const photoPath = join(dir, 'evidence.jpg');
    writeFileSync(photoPath, withMetadata(clean));

    // 2. Back at /mailbox: the attachments part shows once logged in.
    const mailbox = await new MailboxPage(page, origin).visit();
    await mailbox.ready();
    t.ok(await page.locator('#mailbox-attachments').isHidden(), 'no attachments part before logging in');
    t.equal(await page.locator('#mailbox-resume').count(), 0, 'the mailbox page has no offer to continue after a reload (it keeps nothing in web storage)');
    await mailbox.logIn(words.join(' '));
    t.ok(await page.locator('#mailbox-attachments').isVisible(), 'the attachments part shows in the follow-up form');

    // 3. The follow-up with the photo: the page says what it removed.
    await mailbox.writeFollowUp(FOLLOW_UP);
    t.same(await mailbox.attach([photoPath]), ['evidence.jpg: removed EXIF (incl. GPS, serial number), XMP.'], 'the source is told what was removed');
    // The logged-in page with the attachments part and its notice: WCAG 2.1 A/AA (axe, through the DevTools protocol).
    t.same(describeViolations(await axe(page)), [], 'no WCAG 2.1 A/AA violation on the logged-in mailbox page with a file chosen');
    const status = await mailbox.sendFollowUp();
    t.match(status, /^Your message and its attached files \(1\) were received/);
    t.match(status, /Receipt: [0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
    t.equal(await page.inputValue('#mailbox-follow-up-message'), '', 'the text is dropped once stored');
    t.equal(await page.locator('#mailbox-file-list li').count(), 0, 'the file list is cleared');
    t.equal(await page.evaluate(() => (document.getElementById('mailbox-files') as HTMLInputElement).files?.length ?? -1), 0, 'the file input is cleared');
    t.ok(await page.locator('#mailbox-files').isEnabled(), 'and ready for the next follow-up');
    t.ok(await page.locator('#mailbox-upload').isHidden(), 'the progress is gone');
    t.equal(await page.evaluate(() => (document.getElementById('mailbox-upload-progress') as HTMLProgressElement).value), 0, 'and starts from zero next time');
    t.equal(await webStorage(page), 0, 'nothing in web storage');

    const puts = requests.filter((r) => r.startsWith('PUT ') && r.includes('/chunks/'));
    t.equal(puts.length, fileChunkCount(clean.length), 'the photo went up in chunks');
    t.equal(followUpBodies.length, 1, 'one follow-up request');
    const sent = JSON.parse(followUpBodies[0]!) as { envelope: string; uploads?: string[] };
    t.equal(sent.uploads?.length, 1, 'the follow-up request names the one upload');
    t.notMatch(followUpBodies[0]!, /evidence/, 'the file name travels only inside the sealed envelope');
    t.same(problems, [], 'no console errors');

    // 4. Cancel, as on the submission page: the send stops, the text stays, nothing is sent.
    // Every chunk after the first three is held (never answered) until the source cancels, so
    // the send is certainly still running when cancel is pressed, however fast the machine.
    const bigPath = join(dir, 'recording.bin');
    writeFileSync(bigPath, randomBytes(BIG_BYTES));
    const held: Route[] = [];
    let chunkHeld = () => {};
    const firstHeld = new Promise<void>((resolve) => (chunkHeld = resolve));
    let passed = 0;
    await page.route('**/api/uploads/*/chunks/*', (route) => {
      if (passed < 3) {
        passed++;
        return route.continue();
      }
      held.push(route);
      chunkHeld();
      return undefined;
    });
    await mailbox.writeFollowUp('This one is cancelled.');
    await mailbox.attach([bigPath]);
    await mailbox.startFollowUp();
    await page.locator('#mailbox-upload-cancel').waitFor({ state: 'visible', timeout: 60_000 });
    await mailbox.waitForProgress(0.1);
    await firstHeld;
    t.ok(held.length > 0, 'a chunk is on its way when cancel is pressed');
    t.match(await mailbox.cancelUpload(), /cancelled/, 'cancelling is stated');
    t.equal(await page.inputValue('#mailbox-follow-up-message'), 'This one is cancelled.', 'the text is kept');
    t.ok(await page.locator('#mailbox-follow-up-send').isEnabled(), 'the button works again');
    t.ok(await page.locator('#mailbox-files').isEnabled(), 'the files can be changed again');
    t.equal(followUpBodies.length, 1, 'no second follow-up was posted');
    t.equal(await webStorage(page), 0, 'nothing in web storage after cancel');
    await page.unroute('**/api/uploads/*/chunks/*');
    // The page aborted these requests; answering them now can only fail, which is fine.
    for (const route of held) await route.abort().catch(() => undefined);

    // 5. The desk: export + decrypt; the follow-up's folder has the photo, stripped, in the tip's thread.
    const { decrypt, records: all } = await exportAndDecrypt(t, server);
    t.notMatch(decrypt.stdout + decrypt.stderr, /photo of the van/, 'decrypt does not print the message');
    t.equal(all.length, 2, 'the tip and the follow-up');
    const tip = all.find((r) => r.message === TIP);
    const followUp = all.find((r) => r.message === FOLLOW_UP);
    t.ok(tip && followUp, 'both decrypt to what was typed');
    if (!tip || !followUp) return;
    t.match(tip.json.mailbox, /^[0-9a-f]{32}$/, 'the tip names its mailbox');
    t.equal(followUp.json.mailbox, tip.json.mailbox, 'the follow-up is in the same thread');
    t.equal(followUp.json.kind, 'followUp', 'and is marked as a follow-up');
    t.same(tip.json.files ?? [], [], 'the tip had no files');
    const files = followUp.json.files ?? [];
    t.equal(files.length, 1, 'tip.json of the follow-up lists one file');
    t.match(files[0], { name: 'evidence.jpg', saved: 'files/evidence.jpg', complete: true }, 'saved under the follow-up folder');
    t.match(JSON.stringify(files[0]?.metadataStripped), /EXIF \(incl\. GPS, serial number\)/, 'tip.json tells the editors what was stripped');
    const photo = readFileSync(join(followUp.dir, 'files', 'evidence.jpg'));
    t.ok(photo.equals(clean), 'the photo is byte-identical to what Chromium encoded: only the inserted metadata is gone');
    const text = photo.toString('latin1');
    for (const secret of ['Exif', SERIAL, XMP_LOCATION, 'xmpmeta']) t.notOk(text.includes(secret), `no "${secret}" in the decrypted photo`);
    t.notOk(existsSync(join(tip.dir, 'files')), 'nothing was filed under the tip');
  });
}
