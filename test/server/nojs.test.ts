// The no-JavaScript fallback through app.inject on a real SQLite file: a plain form post is
// sealed on the server with the same envelope and keys, stored, and answered with a page; bad
// input is refused with a page and nothing stored; the off switch, the global rate limit, the
// size limit; conversations without JavaScript; files (encrypted as they stream in, limits,
// nothing left behind on a refusal); and no plaintext in the logs or the data files.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/server/config.js';
import { DATABASE_FILE, type openDatabase } from '../../src/server/store/db.js';
import { MailboxStore } from '../../src/server/store/mailboxes.js';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { fromBase64Url } from '../../src/crypto/bytes.js';
import { mailboxKeys, newPassphrase } from '../../src/crypto/mailbox.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { sealReply } from '../../src/offline/reply.js';
import { NOJS_MAILBOX_PATH, NOJS_TIP_PATH } from '../../src/views/contract.js';
import { NOJS_MAX_BODY_BYTES } from '../../src/server/plugins/nojs.js';
import { validateSchema, type FormSchema } from '../../src/forms/schema.js';
import { createHash } from 'node:crypto';
import { FILE_CHUNK_SIZE, FILE_CIPHER, fileChunkCount, lastChunkCiphertextLength } from '../../src/crypto/attachment.js';
import { exportDatabase } from '../../src/server/store/export.js';
import { STORED } from '../../src/server/store/uploads.js';
import { decryptBundle, summaryOk } from '../../src/offline/decrypt.js';
import { pattern, tempDir, testApp } from '../helpers/fixtures.js';

interface Options {
  enabled?: boolean;
  burst?: number;
  perHour?: number;
  form?: FormSchema;
  /** TIPLINE_NOJS_MAX_FILE_BYTES and TIPLINE_MAX_FILES. */
  maxFileBytes?: number;
  maxFiles?: number;
  /** TIPLINE_MIN_FREE_BYTES. */
  minFreeBytes?: number;
}

async function nojsApp(t: { teardown(fn: () => void | Promise<void>): void }, options: Options = {}) {
  let offset = 0;
  const env: Record<string, string> = {
    TIPLINE_NOJS: options.enabled === false ? 'off' : 'on',
    TIPLINE_NOJS_BURST: String(options.burst ?? 100),
    TIPLINE_NOJS_PER_HOUR: String(options.perHour ?? 3600),
  };
  if (options.maxFileBytes) env.TIPLINE_NOJS_MAX_FILE_BYTES = String(options.maxFileBytes);
  if (options.maxFiles !== undefined) env.TIPLINE_MAX_FILES = String(options.maxFiles);
  if (options.minFreeBytes !== undefined) env.TIPLINE_MIN_FREE_BYTES = String(options.minFreeBytes);
  const { app, db, dir, store, keys, logs } = await testApp(t, { editors: 2, env, clock: () => Date.now() + offset, ...(options.form ? { form: options.form } : {}) });
  return { app, db, dir, store, keys, logs, advance: (ms: number) => (offset += ms) };
}

