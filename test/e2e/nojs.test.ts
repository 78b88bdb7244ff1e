// The no-JavaScript fallback end to end, in Debian's Chromium with JavaScript disabled (Tor
// Browser's "Safest" level), with the real server and the real commands: the tip is typed into
// the page, a file attached, and posted as a plain HTML form → the server seals it (and
// encrypts the file as it streams in) → `editor fetch` → `decrypt` shows it marked "sealed by
// the server" (summary, tip.json, index.html), the file byte-identical → `reply` → `editor
// upload` → the source opens /mailbox with the passphrase the result page showed, reads the
// reply decrypted on the server and sends a follow-up → `editor fetch` + `decrypt` file it in
// the same thread, marked too.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { axe, describeViolations } from '../helpers/axe.js';
import { checkNoPlaintext, checkSameOrigin, launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { EditorCommands } from '../helpers/editor-commands.js';
import { NoJsMailboxPage, NoJsSubmissionPage } from '../helpers/navigators/nojs.js';

const TIP = 'Урны вынесли с участка №12 в 19:40 — Ашхабад 🗳️ <b>&amp;</b> "quotes"\nsecond line';
const REPLY = 'Thank you. Who carried them out? <i>Did anyone film it?</i>';
const FOLLOW_UP = 'Two men from the district office. A neighbour has a video 📹.';
const FILE_MARKER = 'NOJS-E2E-FILE-MARKER-41c2';
/** 1.5 MiB: two chunks, the second padded; a marker to look for in the server's files. */
const FOLLOW_UP_FILE = Buffer.concat([Buffer.from('follow-up video'), Buffer.alloc(300 * 1024, 0x33)]);
const EVIDENCE = Buffer.concat([Buffer.from(FILE_MARKER), Buffer.alloc(1536 * 1024, 0x5a), Buffer.from([0, 1, 2, 255])]);

t.test('a source without JavaScript sends a tip, reads the reply and answers; the desk sees both marked server-sealed', async (t) => {
  const server = await tiplineServer(t, { keygen: true });
  const origin = server.url;
  const desk = new EditorCommands(t, server);

  const browser = await launchChromium(t);
  const { context, page, requests, problems } = await openSession(t, browser, { javaScript: false, viewport: { width: 360, height: 800 }, responses: true });

  // 1. The tip, as a plain form post.
  const submission = await new NoJsSubmissionPage(page, origin).visit();
  t.match(await page.locator('.noscript').textContent(), /server sees your message in plain text/, 'the page explains the difference');
  t.ok(await page.locator('#submit').isHidden(), 'the encrypt-in-the-browser button is not shown');
  t.equal(await submission.sendButton.count(), 1, 'one usable button');
  t.equal(await submission.sendButton.textContent(), 'Send (the server encrypts it)');
  await submission.fillMessage(TIP);
  // A file, through the page's own file input (named, enabled, shown without JavaScript).
  t.match(await page.locator('#attachments').textContent(), /it does NOT remove hidden information/, 'the page says files are not cleaned');
  t.ok(await page.locator('#files-hint').isHidden(), 'the hint that promises encryption and cleaning in the browser is not shown');
  t.ok(await page.locator('#keep-metadata').isHidden(), 'nor the keep-metadata box, which would do nothing');
  await submission.attach([{ name: 'evidence.bin', mimeType: 'application/octet-stream', buffer: EVIDENCE }]);
  const { receipt, words } = await submission.send();
  t.equal(await page.title(), 'Your tip was received');
  t.match(receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
  t.equal(words.length, 12, 'a 12-word return passphrase is shown');
  t.match(await page.locator('main').textContent(), /the server encrypted it for the editors as it arrived/);
  t.same(describeViolations(await axe(page, false)), [], 'the receipt page: no WCAG 2.1 A/AA violation');
  const passphrase = words.join(' ');

  // The server's files hold ciphertext only.
  checkNoPlaintext(t, server.dataDir, ['Ашхабад', passphrase, FILE_MARKER]);
  t.notOk(server.process.output().includes('Ашхабад') || server.process.output().includes(passphrase) || server.process.output().includes(FILE_MARKER), 'nothing of it in the server output');

  // 2. The desk: fetch, decrypt (marked), reply, upload.
  const { decrypted } = await desk.fetchAndDecrypt('new1.bundle');
  t.match(decrypted.stdout, /1 of them sealed by the server \(sent without JavaScript\)/, 'decrypt says so');
  const [tip] = desk.records();
  t.equal(tip?.message, TIP, 'message.txt is exactly what was typed');
  t.equal(tip?.json.body.sealedByServer, true, 'tip.json: sealedByServer');
  t.match(tip?.json.note, /sealed by the server/, 'tip.json: the note');
  t.same(
    tip?.json.body.files?.map((f) => [f.name, f.metadataStripped]),
    [['evidence.bin', undefined]],
    'the file is in the sealed body, nothing stripped',
  );
  const saved = readFileSync(join(tip!.dir, 'files', 'evidence.bin'));
  t.equal(createHash('sha256').update(saved).digest('hex'), createHash('sha256').update(EVIDENCE).digest('hex'), 'the decrypted file is byte-identical');
  t.match(readFileSync(join(desk.tips, 'index.html'), 'utf8'), /Sealed by the server/, 'index.html: the mark');
  const mailbox = tip!.json.mailbox!;
  t.match(mailbox, /^[0-9a-f]{32}$/, 'the tip carries the mailbox to answer');
  await desk.replyAndUpload(mailbox, REPLY);

  // 3. The source comes back, still without JavaScript.
  await page.click('.passphrase a[href^="/mailbox"]');
  t.equal(await page.title(), 'Your mailbox');
  t.match(await page.locator('.noscript').textContent(), /the server will use your passphrase/);
  const mailboxPage = new NoJsMailboxPage(page, origin);
  await mailboxPage.logIn(`  ${passphrase.toUpperCase()}  `);
  t.equal((await mailboxPage.readReplies()).join('|'), REPLY, 'the reply, decrypted on the server, shown as text');
  await mailboxPage.writeFollowUp(FOLLOW_UP);
  // The follow-up carries a file too, through the page's own file input.
  t.match(await page.locator('#follow-up-files-notice').textContent(), /does NOT remove hidden information/, 'the follow-up form says files are not cleaned');
  await mailboxPage.attach([{ name: 'video.mp4', mimeType: 'video/mp4', buffer: FOLLOW_UP_FILE }]);
  t.same(describeViolations(await axe(page, false)), [], 'the mailbox page with a file chosen: no WCAG 2.1 A/AA violation');
  t.match(await mailboxPage.sendFollowUp(), /Your message was received\. Receipt: [0-9A-F]{4}-/, 'the follow-up is confirmed');
  t.same(await context.cookies(), [], 'no cookies at any point');
  t.same(problems, [], 'no console errors (CSP, SRI, failed loads)');
  checkSameOrigin(t, requests, origin);
  await browser.close();

  // 4. The desk files the follow-up in the same thread, marked.
  await desk.fetchAndDecrypt('new2.bundle');
  const followUp = desk.records().find((r) => r.json.kind === 'followUp');
  t.equal(followUp?.message, FOLLOW_UP);
  t.equal(followUp?.json.mailbox, mailbox, 'the same thread');
  t.equal(followUp?.json.body.sealedByServer, true, 'the follow-up is marked too');
  const video = readFileSync(join(followUp!.dir, 'files', 'video.mp4'));
  t.equal(createHash('sha256').update(video).digest('hex'), createHash('sha256').update(FOLLOW_UP_FILE).digest('hex'), 'the follow-up file is byte-identical');
});
