// Attachments end to end in Debian's Chromium, normally and with --js-flags=--jitless (no JIT,
// no WebAssembly: Tor Browser "Safer"; the metadata stripper and libsodium's fallback then run
// without a JIT). A real JPEG (made by Chromium's own encoder) with an Exif block carrying a
// GPS IFD and a camera serial, and XMP with a location, and a file of several chunks are
// attached in the real page, stripped and encrypted in the upload worker and sent chunk by
// chunk to the real server (a child process). Then the real export and decrypt commands: the
// file comes out byte-identical, the photo exactly as Chromium encoded it (the inserted
// metadata, and only it, removed), no GPS left. The server restarted in the middle of an
// upload: attachments-restart.test.ts; a reload, discard and cancel: attachments-resume.test.ts.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FILE_CHUNK_SIZE, fileChunkCount } from '../../src/crypto/attachment.js';
import { canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { tiplineServer } from '../helpers/e2e.js';
import { webStorage } from '../helpers/page-checks.js';
import { checkFiles, exportAndDecrypt, fillIn, launch, openPage, randomFile } from '../helpers/attachments.js';

/** Several chunks and a partial last one: enough to check chunking, padding and order. */
const OTHER = { name: 'recording.bin', bytes: randomBytes(3 * FILE_CHUNK_SIZE + 12_345) };

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`attachments in Chromium (${mode}): stripped, encrypted, sent, decrypted`, async (t) => {
    const server = await tiplineServer(t);
    const { dir } = server;
    const browser = await launch(t, mode);
    const { page, submission, requests, problems } = await openPage(t, browser, mode, server.url);

    const clean = await canvasJpeg(page);
    t.equal(clean.subarray(0, 2).toString('hex'), 'ffd8', 'Chromium made a JPEG');
    const photoPath = join(dir, 'evidence.jpg');
    writeFileSync(photoPath, withMetadata(clean));

    t.ok(await page.locator('#attachments').isVisible(), 'the attachments part shows with JavaScript');
    const notices = await fillIn(submission, [photoPath, randomFile(t, OTHER.name, OTHER.bytes)]);
    t.match(notices[0], /^evidence\.jpg: removed EXIF \(incl\. GPS, serial number\), XMP\.$/, 'the source is told what was removed');
    t.match(notices[1], /^recording\.bin: this page cannot clean this kind of file/, 'other types get the warning');

    t.match(await submission.submit(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
    t.equal(await webStorage(page), 0, 'nothing left in web storage after the tip was stored');
    const puts = requests.filter((r) => r.startsWith('PUT ') && r.includes('/chunks/'));
    const total = fileChunkCount(clean.length) + fileChunkCount(OTHER.bytes.length);
    t.ok(puts.length >= total, `every chunk was sent (${puts.length} PUTs for ${total} chunks)`);
    t.same(problems, [], 'no console errors');
    await server.kill();

    const { out, tip } = await exportAndDecrypt(t, server);
    checkFiles(t, out, clean, OTHER);
    t.match(JSON.stringify(tip), /EXIF \(incl\. GPS, serial number\)/, 'tip.json tells the editors what was stripped');
  });
}