/** A real multipart body, encoded by Node's own fetch machinery (as a browser would); `files` go in as the input `files`. */
async function formPost(url: string, fields: Record<string, string | Blob>, headers: Record<string, string> = {}, files: File[] = []) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  for (const file of files) data.append('files', file);
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: data });
  return {
    method: 'POST' as const,
    url,
    headers: { 'content-type': request.headers.get('content-type')!, ...headers },
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

const tipsIn = (db: ReturnType<typeof openDatabase>) => db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[];
const wordsOf = (html: string) => [...html.matchAll(/<li>([a-z]+)<\/li>/g)].map((m) => m[1]).join(' ');

t.test('a form post is sealed on the server, stored, and answered with the receipt and a passphrase', async (t) => {
  const { app, db, dir, keys, logs } = await nojsApp(t);
  const secret = 'Ballot box 17 in Dashoguz was stuffed at 14:00 by the deputy head ✓';
  const res = await app.inject(await formPost(NOJS_TIP_PATH, { lang: 'en', message: secret }));
  t.equal(res.statusCode, 201);
  t.match(res.headers['content-type'], /^text\/html/);
  t.match(res.headers['content-security-policy'], /default-src 'none'/, 'the same CSP as every page');
  t.equal(res.headers['cache-control'], 'no-store');
  t.notOk(res.headers['content-encoding'], 'a page with a passphrase is never compressed (BREACH)');
  t.notMatch(res.body, /<script|<style|style=/i, 'no script, no inline style');
  t.notOk(res.body.includes('Ballot box'), 'the page does not echo the tip');

  const rows = tipsIn(db);
  t.equal(rows.length, 1, 'one tip stored');
  const envelope = new Uint8Array(rows[0]!.envelope);
  const receipt = res.body.match(/id="receipt">([0-9A-F-]+)</)?.[1];
  t.equal(receipt, await receiptFor(envelope), 'the page shows the receipt of the stored envelope');
  for (const key of keys) {
    const opened = await openEnvelope(envelope, key.seed, { kind: 'tip' });
    const body = decodeBody(opened.body);
    t.equal(body.message, secret, 'every editor opens the same tip');
    t.equal(body.sealedByServer, true, 'marked sealed by the server');
    t.equal(body.lang, 'en');
    t.equal(body.clientTime, '', 'no time recorded by the server');
    const passphrase = wordsOf(res.body);
    t.equal(passphrase.split(' ').length, 12, 'a 12-word return passphrase is shown');
    const source = await mailboxKeys(passphrase);
    t.equal(body.reply?.mailbox, source.mailbox, 'the tip names the mailbox of the passphrase shown');
    t.ok(new MailboxStore(db).get(source.mailbox), 'the mailbox is registered (public keys only)');
  }
  const raw = db.prepare('SELECT * FROM mailboxes').all();
  t.notOk(JSON.stringify(raw).includes(wordsOf(res.body).split(' ')[0]!) && JSON.stringify(raw).includes(wordsOf(res.body).split(' ')[5]!), 'no words in the mailbox table');

  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    t.equal(bytes.indexOf(Buffer.from('Dashoguz')), -1, `no plaintext in ${file}`);
    t.equal(bytes.indexOf(Buffer.from(wordsOf(res.body))), -1, `no passphrase in ${file}`);
  }
  const text = logs.join('');
  t.notOk(text.includes('Dashoguz') || text.includes(wordsOf(res.body)), 'no plaintext or passphrase in the logs');
});

t.test('line breaks arrive as the page would send them; a storage failure says NOT stored', async (t) => {
  const { app, db, keys } = await nojsApp(t);
  t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: 'one\r\ntwo\rthree\nfour' }))).statusCode, 201);
  const opened = await openEnvelope(new Uint8Array(tipsIn(db)[0]!.envelope), keys[0]!.seed);
  t.equal(decodeBody(opened.body).message, 'one\ntwo\nthree\nfour', 'CRLF and CR become LF');
  db.close();
  const res = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'lost' }));
  t.equal(res.statusCode, 503);
  t.match(res.body, /it was NOT stored/);
});

t.test('a structured form without JavaScript: the same fields, checked the same way', async (t) => {
  const form = validateSchema({
    id: 'station',
    version: 3,
    fields: [
      { name: 'station', type: 'text', label: { en: 'Polling station' }, required: true },
      {
        name: 'what',
        type: 'multiple-choice',
        label: { en: 'What happened' },
        choices: [
          { value: 'stuffing', label: { en: 'Ballot stuffing' } },
          { value: 'carousel', label: { en: 'Carousel voting' } },
        ],
      },
      { name: 'count', type: 'number', label: { en: 'How many' }, integer: true, min: 0, max: 1000 },
    ],
  });
  const { app, db, keys } = await nojsApp(t, { form });
  const page = (await app.inject({ method: 'GET', url: '/' })).body;
  t.match(page, /name="field\.station"/, 'the page shows the form');
  const post = async (fields: [string, string][]) => {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: data });
    return app.inject({ method: 'POST', url: NOJS_TIP_PATH, headers: { 'content-type': request.headers.get('content-type')! }, payload: Buffer.from(await request.arrayBuffer()) });
  };
  const base: [string, string][] = [
    ['message', 'see the fields'],
    ['form.id', 'station'],
    ['form.version', '3'],
  ];
  const ok = await post([...base, ['field.station', ' 17 '], ['field.what', 'carousel'], ['field.what', 'stuffing'], ['field.count', '40']]);
  t.equal(ok.statusCode, 201);
  const body = decodeBody((await openEnvelope(new Uint8Array(tipsIn(db)[0]!.envelope), keys[0]!.seed)).body);
  t.same(body.form, { id: 'station', version: 3 });
  t.same(body.fields, { station: '17', what: ['stuffing', 'carousel'], count: 40 }, 'trimmed, choices in the schema order, a number');
  const missing = await post([...base, ['field.count', 'many']]);
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /Polling station/, 'names the missing field');
  t.match(missing.body, /How many/, 'and the invalid one');
  t.equal(
    (
      await post([
        ['message', 'x'],
        ['form.id', 'station'],
        ['form.version', '2'],
        ['field.station', '1'],
      ])
    ).statusCode,
    400,
    'a page for another version',
  );
  t.equal((await post([...base, ['field.station', '1'], ['field.nosuch', '1']])).statusCode, 201, 'an input the form does not have is ignored, as in the page');
  t.equal(tipsIn(db).length, 2);
});

