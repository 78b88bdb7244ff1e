// The whole conversation in Debian's Chromium (normally and with --js-flags=--jitless, no JIT
// and no WebAssembly, as Tor Browser's "Safer" level) with the real server and the real commands: a
// tip typed in the page (the source confirms the 12-word return passphrase, which the test
// reads from the page) → `editor fetch` → `decrypt` → `reply` → `editor upload` → the source
// opens /mailbox, first with a typo (caught in the page, nothing sent), then correctly → reads
// the reply decrypted in the browser → sends a follow-up → `editor fetch` + `decrypt` file it
// in the same thread as the tip → deletes the reply → logs out. Between upload and login,
// whoever can write the server's database puts two forged "replies from the editors" into the
// mailbox: the page shows each as failed verification, never its text.
import { readdirSync, readFileSync } from 'node:fs';
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
import { checkSameOrigin, launchChromium, openSession, tiplineServer } from '../helpers/e2e.js';
import { checkMode, webStorage } from '../helpers/page-checks.js';
import { EditorCommands } from '../helpers/editor-commands.js';
import { SubmissionPage } from '../helpers/navigators/submission.js';
import { MailboxPage } from '../helpers/navigators/mailbox.js';

const TIP = 'Ballot boxes were carried out of station 12 at 19:40 — Избирательный участок.';
const REPLY = 'Thank you. Who carried them out? Did anyone film it?';
const FOLLOW_UP = 'Two men from the district office. A neighbour has a video 📹.';

