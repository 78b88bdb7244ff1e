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
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { Route } from 'playwright-core';
import { buildClient } from '../../scripts/build-client.js';
import { fileChunkCount } from '../../src/crypto/attachment.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';
import { SERIAL, XMP_LOCATION, canvasJpeg, withMetadata } from '../helpers/jpeg.js';
import { startServer } from '../helpers/server-process.js';
import { capture, editorKeyFile, launchChromium, requireChromium } from '../helpers/e2e.js';

const PASSPHRASE = 'correct horse battery staple e2e';
const TIP = 'Ballot boxes were carried out of station 12 at 19:40.';
const FOLLOW_UP = 'Here is the photo of the van — Фото фургона.';
/** The file whose send is cancelled. */
const BIG_BYTES = 24 * 1024 * 1024;

const run = promisify(execFile);
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Record_ {
  dir: string;
  json: { kind?: string; mailbox?: string; files?: { name?: string; saved?: string; complete?: boolean; metadataStripped?: string[] }[] };
  message: string;
}

/** Every decrypted record (its folder, tip.json and message.txt) below `dir`. */
function records(dir: string): Record_[] {
  const found: Record_[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...records(path));
    else if (entry.name === 'tip.json') found.push({ dir, json: JSON.parse(readFileSync(path, 'utf8')) as Record_['json'], message: readFileSync(join(dir, 'message.txt'), 'utf8') });
  }
  return found;
}

const work = tempDir(t, 'tipline-e2e-follow-up-files-');
let keyFile: string;
let recipientsFile: string;
let clientDir: string;

t.before(async () => {
  // The test fails (never skips) without the browser it is about.
  requireChromium();
  clientDir = (await buildClient({ outDir: join(work, 'client') })).outDir;
  ({ keyFile, recipientsFile } = await editorKeyFile(work, PASSPHRASE));
});