t.test('bad input gets a page with a fixed message, and nothing is stored', async (t) => {
  const { app, db, logs } = await nojsApp(t);
  const secret = 'QUOTE-ME-NOT';
  const twiceData = new FormData();
  twiceData.append('message', secret);
  twiceData.append('message', secret);
  const twiceRequest = new Request('http://127.0.0.1/', { method: 'POST', body: twiceData });
  const twice = { method: 'POST' as const, url: NOJS_TIP_PATH, headers: { 'content-type': twiceRequest.headers.get('content-type')! }, payload: Buffer.from(await twiceRequest.arrayBuffer()) };
  const cases: [string, Awaited<ReturnType<typeof formPost>> | { method: 'POST'; url: string; headers?: Record<string, string>; payload?: string }, number, RegExp][] = [
    ['an empty message', await formPost(NOJS_TIP_PATH, { message: '  \n ' }), 400, /Please write your tip/],
    ['no message at all', await formPost(NOJS_TIP_PATH, { lang: 'en' }), 400, /Please write your tip/],
    ['an unknown field', await formPost(NOJS_TIP_PATH, { message: secret, [secret]: secret }), 400, /incomplete or damaged/],
    ['a field twice', twice, 400, /incomplete or damaged/],
    ['a file', await formPost(NOJS_TIP_PATH, { message: secret, attachment: new Blob([secret], { type: 'text/plain' }) }), 400, /incomplete or damaged/],
    ['a passphrase on the tip route', await formPost(NOJS_TIP_PATH, { message: secret, passphrase: secret }), 400, /incomplete or damaged/],
    ['JSON', { method: 'POST', url: NOJS_TIP_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ message: secret }) }, 415, /incomplete or damaged/],
    [
      'a broken multipart body',
      { method: 'POST', url: NOJS_TIP_PATH, headers: { 'content-type': 'multipart/form-data; boundary=XX' }, payload: `--XX\r\nContent-Disposition: form-data; name="message"\r\n\r\n${secret}` },
      400,
      /incomplete or damaged/,
    ],
    ['multipart without a boundary', { method: 'POST', url: NOJS_TIP_PATH, headers: { 'content-type': 'multipart/form-data' }, payload: secret }, 400, /incomplete or damaged/],
    ['no body', { method: 'POST', url: NOJS_TIP_PATH }, 400, /incomplete or damaged/],
    ['a message over the limit', await formPost(NOJS_TIP_PATH, { message: 'x'.repeat(100_001) }), 413, /too long/],
  ];
  for (const [name, request, status, text] of cases) {
    const res = await app.inject(request as never);
    t.equal(res.statusCode, status, `${name}: ${status}`);
    t.match(res.headers['content-type'], /^text\/html/, `${name}: a page`);
    t.match(res.body, /Nothing was sent/, `${name}: says nothing was sent`);
    t.match(res.body, text, `${name}: says why`);
    t.notOk(res.body.includes(secret), `${name}: does not quote the input`);
    t.match(res.headers['content-security-policy'], /default-src 'none'/);
  }
  t.equal(tipsIn(db).length, 0, 'nothing stored');
  t.notOk(logs.join('').includes(secret), 'nothing of the input in the logs');
});

