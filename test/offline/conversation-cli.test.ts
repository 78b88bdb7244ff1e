// The whole conversation through the real commands and the real server process: keygen (editor
// key and fetch key) → a source creates its mailbox and sends a tip → `editor fetch` → `decrypt`
// → `reply` → `editor upload` → the source logs in and reads the reply → sends a follow-up →
// `editor fetch` + `decrypt` file it in the same thread, and sign an acknowledgement → `editor ack`
// carries it (and refuses the bundle or an altered acknowledgement). And the refusals, and
// the attacks of whoever can write the server's database: a forged
// follow-up naming the mailbox without its signature, a forged tip naming it with other keys.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url, fromBase64Url } from '../../src/crypto/bytes.js';
import { encodeBody, decodeBody } from '../../src/crypto/body.js';
import { openEnvelope, sealEnvelope } from '../../src/crypto/envelope.js';
import { decodePublicKey, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { signBody } from '../../src/crypto/signing.js';
import { DATABASE_FILE, openDatabase } from '../../src/server/store/db.js';
import { TipStore } from '../../src/server/store/tips.js';
import { createMessage, loginMessage, sign } from '../../src/crypto/mailbox.js';
import { newSource } from '../helpers/conversation.js';
import { solvedPow, tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { LOW_POW, keygenEditor, runScript } from '../helpers/e2e.js';

const run = runScript;

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const post = (body: unknown, cookie?: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });

t.test('a conversation through the real commands and server', async (t) => {
  const dir = tempDir(t);
  const p = (name: string) => join(dir, name);
  const editorFiles = await keygenEditor(t, dir, 'correct horse battery staple');
  t.match(readFileSync(editorFiles.editors, 'utf8'), /^# Tipline fetch key.*\ntipline-fetch-1:[A-Za-z0-9_-]{43}\n$/);
  const server = await startServer(t, { TIPLINE_DATA_DIR: p('data'), ...editorFiles.env, ...LOW_POW });
  const url = server.url;
  const editorKey = decodePublicKey(
    readFileSync(editorFiles.recipients, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('tipline-editor-2:'))!,
  ).publicKey;

  // The source: a mailbox, then a tip carrying its reply keys.
  const { keys } = await newSource();
  const created = await json(
    `${url}/api/mailboxes`,
    post({
      mailbox: keys.mailbox,
      signPublicKey: toBase64Url(keys.signPublicKey),
      kemPublicKey: toBase64Url(keys.kemPublicKey),
      signature: toBase64Url(await sign(createMessage(keys.mailbox, keys.kemPublicKey), keys.signSecretKey)),
      pow: await solvedPow(url, keys.mailbox),
    }),
  );
  t.equal(created.status, 201);
  const reply = { mailbox: keys.mailbox, kemPublicKey: toBase64Url(keys.kemPublicKey), signPublicKey: toBase64Url(keys.signPublicKey) };
  const seal = async (kind: 'tip' | 'followUp', message: string) =>
    toBase64Url(await sealEnvelope({ kind, recipients: [editorKey], body: await signBody(kind, { v: 1, message, clientTime: new Date().toISOString(), reply }, keys.signSecretKey) }));
  const tip = await seal('tip', 'Ballot stuffing at polling station 12.');
  t.equal((await json(`${url}/api/tips`, post({ envelope: tip, pow: await solvedPow(url, tip) }))).status, 201);

  // The attacker writes the server's database (a second connection to the real SQLite file):
  // a follow-up naming the mailbox with its real public keys (they are in the mailboxes table),
  // unsigned; one signed by the attacker's own key; and a tip naming the mailbox with the
  // attacker's reply key, which would redirect the desk's answers.
  const attacker = await newSource();
  const attackerDb = openDatabase(join(p('data'), DATABASE_FILE));
  const forgeries = new TipStore(attackerDb);
  const forgedUnsigned = await sealEnvelope({
    kind: 'followUp',
    recipients: [editorKey],
    body: encodeBody({ v: 1, message: 'FORGED: meet me at the station', clientTime: new Date().toISOString(), reply }),
  });
  const forgedWrongKey = await sealEnvelope({
    kind: 'followUp',
    recipients: [editorKey],
    body: await signBody('followUp', { v: 1, message: 'FORGED: signed by someone else', clientTime: new Date().toISOString(), reply }, attacker.keys.signSecretKey),
  });
  const redirect = { ...reply, kemPublicKey: toBase64Url(attacker.keys.kemPublicKey) };
  const forgedTip = await sealEnvelope({
    kind: 'tip',
    recipients: [editorKey],
    body: await signBody('tip', { v: 1, message: 'FORGED: answer me here', clientTime: new Date().toISOString(), reply: redirect }, attacker.keys.signSecretKey),
  });
  const forgedIds = [await forgeries.add(forgedUnsigned), await forgeries.add(forgedWrongKey), await forgeries.add(forgedTip)];
  attackerDb.close();

  // The desk: fetch, decrypt, reply, upload.
  const editorArgs = ['--server', url, '--key', p('fetch.key')];
  const fetch1 = await run('editor', ['fetch', ...editorArgs, '--out', p('new1.bundle')]);
  t.equal(fetch1.code, 0, fetch1.stderr);
  t.match(fetch1.stdout, /fetched 4 new records/);
  const decrypt1 = await run('decrypt', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--in', p('new1.bundle'), '--out', p('tips')]);
  t.equal(decrypt1.code, 0, decrypt1.stderr);
  const index1 = readFileSync(p('tips/index.html'), 'utf8');
  t.match(index1, `mailbox <span class="mailbox">${keys.mailbox}</span>`, 'the thread shows the mailbox id needed to answer');
  for (const id of forgedIds) {
    t.match(decrypt1.stdout, new RegExp(`NOT VERIFIED: \\d{4}-\\d{2}-\\d{2}_${id} names mailbox ${keys.mailbox} but`), 'decrypt names each forgery');
  }
  t.match(decrypt1.stdout, /but it is not signed by the mailbox key/);
  t.match(decrypt1.stdout, /but its mailbox signature is wrong/);
  t.match(decrypt1.stdout, /but it names a mailbox with keys that do not belong to it/);
  const thread1 = index1.slice(index1.indexOf(`id="mailbox-${keys.mailbox}"`), index1.indexOf('</section>', index1.indexOf(`id="mailbox-${keys.mailbox}"`)));
  t.match(thread1, 'Ballot stuffing at polling station 12.');
  t.notMatch(thread1, 'FORGED', 'no forgery is filed in the thread as from the source');

  writeFileSync(p('reply.txt'), 'Thank you. Which district is station 12 in?');
  const replyArgs = ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--decrypted', p('tips'), '--in', p('reply.txt')];
  const sealed = await run('reply', [...replyArgs, '--mailbox', keys.mailbox, '--out', p('reply.bundle')]);
  t.equal(sealed.code, 0, sealed.stderr);
  // The forged records are skipped and named; the reply still goes to the genuine source.
  for (const id of forgedIds) t.match(sealed.stderr, new RegExp(`tipline reply: skipped \\d{4}-\\d{2}-\\d{2}_${id}: `));
  t.match(sealed.stderr, /keys that do not belong to it \(it may be forged\)/);
  const stranger = await newSource();
  const noThread = await run('reply', [...replyArgs, '--mailbox', stranger.keys.mailbox, '--out', p('x.bundle')]);
  t.equal(noThread.code, 1);
  t.match(noThread.stderr, /^tipline reply: no verified decrypted tip .* belongs to mailbox/);
  const upload = await run('editor', ['upload', ...editorArgs, '--in', p('reply.bundle')]);
  t.equal(upload.code, 0, upload.stderr);
  t.match(upload.stdout, /uploaded 1 reply/);

  // The source comes back: logs in, reads the reply, sends a follow-up, logs out.
  const challenge = (await json(`${url}/api/mailbox/challenge`)).body.challenge as string;
  const login = await json(
    `${url}/api/mailbox/login`,
    post({ mailbox: keys.mailbox, challenge, signature: toBase64Url(await sign(loginMessage(fromBase64Url(challenge)!, keys.mailbox), keys.signSecretKey)) }),
  );
  t.equal(login.status, 204);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const replies = await json(`${url}/api/mailbox/replies`, { headers: { cookie } });
  t.equal(replies.body.replies.length, 1);
  const opened = await openEnvelope(fromBase64Url(replies.body.replies[0].envelope)!, keys.kemSeed);
  t.equal(decodeBody(opened.body).message, 'Thank you. Which district is station 12 in?');
  const followUp = await seal('followUp', 'It is in the Balkan district.');
  const sent = await json(`${url}/api/mailbox/follow-ups`, post({ envelope: followUp, pow: await solvedPow(url, followUp) }, cookie));
  t.equal(sent.status, 201);
  t.equal((await json(`${url}/api/mailbox/logout`, { method: 'POST', headers: { cookie } })).status, 204);

  // The desk again: the follow-up (and its own copy of the reply) join the same thread.
  const fetch2 = await run('editor', ['fetch', ...editorArgs, '--out', p('new2.bundle')]);
  t.equal(fetch2.code, 0, fetch2.stderr);
  t.match(fetch2.stdout, /fetched 5 new records/, 'the tip and the forgeries are not acknowledged yet, the follow-up is new');
  const decrypt2 = await run('decrypt', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--in', p('new2.bundle'), '--out', p('tips')]);
  t.equal(decrypt2.code, 0, decrypt2.stderr);
  const desk = await run('decrypt', ['--key', p('editor.key'), '--passphrase-file', p('pass'), '--in', p('reply.bundle'), '--out', p('tips')]);
  t.equal(desk.code, 0, desk.stderr);
  const index2 = readFileSync(p('tips/index.html'), 'utf8');
  const thread = index2.slice(index2.indexOf(`id="mailbox-${keys.mailbox}"`), index2.indexOf('</section>', index2.indexOf(`id="mailbox-${keys.mailbox}"`)));
  t.match(thread, 'Ballot stuffing at polling station 12.');
  t.match(thread, 'Which district is station 12 in?');
  t.match(thread, 'It is in the Balkan district.');
  t.match(thread, 'follow-up from the source');
  t.match(thread, 'reply from the desk');

  // Signed acknowledgements: decrypt signed new2.bundle.ack with the editor
  // signing key; `editor ack` only carries it. The bundle itself, or the ack altered on the
  // online workstation, acknowledges nothing.
  t.match(decrypt2.stdout, /signed an acknowledgement of 5 records into .*new2\.bundle\.ack/);
  t.notMatch(desk.stdout, /acknowledgement/, 'a reply bundle names nothing to acknowledge');
  const oldWay = await run('editor', ['ack', ...editorArgs, '--bundle', p('new2.bundle')]);
  t.equal(oldWay.code, 2);
  t.match(oldWay.stderr, /--in <bundle>\.ack/);
  const notAck = await run('editor', ['ack', ...editorArgs, '--in', p('new2.bundle')]);
  t.equal(notAck.code, 1);
  t.match(notAck.stderr, /not a signed acknowledgement/);
  const signedAck = readFileSync(p('new2.bundle.ack'), 'utf8');
  writeFileSync(
    p('altered.ack'),
    signedAck.replace(/"expires":"(\d{4})-/, (_, y: string) => `"expires":"${Number(y) + 1}-`),
  );
  const altered = await run('editor', ['ack', ...editorArgs, '--in', p('altered.ack')]);
  t.equal(altered.code, 1);
  t.match(altered.stderr, /the server refused: .*(signature is wrong|clock right).*nothing was acknowledged \(HTTP 403\)/);
  t.match((await run('editor', ['fetch', ...editorArgs, '--out', p('still.bundle')])).stdout, /fetched 5 new records/, 'nothing was acknowledged');
  const ack = await run('editor', ['ack', ...editorArgs, '--in', p('new2.bundle.ack')]);
  t.equal(ack.code, 0, ack.stderr);
  t.match(ack.stdout, /acknowledged 5 of 5/);
  const fetch3 = await run('editor', ['fetch', ...editorArgs, '--out', p('new3.bundle')]);
  t.match(fetch3.stdout, /fetched 0 new records/);

  // Refusals: a reply to a mailbox the server does not know; a key the server does not list.
  const { sealReply, writeReplyBundle } = await import('../../src/offline/reply.js');
  await writeReplyBundle(
    p('unknown.bundle'),
    stranger.keys.mailbox,
    await sealReply({ mailbox: stranger.keys.mailbox, message: 'hi', sourceKey: stranger.keys.kemPublicKey, editorKeys: [editorKey], signer: await generateEditorKeyPair() }),
  );
  const unknown = await run('editor', ['upload', ...editorArgs, '--in', p('unknown.bundle')]);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, new RegExp(`^tipline editor: the server refused: there is no mailbox ${stranger.keys.mailbox} .*nothing was stored \\(HTTP 404\\)`));
  t.equal((await run('keygen', ['--fetch-key', '--out', p('other.key')])).code, 0);
  const unlisted = await run('editor', ['fetch', '--server', url, '--key', p('other.key'), '--out', p('x2.bundle')]);
  t.equal(unlisted.code, 1);
  t.match(unlisted.stderr, /the server refused: unauthorized \(HTTP 401\)/);
  t.equal((await run('editor', ['fetch', '--server', url])).code, 2, 'usage');
});
