// The no-JavaScript fallback end to end, in Debian's Chromium with JavaScript disabled (Tor
// Browser's "Safest" level), with the real server and the real commands: the tip is typed into
// the page, a file attached, and posted as a plain HTML form → the server seals it (and
// encrypts the file as it streams in) → `editor fetch` → `decrypt` shows it marked "sealed by
// the server" (summary, tip.json, index.html), the file byte-identical → `reply` → `editor
// upload` → the source opens /mailbox with the passphrase the result page showed, reads the
// reply decrypted on the server and sends a follow-up → `editor fetch` + `decrypt` file it in
// the same thread, marked too.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/fixtures.js';
import { axe, describeViolations } from '../helpers/axe.js';
import { capture, checkSameOrigin, serverWithEditor, launchChromium, requireChromium, runScript } from '../helpers/e2e.js';

const TIP = 'Урны вынесли с участка №12 в 19:40 — Ашхабад 🗳️ <b>&amp;</b> "quotes"\nsecond line';
const REPLY = 'Thank you. Who carried them out? <i>Did anyone film it?</i>';
const FOLLOW_UP = 'Two men from the district office. A neighbour has a video 📹.';
const FILE_MARKER = 'NOJS-E2E-FILE-MARKER-41c2';
/** 1.5 MiB: two chunks, the second padded; a marker to look for in the server's files. */
const FOLLOW_UP_FILE = Buffer.concat([Buffer.from('follow-up video'), Buffer.alloc(300 * 1024, 0x33)]);
const EVIDENCE = Buffer.concat([Buffer.from(FILE_MARKER), Buffer.alloc(1536 * 1024, 0x5a), Buffer.from([0, 1, 2, 255])]);

const run = runScript;

interface Decrypted {
  kind?: string;
  mailbox?: string;
  note?: string;
  body: { sealedByServer?: boolean; files?: { name: string; metadataStripped?: string[] }[] };
  message: string;
  dir: string;
}

function records(dir: string): Decrypted[] {
  const found: Decrypted[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...records(path));
    else if (entry.name === 'tip.json') found.push({ ...JSON.parse(readFileSync(path, 'utf8')), message: readFileSync(join(dir, 'message.txt'), 'utf8'), dir });
  }
  return found;
}