t.test('the size limit is checked before the body is read', async (t) => {
  // Without attachments (TIPLINE_MAX_FILES=0) the limit is the form's alone.
  const { app, db } = await nojsApp(t, { maxFiles: 0 });
  const res = await app.inject({
    method: 'POST',
    url: NOJS_TIP_PATH,
    headers: { 'content-type': 'multipart/form-data; boundary=XX', 'content-length': String(NOJS_MAX_BODY_BYTES + 1) },
    payload: 'x'.repeat(NOJS_MAX_BODY_BYTES + 1),
  });
  t.equal(res.statusCode, 413);
  t.match(res.body, /too large/);
  // A body that lies about its length (chunked): counted while it streams.
  const big = await formPost(NOJS_TIP_PATH, { message: 'y'.repeat(NOJS_MAX_BODY_BYTES) });
  const streamed = await app.inject({ ...big, headers: { 'content-type': big.headers['content-type'], 'transfer-encoding': 'chunked' } });
  t.equal(streamed.statusCode, 413);
  t.equal(tipsIn(db).length, 0);
});

t.test('one global token bucket: 503 with a page when empty, refilled over time', async (t) => {
  const { app, db, advance } = await nojsApp(t, { burst: 2, perHour: 60 });
  for (let i = 0; i < 2; i++) t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: `tip ${i}` }))).statusCode, 201);
  const refused = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'one too many' }));
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '300');
  t.match(refused.body, /Too many messages were sent without JavaScript/);
  t.equal(tipsIn(db).length, 2, 'the refused tip was not stored');
  // The JavaScript path is not affected by the no-JS bucket.
  t.equal((await app.inject({ method: 'GET', url: '/api/pow' })).statusCode, 200, 'the proof-of-work path still answers');
  advance(60_000);
  t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: 'after a minute' }))).statusCode, 201, 'one token back after a minute at 60/hour');
  t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: 'again' }))).statusCode, 503);
});

t.test('TIPLINE_NOJS=off: the routes answer 410 without reading, the page keeps the old text', async (t) => {
  const { app, db } = await nojsApp(t, { enabled: false });
  const res = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'should not be read' }));
  t.equal(res.statusCode, 410);
  t.match(res.body, /does not accept tips without JavaScript/);
  t.equal((await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase: await newPassphrase() }))).statusCode, 410);
  t.equal(tipsIn(db).length, 0);
  const page = (await app.inject({ method: 'GET', url: '/' })).body;
  t.match(page, /JavaScript is needed/, 'the page says JavaScript is needed');
  t.notMatch(page, /server will encrypt it/);
  t.match(page, /<textarea id="message"[^>]*disabled/, 'the message box stays disabled without JavaScript');
  t.notMatch(page, /<noscript><button/, 'no no-JS button');

  const on = await nojsApp(t);
  const onPage = (await on.app.inject({ method: 'GET', url: '/' })).body;
  t.match(onPage, /<form id="tip-form"[^>]* method="post" action="\/nojs\/tip" enctype="multipart\/form-data"/, 'a real form post');
  t.match(onPage, /server sees your message in plain text/, 'the page is honest about the difference');
  t.match(onPage, /<noscript><button type="submit">/, 'a button for browsers without JavaScript');
  const mailboxPage = (await on.app.inject({ method: 'GET', url: '/mailbox' })).body;
  t.match(mailboxPage, /method="post" action="\/nojs\/mailbox"/);
});

t.test('configuration: one line per mistake', async (t) => {
  const dir = tempDir(t);
  const env = { TIPLINE_DATA_DIR: dir, TIPLINE_NOJS: 'maybe', TIPLINE_NOJS_BURST: '0', TIPLINE_NOJS_PER_HOUR: 'lots' };
  try {
    loadConfig(env);
    t.fail('accepted');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.same((err as ConfigError).problems, [
      'TIPLINE_NOJS: "maybe" is neither on nor off',
      'TIPLINE_NOJS_BURST: "0" is not a whole number from 1 to 100000',
      'TIPLINE_NOJS_PER_HOUR: "lots" is not a whole number from 1 to 1000000',
    ]);
  }
  t.same(loadConfig({ TIPLINE_DATA_DIR: dir }).nojs, { enabled: true, burst: 30, perHour: 120, maxFileBytes: 100 * 1024 * 1024 }, 'on by default');
  t.same(loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_NOJS: 'off', TIPLINE_NOJS_BURST: '5', TIPLINE_NOJS_PER_HOUR: '10', TIPLINE_NOJS_MAX_FILE_BYTES: '2147483648' }).nojs, {
    enabled: false,
    burst: 5,
    perHour: 10,
    maxFileBytes: 2 ** 31,
  });
  try {
    loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_NOJS_MAX_FILE_BYTES: '2147483649' });
    t.fail('accepted');
  } catch (err) {
    t.same((err as ConfigError).problems, ['TIPLINE_NOJS_MAX_FILE_BYTES: "2147483649" is not a whole number from 1 to 2147483648']);
  }
});

