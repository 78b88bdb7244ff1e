// The editor API: signed requests only (unsigned, stale, replayed, wrongly signed → one
// generic 401), fetch as a bundle, ack, and reply upload (all or nothing).
import t from 'tap';
import { loadSodium } from '../../src/crypto/sodium.js';
import { parseBundleStrict, bundleText } from '../../src/offline/bundle.js';
import { sealReply } from '../../src/offline/reply.js';
import { parseFetchKeys, encodeFetchPublicKey } from '../../src/crypto/editor-request.js';
import { UNAUTHORIZED } from '../../src/server/plugins/editor-api.js';
import { TipStore } from '../../src/server/store/tips.js';
import { conversationApp, createMailbox, editorRequest, newSource } from '../helpers/conversation.js';
import { sealTip } from '../helpers/fixtures.js';

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
  t.equal((await good.send()).statusCode, 200, 'signed and fresh');
  await refused(await good.send(), 'replayed');
  const altered = await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', '{"ids":[]}');
  await refused(await app.inject({ ...altered.request, payload: '{"ids": []}' }), 'the body changed after signing');
  const path = await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined);
  await refused(await app.inject({ ...path.request, url: '/api/editor/records?x=1' }), 'the path changed after signing');
  const mixed = await editorRequest(app, stranger.privateKey, 'GET', '/api/editor/records', undefined);
  const mine = await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined);
  await refused(await app.inject({ ...mine.request, headers: { ...mine.request.headers, 'tipline-signature': mixed.request.headers['tipline-signature']! } }), 'a listed key with another key’s signature');
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
  const ack = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/ack', JSON.stringify({ ids: [tipId] }))).send();
  t.same(JSON.parse(ack.body), { acknowledged: 1 });
  t.ok((db.prepare('SELECT acked_on FROM tips WHERE id = ?').get(tipId) as { acked_on: string }).acked_on);
  const again = await (await editorRequest(app, fetchKey.privateKey, 'GET', '/api/editor/records', undefined)).send();
  t.same((await parseBundleStrict(new TextEncoder().encode(again.body))).records.map((r) => r.id), [followUpId]);
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
    envelope: await sealReply({ mailbox, message: 'hello', sourceKey, editorKeys: [keys[0]!.publicKey] }),
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
