// The editor API: signed requests only (unsigned, stale, replayed, wrongly signed → one
// generic 401), fetch as a bundle, ack, and reply upload (all or nothing).
import t from 'tap';
import { loadSodium } from '../../src/crypto/sodium.js';
import { parseBundleStrict, bundleText } from '../../src/crypto/bundle.js';
import { sealReply } from '../../src/offline/reply.js';
import { parseFetchKeys, encodeFetchPublicKey } from '../../src/crypto/editor-request.js';
import { UNAUTHORIZED } from '../../src/server/plugins/editor-api.js';
import { TipStore } from '../../src/server/store/tips.js';
import { UploadStore } from '../../src/server/store/uploads.js';
import { encryptFile, generateFileKey } from '../../src/crypto/attachment.js';
import { conversationApp, createMailbox, editorRequest, newSource } from '../helpers/conversation.js';
import { sealTip } from '../helpers/fixtures.js';
import { addDays, signAck } from '../../src/crypto/ack.js';
import { fromUtf8 } from '../../src/crypto/bytes.js';
import { generateEditorKeyPair } from '../../src/crypto/keys.js';
import { DEFAULT_RETENTION, purgeExpired } from '../../src/server/store/retention.js';
import { utcDate } from '../../src/server/store/tips.js';

// Acks below are valid at least through tomorrow, so a run across midnight UTC changes nothing.
const today = () => utcDate();

// Whoever steals the online workstation has its fetch key, and used to
// be able to acknowledge every new tip, so the desk never fetched it and retention deleted it
// 7 days later. Now only an acknowledgement signed by an editor signing key counts.
t.test('acknowledgements: only what an editor signing key of TIPLINE_RECIPIENTS signed is marked', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t, { editors: 2 });
  const store = new TipStore(db);
  const tipId = await store.add(await sealTip([keys[0]!.publicKey, keys[1]!.publicKey], 'a tip the desk has not fetched'));
  const otherId = await store.add(await sealTip([keys[0]!.publicKey, keys[1]!.publicKey], 'another one'));
  const ackedOn = (id: string) => (db.prepare('SELECT acked_on FROM tips WHERE id = ?').get(id) as { acked_on: string | null }).acked_on;
  const send = async (body: string) => (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', body)).send();
  const refused = async (body: string, status: number, error: RegExp, name: string) => {
    const response = await send(body);
    t.equal(response.statusCode, status, name);
    t.match(JSON.parse(response.body).error, error, name);
    t.match(JSON.parse(response.body).error, /nothing was acknowledged$/, name);
    t.equal(ackedOn(tipId), null, `${name}: nothing marked`);
    t.equal(ackedOn(otherId), null, `${name}: nothing marked`);
  };

  // The thief: a valid fetch key and request signature, but no editor key.
  await refused(JSON.stringify({ ids: [tipId, otherId] }), 400, /not a signed acknowledgement/, 'only a fetch key: the old unsigned list');
  await refused(
    fromUtf8(await signAck([tipId], today(), { signPublicKey: fetchKey.publicKey, signSecretKey: fetchKey.privateKey })),
    403,
    /not signed by an editor key of this tip line/,
    'only a fetch key: signed with the fetch key itself',
  );
  const stranger = await generateEditorKeyPair();
  await refused(fromUtf8(await signAck([tipId], today(), stranger)), 403, /not signed by an editor key of this tip line/, 'signed by an editor key not in TIPLINE_RECIPIENTS');
  const genuine = fromUtf8(await signAck([otherId], addDays(today(), 3), keys[1]!));
  await refused(genuine.replace(otherId, tipId), 403, /signature is wrong/, 'a genuine ack altered to name another id');
  await refused(genuine.replace(`"ids":["${otherId}"`, `"ids":["${[otherId, tipId].sort().join('","')}"`), 403, /signature is wrong/, 'a genuine ack with an id added');
  await refused(fromUtf8(await signAck([tipId], addDays(today(), -1), keys[0]!)), 403, /expired on/, 'an expired ack (yesterday was its last day)');
  await refused(fromUtf8(await signAck([tipId], addDays(today(), 30), keys[0]!)), 403, /clock right/, 'an ack expiring a month ahead');
  await refused('', 400, /not a signed acknowledgement/, 'an empty body');

  // Retention does not shorten the tip's life: 8 days on, the refused acks left it in place.
  const inEightDays = addDays(today(), 8);
  t.equal(purgeExpired(db, DEFAULT_RETENTION, inEightDays).deleted.tips, 0, 'nothing purged 8 days later');
  t.equal((db.prepare('SELECT count(*) AS n FROM tips').get() as { n: number }).n, 2);
  const fetched = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined)).send();
  t.same((await parseBundleStrict(new TextEncoder().encode(fetched.body))).records.map((r) => r.id).sort(), [tipId, otherId].sort(), 'the desk still fetches both');

  // The genuine one, by either editor: marked, and replaying it marks nothing new.
  t.same(JSON.parse((await send(genuine)).body), { acknowledged: 1 }, "the second editor's genuine ack");
  t.ok(ackedOn(otherId));
  t.equal(ackedOn(tipId), null, 'only the id it names');
  t.same(JSON.parse((await send(genuine)).body), { acknowledged: 0 }, 'replayed within its validity: nothing new');
  t.same(JSON.parse((await send(fromUtf8(await signAck([tipId, otherId], addDays(today(), 1), keys[0]!)))).body), { acknowledged: 1 }, 'the first editor acknowledges both: one newly');
});