t.test('conversations without JavaScript: replies decrypted on the server, a follow-up sealed like a tip', async (t) => {
  const { app, db, keys, logs } = await nojsApp(t);
  const first = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'the first tip' }));
  const passphrase = wordsOf(first.body);
  const source = await mailboxKeys(passphrase);
  const mailboxes = new MailboxStore(db);
  const replyText = 'Thank you. Which polling station? <b>not bold</b>';
  mailboxes.addReplies([
    { mailbox: source.mailbox, envelope: await sealReply({ mailbox: source.mailbox, message: replyText, sourceKey: source.kemPublicKey, editorKeys: [keys[0]!.publicKey], signer: keys[0]! }) },
  ]);
  // A reply the source's key cannot open (sealed to the editors only) is named, not shown.
  mailboxes.addReplies([
    {
      mailbox: source.mailbox,
      envelope: await sealReply({ mailbox: source.mailbox, message: 'not for the source', sourceKey: keys[1]!.publicKey, editorKeys: [keys[0]!.publicKey], signer: keys[0]! }),
    },
  ]);

  // Any spacing and case, as people type it.
  const typed = `  ${passphrase.toUpperCase().split(' ').join('   ')} `;
  const open = await app.inject(await formPost(NOJS_MAILBOX_PATH, { lang: 'en', passphrase: typed }));
  t.equal(open.statusCode, 200);
  t.notOk(open.headers['set-cookie'], 'no cookie: every request carries the passphrase');
  t.ok(open.body.includes('Thank you. Which polling station? &lt;b&gt;not bold&lt;/b&gt;'), 'the reply, escaped');
  t.match(open.body, new RegExp(`<input type="hidden" name="passphrase" value="${passphrase}">`), 'the follow-up form carries the canonical passphrase');
  t.notMatch(open.body, /<script/i);
  t.match(open.body, /This answer could not be decrypted/, 'an unreadable reply is named');
  t.notOk(open.body.includes('not for the source'));

  const follow = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase, message: 'Station 17, Dashoguz' }));
  t.equal(follow.statusCode, 201);
  t.match(follow.body, /Your message was received\. Receipt: [0-9A-F]{4}-/);
  const rows = tipsIn(db);
  t.equal(rows.length, 2);
  const opened = await openEnvelope(new Uint8Array(rows[1]!.envelope), keys[1]!.seed);
  const followUp = [await openEnvelope(new Uint8Array(rows[0]!.envelope), keys[1]!.seed), opened].find((o) => o.kind === 'followUp')!;
  const body = decodeBody(followUp.body);
  t.equal(body.message, 'Station 17, Dashoguz');
  t.equal(body.sealedByServer, true);
  t.equal(body.reply?.mailbox, source.mailbox, 'the follow-up names the same mailbox');

  const typo = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase: passphrase.split(' ').slice(0, 11).join(' ') }));
  t.equal(typo.statusCode, 400);
  t.match(typo.body, /You typed 11 words/);
  const unknown = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase: await newPassphrase() }));
  t.equal(unknown.statusCode, 401);
  t.match(unknown.body, /does not open a mailbox/);
  const empty = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase, message: ' ' }));
  t.equal(empty.statusCode, 400);
  t.equal(tipsIn(db).length, 2, 'nothing more stored');
  const text = logs.join('');
  t.notOk(text.includes('Dashoguz') || text.includes(passphrase) || text.includes('polling'), 'no plaintext or passphrase in the logs');
  t.ok(fromBase64Url(body.reply!.kemPublicKey), 'the reply key travels');
});