t.test('a source without JavaScript sends a tip, reads the reply and answers; the desk sees both marked server-sealed', async (t) => {
  requireChromium();
  const dir = tempDir(t, 'tipline-e2e-nojs-');
  const p = (name: string) => join(dir, name);
  const { server } = await serverWithEditor(t, dir, 'correct horse battery staple e2e');
  const origin = server.url;

  const browser = await launchChromium(t);
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  const { requests, problems } = capture(context, page, { responses: true });

  // 1. The tip, as a plain form post.
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  t.match(await page.locator('.noscript').textContent(), /server sees your message in plain text/, 'the page explains the difference');
  t.ok(await page.locator('#submit').isHidden(), 'the encrypt-in-the-browser button is not shown');
  const button = page.locator('#tip-form button[type="submit"]:visible');
  t.equal(await button.count(), 1, 'one usable button');
  t.equal(await button.textContent(), 'Send (the server encrypts it)');
  await page.fill('#message', TIP);
  // A file, through the page's own file input (named, enabled, shown without JavaScript).
  t.match(await page.locator('#attachments').textContent(), /it does NOT remove hidden information/, 'the page says files are not cleaned');
  t.ok(await page.locator('#files-hint').isHidden(), 'the hint that promises encryption and cleaning in the browser is not shown');
  t.ok(await page.locator('#keep-metadata').isHidden(), 'nor the keep-metadata box, which would do nothing');
  await page.setInputFiles('#files', { name: 'evidence.bin', mimeType: 'application/octet-stream', buffer: EVIDENCE });
  await Promise.all([page.waitForURL(`${origin}/nojs/tip`), button.click()]);
  t.equal(await page.title(), 'Your tip was received');
  const receipt = (await page.locator('#receipt').textContent()) ?? '';
  t.match(receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
  const words = await page.locator('.passphrase-words li').allTextContents();
  t.equal(words.length, 12, 'a 12-word return passphrase is shown');
  t.match(await page.locator('main').textContent(), /the server encrypted it for the editors as it arrived/);
  t.same(describeViolations(await axe(page, false)), [], 'the receipt page: no WCAG 2.1 A/AA violation');
  const passphrase = words.join(' ');

  // The server's files hold ciphertext only.
  for (const name of readdirSync(p('data')).filter((n) => n.startsWith('tipline.sqlite'))) {
    const bytes = readFileSync(join(p('data'), name));
    t.equal(bytes.indexOf(Buffer.from('Ашхабад')), -1, `${name} holds no plaintext`);
    t.equal(bytes.indexOf(Buffer.from(passphrase)), -1, `${name} holds no passphrase`);
    t.equal(bytes.indexOf(Buffer.from(FILE_MARKER)), -1, `${name} holds no file plaintext`);
  }
  t.notOk(server.output().includes('Ашхабад') || server.output().includes(passphrase) || server.output().includes(FILE_MARKER), 'nothing of it in the server output');

  // 2. The desk: fetch, decrypt (marked), reply, upload.
  const editorArgs = ['--server', origin, '--key', p('fetch.key')];
  const fetch1 = await run('editor', ['fetch', ...editorArgs, '--out', p('new1.bundle')]);
  t.equal(fetch1.code, 0, fetch1.stderr);
  const decryptArgs = ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--out', p('tips')];
  const decrypt1 = await run('decrypt', [...decryptArgs, '--in', p('new1.bundle')]);
  t.equal(decrypt1.code, 0, decrypt1.stderr);
  t.match(decrypt1.stdout, /1 of them sealed by the server \(sent without JavaScript\)/, 'decrypt says so');
  const [tip] = records(p('tips'));
  t.equal(tip?.message, TIP, 'message.txt is exactly what was typed');
  t.equal(tip?.body.sealedByServer, true, 'tip.json: sealedByServer');
  t.match(tip?.note, /sealed by the server/, 'tip.json: the note');
  t.same(tip?.body.files?.map((f) => [f.name, f.metadataStripped]), [['evidence.bin', undefined]], 'the file is in the sealed body, nothing stripped');
  const saved = readFileSync(join(tip!.dir, 'files', 'evidence.bin'));
  t.equal(createHash('sha256').update(saved).digest('hex'), createHash('sha256').update(EVIDENCE).digest('hex'), 'the decrypted file is byte-identical');
  t.match(readFileSync(p('tips/index.html'), 'utf8'), /Sealed by the server/, 'index.html: the mark');
  const mailbox = tip!.mailbox!;
  t.match(mailbox, /^[0-9a-f]{32}$/, 'the tip carries the mailbox to answer');
  writeFileSync(p('reply.txt'), REPLY);
  const sealed = await run('reply', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--decrypted', p('tips'), '--in', p('reply.txt'), '--mailbox', mailbox, '--out', p('reply.bundle')]);
  t.equal(sealed.code, 0, sealed.stderr);
  const upload = await run('editor', ['upload', ...editorArgs, '--in', p('reply.bundle')]);
  t.equal(upload.code, 0, upload.stderr);

  // 3. The source comes back, still without JavaScript.
  await page.click('.passphrase a[href^="/mailbox"]');
  t.equal(await page.title(), 'Your mailbox');
  t.match(await page.locator('.noscript').textContent(), /the server will use your passphrase/);
  await page.fill('#mailbox-passphrase', `  ${passphrase.toUpperCase()}  `);
  await Promise.all([page.waitForURL(`${origin}/nojs/mailbox`), page.locator('#mailbox-login button[type="submit"]:visible').click()]);
  t.equal(await page.locator('.reply-text').allTextContents().then((x) => x.join('|')), REPLY, 'the reply, decrypted on the server, shown as text');
  await page.fill('textarea[name="message"]', FOLLOW_UP);
  // The follow-up carries a file too, through the page's own file input.
  t.match(await page.locator('#follow-up-files-notice').textContent(), /does NOT remove hidden information/, 'the follow-up form says files are not cleaned');
  await page.setInputFiles('#follow-up-files', { name: 'video.mp4', mimeType: 'video/mp4', buffer: FOLLOW_UP_FILE });
  t.same(describeViolations(await axe(page, false)), [], 'the mailbox page with a file chosen: no WCAG 2.1 A/AA violation');
  await Promise.all([page.waitForURL(`${origin}/nojs/mailbox`), page.locator('form button[type="submit"]').click()]);
  t.match(await page.locator('[role="status"]').textContent(), /Your message was received\. Receipt: [0-9A-F]{4}-/, 'the follow-up is confirmed');
  t.same(await context.cookies(), [], 'no cookies at any point');
  t.same(problems, [], 'no console errors (CSP, SRI, failed loads)');
  checkSameOrigin(t, requests, origin);
  await browser.close();

  // 4. The desk files the follow-up in the same thread, marked.
  const fetch2 = await run('editor', ['fetch', ...editorArgs, '--out', p('new2.bundle')]);
  t.equal(fetch2.code, 0, fetch2.stderr);
  const decrypt2 = await run('decrypt', [...decryptArgs, '--in', p('new2.bundle')]);
  t.equal(decrypt2.code, 0, decrypt2.stderr);
  const followUp = records(p('tips')).find((r) => r.kind === 'followUp');
  t.equal(followUp?.message, FOLLOW_UP);
  t.equal(followUp?.mailbox, mailbox, 'the same thread');
  t.equal(followUp?.body.sealedByServer, true, 'the follow-up is marked too');
  const video = readFileSync(join(followUp!.dir, 'files', 'video.mp4'));
  t.equal(createHash('sha256').update(video).digest('hex'), createHash('sha256').update(FOLLOW_UP_FILE).digest('hex'), 'the follow-up file is byte-identical');
});