t.test('every unsigned, stale, replayed, unknown or wrongly signed request gets the same 401', async (t) => {
  const { app, fetchKey, nowSeconds } = await conversationApp(t);
  const sodium = await loadSodium();
  const stranger = sodium.crypto_sign_keypair();
  const refused = async (response: { statusCode: number; body: string }, name: string) => {
    t.equal(response.statusCode, 401, name);
    t.same(JSON.parse(response.body), { error: UNAUTHORIZED }, name);
  };
  await refused(await app.inject({ method: 'GET', url: '/api/editor/records' }), 'unsigned');
  await refused(await (await editorRequest(app, stranger.privateKey, 'GET', '/api/editor/records', undefined)).send(), 'a key not in TIPLINE_EDITORS');
  await refused(await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { nowSeconds: nowSeconds() - 301 })).send(), 'stale');
  await refused(await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined, { nowSeconds: nowSeconds() + 301 })).send(), 'from the future');
  const good = await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', '{"ids":[]}');
  t.equal((await good.send()).statusCode, 400, 'signed and fresh: past the request check (the unsigned ack body is then refused)');
  await refused(await good.send(), 'replayed');
  const altered = await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', '{"ids":[]}');
  await refused(await app.inject({ ...altered.request, payload: '{"ids": []}' }), 'the body changed after signing');
  const path = await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined);
  await refused(await app.inject({ ...path.request, url: '/api/editor/records?x=1' }), 'the path changed after signing');
  const mixed = await editorRequest(app, stranger.privateKey, 'GET', '/api/editor/records', undefined);
  const mine = await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined);
  await refused(
    await app.inject({ ...mine.request, headers: { ...mine.request.headers, 'tipline-signature': mixed.request.headers['tipline-signature']! } }),
    'a listed key with another key’s signature',
  );
});

t.test('fetch returns unacknowledged tips and follow-ups as a bundle; ack marks them', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t);
  const store = new TipStore(db);
  const tipId = await store.add(await sealTip([keys[0]!.publicKey], 'tip'));
  const followUpId = await store.add(await sealTip([keys[0]!.publicKey], 'follow-up', 'followUp'));
  const fetched = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined)).send();
  t.equal(fetched.statusCode, 200);
  t.match(fetched.headers['content-type'], /application\/x-ndjson/);
  const { records } = await parseBundleStrict(new TextEncoder().encode(fetched.body));
  t.same(records.map((r) => r.id).sort(), [tipId, followUpId].sort());
  const ack = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', fromUtf8(await signAck([tipId], addDays(today(), 1), keys[0]!)))).send();
  t.same(JSON.parse(ack.body), { acknowledged: 1 });
  t.ok((db.prepare('SELECT acked_on FROM tips WHERE id = ?').get(tipId) as { acked_on: string }).acked_on);
  const again = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined)).send();
  t.same(
    (await parseBundleStrict(new TextEncoder().encode(again.body))).records.map((r) => r.id),
    [followUpId],
  );
  const bad = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', JSON.stringify({ ids: ['../x'] }))).send();
  t.equal(bad.statusCode, 400);
});