t.test('a follow-up without JavaScript carries files too: same thread, decrypted byte-identical', async (t) => {
  const { app, db, dir, keys } = await nojsApp(t);
  const first = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'the first tip' }));
  const passphrase = wordsOf(first.body);
  const open = await app.inject(await formPost(NOJS_MAILBOX_PATH, { lang: 'en', passphrase }));
  t.match(open.body, /<input type="file" id="follow-up-files" name="files" multiple aria-describedby="follow-up-files-notice">/, 'the follow-up form takes files');
  t.match(open.body, /<p id="follow-up-files-notice" class="hint">Without JavaScript, files are sent as they are[^<]*NOT remove hidden information/, 'and says they are not cleaned');

  const photo = pattern(FILE_CHUNK_SIZE + 77, 9);
  const follow = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase, message: 'the protocol, photographed' }, {}, [new File([photo], 'protocol.jpg', { type: 'image/jpeg' })]));
  t.equal(follow.statusCode, 201);
  t.equal(uploadRows(db).uploads, 1);
  t.ok(db.prepare('SELECT tip_id FROM uploads').pluck().get(), 'the upload is linked to the follow-up');

  // Files without a message (a login post with a file part) store nothing.
  const loginWithFile = await app.inject(await formPost(NOJS_MAILBOX_PATH, { passphrase }, {}, [new File([photo], 'again.jpg')]));
  t.equal(loginWithFile.statusCode, 400);
  t.equal(uploadRows(db).uploads, 1, 'no second upload left behind');

  const bundle = join(dir, 'tips.bundle');
  await exportDatabase(join(dir, DATABASE_FILE), bundle);
  const out = join(tempDir(t), 'out');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: out, key: keys[0]! });
  t.ok(summaryOk(summary), JSON.stringify(summary.skipped));
  const withFiles = summary.decrypted.filter((folder) => existsSync(join(out, folder, 'files')));
  t.equal(withFiles.length, 1, 'one record has files');
  const tipJson = JSON.parse(readFileSync(join(out, withFiles[0]!, 'tip.json'), 'utf8')) as { kind?: string; mailbox?: string };
  t.equal(tipJson.kind, 'followUp', 'the follow-up');
  t.equal(sha256(readFileSync(join(out, withFiles[0]!, 'files', 'protocol.jpg'))), sha256(photo), 'byte-identical');
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const uploadRows = (db: ReturnType<typeof openDatabase>) => ({
  uploads: db.prepare('SELECT count(*) FROM uploads').pluck().get() as number,
  chunks: db.prepare('SELECT count(*) FROM upload_chunks').pluck().get() as number,
});

