// The whole conversation in Debian's Chromium (normally and with --js-flags=--jitless, no JIT
// and no WebAssembly, as Tor Browser's "Safer" level) with the real server and the real commands: a
// tip typed in the page (the source confirms the 12-word return passphrase, which the test
// reads from the page) → `editor fetch` → `decrypt` → `reply` → `editor upload` → the source
// opens /mailbox, first with a typo (caught in the page, nothing sent), then correctly → reads
// the reply decrypted in the browser → sends a follow-up → `editor fetch` + `decrypt` file it
// in the same thread as the tip → deletes the reply → logs out. Between upload and login,
// whoever can write the server's database puts two forged "replies from the editors" into the
// mailbox: the page shows each as failed verification, never its text.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { newPassphrase } from '../../src/crypto/mailbox.js';
import { encodeBody } from '../../src/crypto/body.js';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { generateEditorKeyPair } from '../../src/crypto/keys.js';
import { signBody } from '../../src/crypto/signing.js';
import { DATABASE_FILE, openDatabase } from '../../src/server/store/db.js';
import { MailboxStore } from '../../src/server/store/mailboxes.js';
import { tempDir } from '../helpers/fixtures.js';
import { capture, checkSameOrigin, serverWithEditor, launchChromium, requireChromium, runScript } from '../helpers/e2e.js';

const TIP = 'Ballot boxes were carried out of station 12 at 19:40 — Избирательный участок.';
const REPLY = 'Thank you. Who carried them out? Did anyone film it?';
const FOLLOW_UP = 'Two men from the district office. A neighbour has a video 📹.';

const run = runScript;

/** Every decrypted record (tip.json and its message.txt) below `dir`. */
function records(dir: string): { mailbox?: string; kind?: string; message: string }[] {
  const found: { mailbox?: string; kind?: string; message: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...records(path));
    else if (entry.name === 'tip.json') {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { mailbox?: string; kind?: string };
      found.push({ mailbox: json.mailbox, kind: json.kind, message: readFileSync(join(dir, 'message.txt'), 'utf8') });
    }
  }
  return found;
}