t.test('a reply to an unknown mailbox is refused with a clear error and nothing is stored', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t);
  const known = await newSource();
  const unknown = await newSource();
  await createMailbox(app, known.keys);
  const reply = async (mailbox: string, sourceKey: Uint8Array, id: string) => ({
    id,
    received: '2026-01-02',
    mailbox,
    envelope: await sealReply({ mailbox, message: 'hello', sourceKey, editorKeys: [keys[0]!.publicKey], signer: keys[0]! }),
  });
  const bundle = await bundleText([await reply(known.keys.mailbox, known.keys.kemPublicKey, 'a'.repeat(32)), await reply(unknown.keys.mailbox, unknown.keys.kemPublicKey, 'b'.repeat(32))]);
  const response = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/replies', bundle, { contentType: 'application/x-ndjson' })).send();
  t.equal(response.statusCode, 404);
  t.match(JSON.parse(response.body).error, new RegExp(`no mailbox ${unknown.keys.mailbox}.*nothing was stored`));
  t.equal((db.prepare('SELECT count(*) AS n FROM replies').get() as { n: number }).n, 0, 'not even the good one');

  const cut = bundle.split('\n').slice(0, 2).join('\n') + '\n';
  const truncated = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/replies', cut, { contentType: 'application/x-ndjson' })).send();
  t.equal(truncated.statusCode, 400);
  t.match(JSON.parse(truncated.body).error, /truncated/);
  const tips = await bundleText([{ id: 'c'.repeat(32), received: '2026-01-02', envelope: await sealTip([keys[0]!.publicKey], 'x') }]);
  const notReplies = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/replies', tips, { contentType: 'application/x-ndjson' })).send();
  t.equal(notReplies.statusCode, 400);
});

t.test('TIPLINE_EDITORS lines: one fetch key per line, mistakes named by line', async (t) => {
  const sodium = await loadSodium();
  const a = encodeFetchPublicKey(sodium.crypto_sign_keypair().publicKey);
  t.equal(parseFetchKeys(`# desk\n${a} # anna\n\n`).length, 1);
  t.throws(() => parseFetchKeys(`${a}\n${a}\n`), /line 2: the same key/);
  t.throws(() => parseFetchKeys('tipline-editor-1:abc\n'), /line 1: a fetch public key starts with/);
});