for (const mode of ['normal', 'jitless'] as const) {
  t.test(`a follow-up with a photo from /mailbox in Chromium (${mode}): stripped, uploaded, decrypted in the thread`, async (t) => {
    const dir = tempDir(t, `tipline-e2e-follow-up-files-${mode}-`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, TIPLINE_CLIENT_DIR: clientDir, TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4' });
    const origin = server.url;
    const browser = await launchChromium(t, mode);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const followUpBodies: string[] = [];
    context.on('request', (request) => {
      if (request.url().endsWith('/api/mailbox/follow-ups')) followUpBodies.push(request.postData() ?? '');
    });
    const page = await context.newPage();
    const { requests, problems } = capture(context, page);

    // 1. A tip, with the return passphrase read from the page.
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
    await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
    const words = await page.locator('#passphrase-words li').allTextContents();
    t.equal(words.length, 12, 'the page shows 12 words');
    await page.fill('#message', TIP);
    await page.check('#passphrase-confirm');
    await page.click('#submit');
    await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 120_000 });

    const clean = await canvasJpeg(page);
    t.equal(clean.subarray(0, 2).toString('hex'), 'ffd8', 'Chromium made a JPEG');
    const photoPath = join(dir, 'evidence.jpg');
    writeFileSync(photoPath, withMetadata(clean));

    // 2. Back at /mailbox: the attachments part shows once logged in.
    await page.goto(`${origin}/mailbox`, { waitUntil: 'load' });
    await page.locator('#mailbox-login-button:enabled').waitFor({ timeout: 120_000 });
    t.ok(await page.locator('#mailbox-attachments').isHidden(), 'no attachments part before logging in');
    t.equal(await page.locator('#mailbox-resume').count(), 0, 'the mailbox page has no offer to continue after a reload (it keeps nothing in web storage)');
    await page.fill('#mailbox-passphrase', words.join(' '));
    await page.click('#mailbox-login-button');
    await page.locator('#mailbox-inbox:not([hidden])').waitFor({ timeout: 120_000 });
    t.ok(await page.locator('#mailbox-attachments').isVisible(), 'the attachments part shows in the follow-up form');

    // 3. The follow-up with the photo: the page says what it removed.
    await page.fill('#mailbox-follow-up-message', FOLLOW_UP);
    await page.setInputFiles('#mailbox-files', [photoPath]);
    await page.waitForFunction(() => {
      const items = Array.from(document.querySelectorAll('#mailbox-file-list li'), (li) => li.textContent ?? '');
      return items.length === 1 && items[0]!.includes(':');
    }, undefined, { timeout: 60_000 });
    t.same(await page.locator('#mailbox-file-list li').allTextContents(), ['evidence.jpg: removed EXIF (incl. GPS, serial number), XMP.'], 'the source is told what was removed');
    // The logged-in page with the attachments part and its notice: WCAG 2.1 A/AA (axe, through the DevTools protocol).
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    t.same(violations, [], 'no WCAG 2.1 A/AA violation on the logged-in mailbox page with a file chosen');
    await page.click('#mailbox-follow-up-send');
    await page.locator('#status', { hasText: 'Your message and its attached files (1) were received' }).waitFor({ timeout: 120_000 });
    t.match(await page.locator('#status').textContent(), /Receipt: [0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
    t.equal(await page.inputValue('#mailbox-follow-up-message'), '', 'the text is dropped once stored');
    t.equal(await page.locator('#mailbox-file-list li').count(), 0, 'the file list is cleared');
    t.equal(await page.evaluate(() => (document.getElementById('mailbox-files') as HTMLInputElement).files?.length ?? -1), 0, 'the file input is cleared');
    t.ok(await page.locator('#mailbox-files').isEnabled(), 'and ready for the next follow-up');
    t.ok(await page.locator('#mailbox-upload').isHidden(), 'the progress is gone');
    t.equal(await page.evaluate(() => (document.getElementById('mailbox-upload-progress') as HTMLProgressElement).value), 0, 'and starts from zero next time');
    t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');

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
    let passed = 0;
    await page.route('**/api/uploads/*/chunks/*', (route) => {
      if (passed < 3) {
        passed++;
        return route.continue();
      }
      held.push(route);
      return undefined;
    });
    await page.fill('#mailbox-follow-up-message', 'This one is cancelled.');
    await page.setInputFiles('#mailbox-files', [bigPath]);
    await page.locator('#mailbox-file-list li', { hasText: 'recording.bin:' }).waitFor({ timeout: 60_000 });
    await page.click('#mailbox-follow-up-send');
    await page.locator('#mailbox-upload-cancel').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => {
      const bar = document.getElementById('mailbox-upload-progress') as HTMLProgressElement | null;
      return !!bar && bar.max > 1 && bar.value / bar.max >= 0.1;
    }, undefined, { timeout: 120_000, polling: 50 });
    for (let i = 0; held.length === 0 && i < 600; i++) await new Promise((r) => setTimeout(r, 100));
    t.ok(held.length > 0, 'a chunk is on its way when cancel is pressed');
    await page.click('#mailbox-upload-cancel');
    await page.locator('#error', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    t.equal(await page.inputValue('#mailbox-follow-up-message'), 'This one is cancelled.', 'the text is kept');
    t.ok(await page.locator('#mailbox-follow-up-send').isEnabled(), 'the button works again');
    t.ok(await page.locator('#mailbox-files').isEnabled(), 'the files can be changed again');
    t.equal(followUpBodies.length, 1, 'no second follow-up was posted');
    t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage after cancel');
    await page.unroute('**/api/uploads/*/chunks/*');
    // The page aborted these requests; answering them now can only fail, which is fine.
    for (const route of held) await route.abort().catch(() => undefined);

    // 5. The desk: export + decrypt; the follow-up's folder has the photo, stripped, in the tip's thread.
    const bundle = join(dir, 'all.bundle');
    const out = join(dir, 'decrypted');
    await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--db', join(dataDir, 'tipline.sqlite'), '--out', bundle], { cwd: ROOT, env: childEnv() });
    const decrypted = await run(process.execPath, ['--import', 'tsx', 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', out], {
      cwd: ROOT,
      env: childEnv({ TIPLINE_PASSPHRASE: PASSPHRASE }),
      maxBuffer: 1 << 24,
    });
    t.notMatch(decrypted.stdout + decrypted.stderr, /photo of the van/, 'decrypt does not print the message');
    const all = records(out);
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