for (const mode of ['normal', 'jitless'] as const) t.test(`a conversation between a source in Chromium (${mode}) and the desk`, async (t) => {
  requireChromium();
  const dir = tempDir(t, 'tipline-e2e-conversation-');
  const p = (name: string) => join(dir, name);
  // A low proof-of-work difficulty keeps this test quick (test/e2e/pow.test.ts covers the real one).
  const { server } = await serverWithEditor(t, dir, 'correct horse battery staple e2e');
  const origin = server.url;

  const browser = await launchChromium(t, mode);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const { requests, problems, sent: sentText } = capture(context, page);

  // 1. The source sends a tip, after confirming the return passphrase.
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  t.equal(await page.evaluate(() => typeof WebAssembly), mode === 'jitless' ? 'undefined' : 'object', `WebAssembly is ${mode === 'jitless' ? 'off' : 'on'}`);
  await page.locator('#submit:enabled').waitFor({ timeout: 120_000 });
  const words = await page.locator('#passphrase-words li').allTextContents();
  t.equal(words.length, 12, 'the page shows 12 words');
  t.ok(await page.locator('#passphrase').isVisible(), 'the passphrase step is visible');
  await page.fill('#message', TIP);
  await page.click('#submit');
  t.match(await page.locator('#error').textContent(), /tick the box/, 'nothing is sent before the passphrase is confirmed');
  t.notOk(requests.some((r) => r.includes('/api/mailboxes') || r.includes('/api/tips')), 'no mailbox, no tip yet');
  await page.check('#passphrase-confirm');
  await page.click('#submit');
  await page.locator('#confirmation:not([hidden])').waitFor({ timeout: 120_000 });
  t.match(await page.locator('#receipt').textContent(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
  t.match(await page.locator('#confirmation').textContent(), /come back later/, 'the confirmation reminds of the passphrase');
  t.equal(await page.locator('#confirmation a').getAttribute('href'), '/mailbox?lang=en', 'and links to the mailbox page, in its language');
  t.equal(await page.locator('#passphrase-words li').count(), 0, 'the words are gone from the page');
  t.ok(requests.includes(`POST ${origin}/api/mailboxes`), 'the mailbox was created');
  const passphrase = words.join(' ');

  // 2. The desk: fetch, decrypt, reply, upload.
  const editorArgs = ['--server', origin, '--key', p('fetch.key')];
  const fetch1 = await run('editor', ['fetch', ...editorArgs, '--out', p('new1.bundle')]);
  t.equal(fetch1.code, 0, fetch1.stderr);
  t.match(fetch1.stdout, /fetched 1 new record/);
  const decryptArgs = ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--out', p('tips')];
  const decrypt1 = await run('decrypt', [...decryptArgs, '--in', p('new1.bundle')]);
  t.equal(decrypt1.code, 0, decrypt1.stderr);
  const [tip] = records(p('tips'));
  t.equal(tip?.message, TIP, 'the tip decrypts to what was typed');
  const mailbox = tip?.mailbox ?? '';
  t.match(mailbox, /^[0-9a-f]{32}$/, 'the tip carries the mailbox to answer');
  writeFileSync(p('reply.txt'), REPLY);
  const sealed = await run('reply', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--decrypted', p('tips'), '--in', p('reply.txt'), '--mailbox', mailbox, '--out', p('reply.bundle')]);
  t.equal(sealed.code, 0, sealed.stderr);
  const upload = await run('editor', ['upload', ...editorArgs, '--in', p('reply.bundle')]);
  t.equal(upload.code, 0, upload.stderr);

  // The attack: rows written straight into the server's real SQLite file (a second connection),
  // sealed to the source's reply key (it is in the mailboxes table) and naming the mailbox: one
  // signed by a key of the attacker's, one unsigned.
  const sourceKem = fromBase64Url((JSON.parse(readFileSync(join(p('tips'), readdirSync(p('tips')).find((n) => /^\d{4}-/.test(n))!, 'tip.json'), 'utf8')) as { body: { reply: { kemPublicKey: string } } }).body.reply.kemPublicKey)!;
  const impostor = await generateEditorKeyPair();
  const forged = (body: Uint8Array) => sealEnvelope({ kind: 'reply', recipients: [sourceKem, impostor.publicKey], body });
  const attackerDb = openDatabase(join(p('data'), DATABASE_FILE));
  new MailboxStore(attackerDb).addReplies([
    { mailbox, envelope: await forged(await signBody('reply', { v: 1, message: 'FORGED: go to the district office at 9', clientTime: new Date().toISOString(), mailbox, editor: toBase64Url(impostor.signPublicKey) }, impostor.signSecretKey)) },
    { mailbox, envelope: await forged(encodeBody({ v: 1, message: 'FORGED: unsigned', clientTime: new Date().toISOString(), mailbox })) },
  ]);
  attackerDb.close();

  // 3. The source comes back: a typo first (caught in the page), then the right words.
  await page.goto(`${origin}/mailbox`, { waitUntil: 'load' });
  t.equal(await page.title(), 'Your mailbox');
  await page.locator('#mailbox-login-button:enabled').waitFor({ timeout: 120_000 });
  const typo = [...words];
  typo[2] = `${typo[2]}q`;
  const before = requests.length;
  await page.fill('#mailbox-passphrase', typo.join(' '));
  await page.click('#mailbox-login-button');
  t.match(await page.locator('#error').textContent(), /Word 3 is not one of the passphrase words/, 'the typo is named');
  await page.fill('#mailbox-passphrase', words.slice(0, 11).join(' '));
  await page.click('#mailbox-login-button');
  t.match(await page.locator('#error').textContent(), /You typed 11 words; the return passphrase has 12/, 'a missing word is named');
  // Focusing the form starts the proof-of-work worker (a static asset, src/client/shared.ts
  // lazyWorker); what must not happen is any request that carries something of the source's.
  t.same(requests.slice(before).filter((r) => !/^GET [^ ]*\/assets\/pow-worker\.[0-9a-f]+\.js$/.test(r)), [], 'no request was sent for a mistyped passphrase');
  // Well-formed words of a mailbox that does not exist: the server's one answer, shown plainly.
  await page.fill('#mailbox-passphrase', await newPassphrase());
  await page.click('#mailbox-login-button');
  await page.locator('#error', { hasText: 'does not open a mailbox' }).waitFor({ timeout: 120_000 });
  t.ok(await page.locator('#mailbox-inbox').isHidden(), 'a wrong passphrase opens nothing');

  await page.fill('#mailbox-passphrase', passphrase.toUpperCase());
  const started = Date.now();
  await page.click('#mailbox-login-button');
  await page.locator('#mailbox-inbox:not([hidden])').waitFor({ timeout: 120_000 });
  // A measurement for docs/PERFORMANCE.md, not an assertion: key derivation, challenge,
  // signature, login and opening the reply.
  t.comment(`${mode}: logging in and opening one reply took ${Date.now() - started} ms`);
  await page.locator('.reply').nth(2).waitFor({ timeout: 30_000 });
  t.same(await page.locator('.reply:not(.reply-unverified) .reply-message').allTextContents(), [REPLY], 'the genuine reply is shown, decrypted and verified in the browser');
  t.equal(await page.locator('.reply-unverified').count(), 2, 'both forged replies are marked');
  for (const text of await page.locator('.reply-unverified').allTextContents()) t.match(text, /failed verification: it is NOT from the editors/);
  t.notMatch(await page.locator('#mailbox-replies').textContent(), 'FORGED', 'no forged text is shown');
  t.equal(await page.inputValue('#mailbox-passphrase'), '', 'the passphrase is cleared from the page');
  const cookies = await context.cookies();
  t.same(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['tipline_session', true, 'Strict']], 'one HttpOnly SameSite=Strict session cookie');

  // 4. A follow-up from the mailbox.
  await page.fill('#mailbox-follow-up-message', FOLLOW_UP);
  await page.click('#mailbox-follow-up-send');
  await page.locator('#status', { hasText: 'Your message was received' }).waitFor({ timeout: 120_000 });
  t.equal(await page.inputValue('#mailbox-follow-up-message'), '', 'the follow-up text is dropped once stored');

  // 5. The desk files the follow-up in the same thread as the tip.
  const fetch2 = await run('editor', ['fetch', ...editorArgs, '--out', p('new2.bundle')]);
  t.equal(fetch2.code, 0, fetch2.stderr);
  const decrypt2 = await run('decrypt', [...decryptArgs, '--in', p('new2.bundle')]);
  t.equal(decrypt2.code, 0, decrypt2.stderr);
  const thread = records(p('tips')).filter((r) => r.mailbox === mailbox);
  t.ok(thread.some((r) => r.message === TIP), 'the tip is in the thread');
  t.ok(thread.some((r) => r.message === FOLLOW_UP), 'the follow-up is in the same thread');
  const index = readFileSync(p('tips/index.html'), 'utf8');
  const start = index.indexOf(`id="mailbox-${mailbox}"`);
  t.ok(start >= 0, 'index.html has the thread');
  const section = index.slice(start, index.indexOf('</section>', start));
  t.match(section, 'Ballot boxes were carried out of station 12');
  t.match(section, 'Two men from the district office.');

  // 6. The source deletes the reply and logs out; nothing stays in the browser.
  for (let n = 3; n > 0; n--) {
    await page.locator('.reply-delete:enabled').first().click();
    await page.waitForFunction((left) => document.querySelectorAll('.reply').length === left, n - 1, { timeout: 30_000 });
  }
  await page.locator('.no-replies').waitFor({ timeout: 30_000 });
  t.equal(await page.locator('.reply').count(), 0, 'the reply is deleted');
  await page.click('#mailbox-logout');
  await page.locator('#mailbox-login:not([hidden])').waitFor({ timeout: 30_000 });
  t.match(await page.locator('#status').textContent(), /logged out/);
  t.same(await context.cookies(), [], 'the session cookie is gone');
  t.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing in web storage');
  const after = await page.evaluate(async () => (await fetch('/api/mailbox/replies')).status);
  t.equal(after, 401, 'the session is forgotten on the server');
  t.same(problems.filter((line) => !/401/.test(line)), [], 'no console errors');
  const everything = sentText.join('\n').toLowerCase();
  for (let i = 0; i + 2 <= words.length; i++) t.notOk(everything.includes(`${words[i]} ${words[i + 1]}`), `words ${i + 1}–${i + 2} of the passphrase were never sent`);
  checkSameOrigin(t, requests, origin);
});