// Attachments through the editor API: the records bundle lists each tip's uploads (file lines,
// no chunks), GET /api/editor/uploads/:id?from=N streams their chunks, signed like the rest.
t.test('fetch lists attached uploads; the uploads route streams their chunks from any index', async (t) => {
  const { app, db, keys, fetchKey } = await conversationApp(t);
  const tips = new TipStore(db);
  const uploads = new UploadStore(db);
  const upload = async (size: number, seed: number) => {
    const chunks = await encryptFile(generateFileKey(), new Uint8Array(size).fill(seed));
    const id = uploads.create(chunks.length, chunks.at(-1)!.length);
    chunks.forEach((c, i) => {
      uploads.put(id, i, c);
    });
    return { id, chunks };
  };
  const big = await upload(2 * 1_048_576 + 5, 1); // three chunks
  const small = await upload(10, 2);
  const loose = await upload(10, 3); // never attached to a tip
  const tipId = await tips.add(await sealTip([keys[0]!.publicKey], 'with files'), [big.id, small.id]);
  const plainId = await tips.add(await sealTip([keys[0]!.publicKey], 'no files'));

  const fetched = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined)).send();
  t.equal(fetched.statusCode, 200);
  await t.rejects(parseBundleStrict(new TextEncoder().encode(fetched.body)), /attachments are not accepted here/, 'a reader that does not expect attachments fails loudly');
  const { records, files } = await parseBundleStrict(new TextEncoder().encode(fetched.body), { files: true });
  t.same(records.map((r) => r.id).sort(), [tipId, plainId].sort());
  const expected = [big, small].sort((a, b) => (a.id < b.id ? -1 : 1)).map((u) => ({ tip: tipId, upload: u.id, chunks: u.chunks.length, lastChunkBytes: u.chunks.at(-1)!.length }));
  t.same(files, expected, 'every attached upload, in export order, none of the loose one');
  const lines = fetched.body.split('\n');
  const tipLineAt = lines.findIndex((l) => l.includes(`"id":"${tipId}"`) && l.startsWith('{"type":"tip"'));
  t.match(lines[tipLineAt + 1], /^\{"type":"file"/, 'file lines follow their tip line');

  const get = async (url: string) => (await editorRequest(app, fetchKey.privateKey, 'GET', url, undefined)).send();
  const whole = await get(`/api/editor/uploads/${big.id}`);
  t.equal(whole.statusCode, 200);
  t.equal(whole.headers['content-type'], 'application/octet-stream');
  t.equal(whole.headers['content-length'], String(whole.rawPayload.length));
  t.ok(whole.rawPayload.equals(Buffer.concat(big.chunks)), 'all chunks, concatenated');
  const rest = await get(`/api/editor/uploads/${big.id}?from=2`);
  t.ok(rest.rawPayload.equals(Buffer.from(big.chunks[2]!)), 'from=2: the last chunk only');
  t.ok((await get(`/api/editor/uploads/${small.id}?from=0`)).rawPayload.equals(Buffer.from(small.chunks[0]!)));

  for (const from of ['3', '-1', 'x', '1e3', '']) t.equal((await get(`/api/editor/uploads/${big.id}?from=${from}`)).statusCode, 400, `from=${from}`);
  const missing = await get(`/api/editor/uploads/${loose.id}`);
  t.equal(missing.statusCode, 404, 'an upload no tip names is not served');
  t.notMatch(missing.body, loose.id, 'the error does not echo the id');
  t.equal((await get(`/api/editor/uploads/${'A'.repeat(43)}`)).statusCode, 404);
  t.equal((await get('/api/editor/uploads/..%2F..%2Fetc')).statusCode, 404);

  // Signed like every editor route: unsigned, replayed or altered after signing → the same 401.
  t.equal((await app.inject({ method: 'GET', url: `/api/editor/uploads/${big.id}` })).statusCode, 401, 'unsigned');
  const once = await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/uploads/${small.id}`, undefined);
  t.equal((await once.send()).statusCode, 200);
  t.same(JSON.parse((await once.send()).body), { error: UNAUTHORIZED }, 'replayed');
  const altered = await editorRequest(app, fetchKey.privateKey, 'GET', `/api/editor/uploads/${big.id}?from=0`, undefined);
  t.equal((await app.inject({ ...altered.request, url: `/api/editor/uploads/${big.id}?from=1` })).statusCode, 401, 'the chunk index changed after signing');

  // Ack marks the tip; its uploads go with it when retention purges it (ON DELETE CASCADE).
  const ack = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', fromUtf8(await signAck([tipId], addDays(today(), 1), keys[0]!)))).send();
  t.same(JSON.parse(ack.body), { acknowledged: 1 });
  t.ok(purgeExpired(db, DEFAULT_RETENTION, addDays(today(), DEFAULT_RETENTION.ackedDays + 1)).deleted.tips! >= 1, 'retention purges the acknowledged tip');
  t.equal((db.prepare('SELECT count(*) AS n FROM upload_chunks WHERE upload_id IN (?, ?)').get(big.id, small.id) as { n: number }).n, 0);
  t.equal((await get(`/api/editor/uploads/${big.id}`)).statusCode, 404, 'a purged upload is gone');
});