t.test('files without JavaScript: encrypted as they stream in, stored as uploads, byte-identical after export → decrypt', async (t) => {
  const { app, db, dir, keys, logs } = await nojsApp(t);
  const marker = 'NOJS-FILE-MARKER-7f3a9c';
  const video = pattern(2 * FILE_CHUNK_SIZE + 5, 1);
  const note = new TextEncoder().encode(`${marker} ${'protocol of the count '.repeat(40)}`);
  const exact = pattern(FILE_CHUNK_SIZE, 2);
  const files = [
    new File([video], 'video.mp4', { type: 'video/mp4' }),
    new File([note], 'C:\\Users\\me\\note.txt', { type: 'text/plain' }),
    new File([exact], 'exact.bin'),
    new File([], 'empty.txt', { type: 'text/plain' }),
  ];
  const res = await app.inject(await formPost(NOJS_TIP_PATH, { lang: 'en', message: 'files attached without JavaScript' }, {}, files));
  t.equal(res.statusCode, 201, 'received');

  const envelope = new Uint8Array(tipsIn(db)[0]!.envelope);
  const body = decodeBody((await openEnvelope(envelope, keys[1]!.seed, { kind: 'tip' })).body);
  t.equal(body.sealedByServer, true);
  t.same(
    body.files!.map((f) => [f.name, f.type, f.size, f.cipher, f.chunkSize, f.metadataStripped]),
    [
      ['video.mp4', 'video/mp4', video.length, FILE_CIPHER, FILE_CHUNK_SIZE, undefined],
      ['note.txt', 'text/plain', note.length, FILE_CIPHER, FILE_CHUNK_SIZE, undefined],
      ['exact.bin', 'application/octet-stream', exact.length, FILE_CIPHER, FILE_CHUNK_SIZE, undefined],
      ['empty.txt', 'text/plain', 0, FILE_CIPHER, FILE_CHUNK_SIZE, undefined],
    ],
    'one FileRef per file: the name without folders, no metadata stripped',
  );
  t.equal(new Set(body.files!.map((f) => f.key)).size, 4, 'a fresh key per file');
  // The same shape the browser produces: Padmé size class, whole zero chunks at the end.
  for (const file of body.files!) {
    const row = db.prepare(`SELECT chunks, last_chunk_bytes AS last, ${STORED} AS stored, tip_id FROM uploads WHERE id = ?`).get(file.upload) as {
      chunks: number;
      last: number;
      stored: number;
      tip_id: string | null;
    };
    t.same([row.chunks, row.last, row.stored], [fileChunkCount(file.size), lastChunkCiphertextLength(file.size), fileChunkCount(file.size)], `${file.name}: padded shape, complete`);
    t.ok(row.tip_id, `${file.name}: linked to the tip`);
  }
  t.equal(uploadRows(db).uploads, 4, 'no other upload rows');

  db.pragma('wal_checkpoint(PASSIVE)');
  for (const file of readdirSync(dir)) t.notOk(readFileSync(join(dir, file)).includes(marker), `${file}: no file plaintext`);
  t.notOk(logs.join('').includes(marker), 'no file plaintext in the logs');

  const bundle = join(dir, 'tips.bundle');
  await exportDatabase(join(dir, DATABASE_FILE), bundle);
  const out = join(tempDir(t), 'out');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: out, key: keys[0]! });
  t.ok(summaryOk(summary), JSON.stringify(summary.skipped));
  t.same(summary.sealedByServer?.length, 1, 'decrypt marks it sealed by the server');
  const tipDir = join(out, summary.decrypted[0]!);
  t.same(readdirSync(join(tipDir, 'files')).sort(), ['empty.txt', 'exact.bin', 'note.txt', 'video.mp4']);
  for (const [name, bytes] of [
    ['video.mp4', video],
    ['note.txt', note],
    ['exact.bin', exact],
    ['empty.txt', new Uint8Array(0)],
  ] as const) {
    t.equal(sha256(readFileSync(join(tipDir, 'files', name))), sha256(bytes), `${name} byte-identical`);
  }
});

t.test('file limits: refused with a page, nothing stored, no upload rows left behind', async (t) => {
  const max = FILE_CHUNK_SIZE + 100;
  const { app, db, logs } = await nojsApp(t, { maxFileBytes: max, maxFiles: 2 });
  const page = (await app.inject({ method: 'GET', url: '/' })).body;
  t.match(page, /<input type="file" id="files" name="files" multiple/, 'the page posts files without JavaScript');
  t.match(
    page,
    /<noscript><p id="files-nojs-notice" class="hint">Without JavaScript, files are sent as they are[^<]*NOT remove hidden information[^<]*At most 1\.0 MB in all/,
    'and says the server sees them and strips nothing',
  );
  t.match(page, /<p id="files-hint" class="hint needs-js">/, 'the hint that promises cleaning in the browser is for JavaScript only');
  const secret = 'FILE-SECRET-NOT-QUOTED';
  const file = (size: number, name = 'f.bin') => new File([pattern(size, size), secret], name);
  const cases: [string, Awaited<ReturnType<typeof formPost>>, number, RegExp][] = [
    ['one file over the limit', await formPost(NOJS_TIP_PATH, { message: 'x' }, {}, [file(max)]), 413, /at most 2 files, 1\.0 MB in all/],
    ['two files over the limit together', await formPost(NOJS_TIP_PATH, { message: 'x' }, {}, [file(FILE_CHUNK_SIZE / 2 + 100), file(FILE_CHUNK_SIZE / 2 + 100)]), 413, /in all/],
    ['too many files', await formPost(NOJS_TIP_PATH, { message: 'x' }, {}, [file(10), file(10), file(10)]), 400, /Too many or too large files/],
    ['a stored file, then an empty message', await formPost(NOJS_TIP_PATH, { message: ' ' }, {}, [file(FILE_CHUNK_SIZE + 10)]), 400, /Please write your tip/],
    ['a file on the mailbox route with a wrong passphrase', await formPost(NOJS_MAILBOX_PATH, { passphrase: 'x', message: 'x' }, {}, [file(10)]), 400, /You typed 1 word/],
  ];
  for (const [name, request, status, text] of cases) {
    const res = await app.inject(request);
    t.equal(res.statusCode, status, `${name}: ${status}`);
    t.match(res.body, /Nothing was sent/, `${name}: a page`);
    t.match(res.body, text, `${name}: says why`);
    t.notOk(res.body.includes(secret), `${name}: does not quote the input`);
    t.same(uploadRows(db), { uploads: 0, chunks: 0 }, `${name}: no upload rows left`);
  }
  // Over the limit by Content-Length: refused before anything is read or stored.
  const declared = await app.inject({
    method: 'POST',
    url: NOJS_TIP_PATH,
    headers: { 'content-type': 'multipart/form-data; boundary=XX', 'content-length': String(NOJS_MAX_BODY_BYTES + max + 1) },
    payload: 'x'.repeat(NOJS_MAX_BODY_BYTES + max + 1),
  });
  t.equal(declared.statusCode, 413);
  t.match(declared.body, /Too many or too large files/);
  t.equal(tipsIn(db).length, 0, 'no tip stored');
  t.same(uploadRows(db), { uploads: 0, chunks: 0 });
  t.notOk(logs.join('').includes(secret), 'nothing of the files in the logs');
  // Within the limits it goes through.
  t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: 'x' }, {}, [file(FILE_CHUNK_SIZE / 2), file(100)]))).statusCode, 201);
  t.same(uploadRows(db).uploads, 2);
});