for (const mode of ['normal', 'jitless'] as const)
  t.test(`a conversation between a source in Chromium (${mode}) and the desk`, async (t) => {
    // A low proof-of-work difficulty keeps this test quick (test/e2e/pow.test.ts covers the real one).
    const server = await tiplineServer(t, { keygen: true });
    const origin = server.url;
    const desk = new EditorCommands(t, server);

    const browser = await launchChromium(t, mode);
    const { context, page, requests, problems, sent: sentText } = await openSession(t, browser);

    // 1. The source sends a tip, after confirming the return passphrase.
    const submission = await new SubmissionPage(page, origin).visit();
    await checkMode(t, page, mode);
    await submission.ready();
    const words = await submission.readPassphrase();
    t.equal(words.length, 12, 'the page shows 12 words');
    t.ok(await page.locator('#passphrase').isVisible(), 'the passphrase step is visible');
    await submission.fillMessage(TIP);
    t.match(await submission.submitRefused(), /tick the box/, 'nothing is sent before the passphrase is confirmed');
    t.notOk(
      requests.some((r) => r.includes('/api/mailboxes') || r.includes('/api/tips')),
      'no mailbox, no tip yet',
    );
    await submission.confirmPassphrase();
    t.match(await submission.submit(), /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/, 'a receipt is shown');
    t.match(await page.locator('#confirmation').textContent(), /come back later/, 'the confirmation reminds of the passphrase');
    t.equal(await page.locator('#confirmation a').getAttribute('href'), '/mailbox?lang=en', 'and links to the mailbox page, in its language');
    t.equal(await page.locator('#passphrase-words li').count(), 0, 'the words are gone from the page');
    t.ok(requests.includes(`POST ${origin}/api/mailboxes`), 'the mailbox was created');
    const passphrase = words.join(' ');

    // 2. The desk: fetch, decrypt, reply, upload.
    const { fetched } = await desk.fetchAndDecrypt('new1.bundle');
    t.match(fetched.stdout, /fetched 1 new record/);
    const [tip] = desk.records();
    t.equal(tip?.message, TIP, 'the tip decrypts to what was typed');
    const mailbox = tip?.json.mailbox ?? '';
    t.match(mailbox, /^[0-9a-f]{32}$/, 'the tip carries the mailbox to answer');
    await desk.replyAndUpload(mailbox, REPLY);

    // The attack: rows written straight into the server's real SQLite file (a second connection),
    // sealed to the source's reply key (it is in the mailboxes table) and naming the mailbox: one
    // signed by a key of the attacker's, one unsigned.
    const sourceKem = fromBase64Url(
      (JSON.parse(readFileSync(join(desk.tips, readdirSync(desk.tips).find((n) => /^\d{4}-/.test(n))!, 'tip.json'), 'utf8')) as { body: { reply: { kemPublicKey: string } } }).body.reply.kemPublicKey,
    )!;
    const impostor = await generateEditorKeyPair();
    const forged = (body: Uint8Array) => sealEnvelope({ kind: 'reply', recipients: [sourceKem, impostor.publicKey], body });
    const attackerDb = openDatabase(join(server.dataDir, DATABASE_FILE));
    new MailboxStore(attackerDb).addReplies([
      {
        mailbox,
        envelope: await forged(
          await signBody(
            'reply',
            { v: 1, message: 'FORGED: go to the district office at 9', clientTime: new Date().toISOString(), mailbox, editor: toBase64Url(impostor.signPublicKey) },
            impostor.signSecretKey,
          ),
        ),
      },
      { mailbox, envelope: await forged(encodeBody({ v: 1, message: 'FORGED: unsigned', clientTime: new Date().toISOString(), mailbox })) },
    ]);
    attackerDb.close();

    // 3. The source comes back: a typo first (caught in the page), then the right words.
    const mailboxPage = new MailboxPage(page, origin);
    await mailboxPage.visit();
    t.equal(await page.title(), 'Your mailbox');
    await mailboxPage.ready();
    const typo = [...words];
    typo[2] = `${typo[2]}q`;
    const before = requests.length;
    t.match(await mailboxPage.logInRefused(typo.join(' ')), /Word 3 is not one of the passphrase words/, 'the typo is named');
    t.match(await mailboxPage.logInRefused(words.slice(0, 11).join(' ')), /You typed 11 words; the return passphrase has 12/, 'a missing word is named');
    // Focusing the form starts the proof-of-work worker (a static asset, src/client/shared.ts
    // lazyWorker); what must not happen is any request that carries something of the source's.
    t.same(
      requests.slice(before).filter((r) => !/^GET [^ ]*\/assets\/pow-worker\.[0-9a-f]+\.js$/.test(r)),
      [],
      'no request was sent for a mistyped passphrase',
    );
    // Well-formed words of a mailbox that does not exist: the server's one answer, shown plainly.
    await mailboxPage.logInRefused(await newPassphrase(), 'does not open a mailbox');
    t.ok(await page.locator('#mailbox-inbox').isHidden(), 'a wrong passphrase opens nothing');

    const started = Date.now();
    await mailboxPage.logIn(passphrase.toUpperCase());
    // A measurement for docs/PERFORMANCE.md, not an assertion: key derivation, challenge,
    // signature, login and opening the reply.
    t.comment(`${mode}: logging in and opening one reply took ${Date.now() - started} ms`);
    await mailboxPage.waitForReplies(3);
    t.same(await mailboxPage.readReplies(), [REPLY], 'the genuine reply is shown, decrypted and verified in the browser');
    const unverified = await mailboxPage.readUnverifiedReplies();
    t.equal(unverified.length, 2, 'both forged replies are marked');
    for (const text of unverified) t.match(text, /failed verification: it is NOT from the editors/);
    t.notMatch(await page.locator('#mailbox-replies').textContent(), 'FORGED', 'no forged text is shown');
    t.equal(await page.inputValue('#mailbox-passphrase'), '', 'the passphrase is cleared from the page');
    const cookies = await context.cookies();
    t.same(
      cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
      [['tipline_session', true, 'Strict']],
      'one HttpOnly SameSite=Strict session cookie',
    );

    // 4. A follow-up from the mailbox.
    await mailboxPage.writeFollowUp(FOLLOW_UP);
    t.match(await mailboxPage.sendFollowUp(), /^Your message was received/);
    t.equal(await page.inputValue('#mailbox-follow-up-message'), '', 'the follow-up text is dropped once stored');

    // 5. The desk files the follow-up in the same thread as the tip.
    await desk.fetchAndDecrypt('new2.bundle');
    const thread = desk.records().filter((r) => r.json.mailbox === mailbox);
    t.ok(
      thread.some((r) => r.message === TIP),
      'the tip is in the thread',
    );
    t.ok(
      thread.some((r) => r.message === FOLLOW_UP),
      'the follow-up is in the same thread',
    );
    const index = readFileSync(join(desk.tips, 'index.html'), 'utf8');
    const start = index.indexOf(`id="mailbox-${mailbox}"`);
    t.ok(start >= 0, 'index.html has the thread');
    const section = index.slice(start, index.indexOf('</section>', start));
    t.match(section, 'Ballot boxes were carried out of station 12');
    t.match(section, 'Two men from the district office.');

    // 6. The source deletes the reply and logs out; nothing stays in the browser.
    await mailboxPage.deleteReplies();
    t.equal(await page.locator('.reply').count(), 0, 'the reply is deleted');
    await mailboxPage.logOut();
    t.match(await page.locator('#status').textContent(), /logged out/);
    t.same(await context.cookies(), [], 'the session cookie is gone');
    t.equal(await webStorage(page), 0, 'nothing in web storage');
    const after = await page.evaluate(async () => (await fetch('/api/mailbox/replies')).status);
    t.equal(after, 401, 'the session is forgotten on the server');
    t.same(
      problems.filter((line) => !/401/.test(line)),
      [],
      'no console errors',
    );
    const everything = sentText.join('\n').toLowerCase();
    for (let i = 0; i + 2 <= words.length; i++) t.notOk(everything.includes(`${words[i]} ${words[i + 1]}`), `words ${i + 1}–${i + 2} of the passphrase were never sent`);
    checkSameOrigin(t, requests, origin);
  });