t.test('a nearly full disk: a post with files is refused whole (507), one without files goes through', async (t) => {
  // More free space demanded than any test disk has: the real statfs says no.
  const { app, db } = await nojsApp(t, { minFreeBytes: 2 ** 50 });
  const refused = await app.inject(await formPost(NOJS_TIP_PATH, { message: 'with a file' }, {}, [new File([pattern(1000, 7)], 'photo.jpg')]));
  t.equal(refused.statusCode, 507);
  t.match(refused.body, /was NOT stored/, 'the page says nothing was stored');
  t.equal(tipsIn(db).length, 0, 'no tip stored');
  t.same(uploadRows(db), { uploads: 0, chunks: 0 }, 'no upload rows');
  t.equal((await app.inject(await formPost(NOJS_TIP_PATH, { message: 'text only' }))).statusCode, 201, 'text alone is still accepted');
  t.equal(tipsIn(db).length, 1);
});

t.test('files with attachments off, and a form whose file field names the files', async (t) => {
  const bare = await nojsApp(t, { maxFiles: 0 });
  t.notMatch((await bare.app.inject({ method: 'GET', url: '/' })).body, /name="files"/, 'no attachments with TIPLINE_MAX_FILES=0');
  const refused = await bare.app.inject(await formPost(NOJS_TIP_PATH, { message: 'x' }, {}, [new File(['a'], 'a.txt')]));
  t.equal(refused.statusCode, 400);
  t.equal(tipsIn(bare.db).length, 0);

  const form = validateSchema({
    id: 'evidence',
    version: 1,
    fields: [
      { name: 'station', type: 'text', label: { en: 'Polling station' } },
      { name: 'evidence', type: 'file', label: { en: 'Evidence' }, maxFiles: 1 },
    ],
  });
  const { app, db, keys } = await nojsApp(t, { form });
  const base = { message: 'see the photo', 'form.id': 'evidence', 'form.version': '1' };
  const ok = await app.inject(await formPost(NOJS_TIP_PATH, base, {}, [new File([pattern(2000, 9)], 'photo.jpg', { type: 'image/jpeg' })]));
  t.equal(ok.statusCode, 201);
  const body = decodeBody((await openEnvelope(new Uint8Array(tipsIn(db)[0]!.envelope), keys[0]!.seed)).body);
  t.same(body.fields, { evidence: [body.files![0]!.upload] }, 'the file field names the upload, as the page script does');
  const tooMany = await app.inject(await formPost(NOJS_TIP_PATH, base, {}, [new File(['a'], 'a.jpg'), new File(['b'], 'b.jpg')]));
  t.equal(tooMany.statusCode, 400, 'more files than the field takes');
  t.match(tooMany.body, /Evidence/);
  t.same(uploadRows(db).uploads, 1, 'the refused post left no upload behind');
});
