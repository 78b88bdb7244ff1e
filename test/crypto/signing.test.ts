// Signatures (docs/PROTOCOL.md, "Signatures"): the editor signing key derivation, the public
// line, signed bodies byte for byte, recomputed from libsodium's primitives and checked
// against test/vectors/signing-v1.json and the block in PROTOCOL.md; and the refusals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { concat, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { encodeBody } from '../../src/crypto/body.js';
import { decodePublicKey, editorKeyPairFromSeed, encodePublicKey, fingerprint, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { mailboxKeysFromEntropy } from '../../src/crypto/mailbox.js';
import { checkAck, signAck } from '../../src/crypto/ack.js';
import { checkReplyBody, checkSourceBody, signBody, signJson, splitSignedJson, verifyJson } from '../../src/crypto/signing.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { ROOT } from '../helpers/client-build.js';

const sodium = await loadSodium();
const v = JSON.parse(readFileSync(join(ROOT, 'test/vectors/signing-v1.json'), 'utf8'));

t.test('vectors: recomputed from the primitives', async (t) => {
  const seed = fromHex(v.editor.seed);
  const signSeed = sodium.crypto_generichash(32, utf8('tipline editor v1 sign'), seed);
  t.equal(toHex(signSeed), v.editor.signSeed, 'sign seed = BLAKE2b(32, key = seed, context)');
  const pair = sodium.crypto_sign_seed_keypair(signSeed);
  t.equal(toHex(pair.publicKey), v.editor.signPublicKey);
  const xwing = sodium.crypto_kem_xwing_seed_keypair(seed).publicKey;
  t.equal(v.editor.publicKeyLine, 'tipline-editor-2:' + toBase64Url(concat(xwing, pair.publicKey)), 'line = prefix || base64url(X-Wing pk || sign pk)');
  t.equal(v.editor.namedLine, v.editor.publicKeyLine + ':' + toBase64Url(utf8('Aigul')));
  t.equal(
    v.editor.fingerprint,
    toHex(sodium.crypto_generichash(16, concat(utf8('tipline fingerprint v2'), xwing, pair.publicKey), null))
      .toUpperCase()
      .match(/.{4}/g)!
      .join(' '),
  );
  const library = await editorKeyPairFromSeed(seed);
  t.equal(toHex(library.signPublicKey), v.editor.signPublicKey, 'the library derives the same key');
  t.equal(encodePublicKey(library), v.editor.publicKeyLine);
  t.equal(await fingerprint(library), v.editor.fingerprint);
  t.equal(decodePublicKey(v.editor.namedLine).name, 'Aigul');

  const source = await mailboxKeysFromEntropy(fromHex(v.mailbox.entropy));
  t.equal(source.mailbox, v.mailbox.id);
  for (const [entry, context, key, secret] of [
    [v.reply, 'tipline reply v1', pair.publicKey, pair.privateKey],
    [v.followUp, 'tipline follow-up v1', source.signPublicKey, source.signSecretKey],
    [v.ack, 'tipline ack v1', pair.publicKey, pair.privateKey],
  ] as const) {
    const message = concat(utf8(context), Uint8Array.of(0), utf8(entry.unsigned));
    t.equal(toHex(message), entry.message, `${context}: message = context || 00 || unsigned`);
    t.equal(toHex(sodium.crypto_sign_detached(message, secret)), entry.signature, `${context}: Ed25519 is deterministic`);
    t.equal(entry.signed, entry.unsigned.slice(0, -1) + `,"signature":"${toBase64Url(fromHex(entry.signature))}"}`, `${context}: the signature is appended as the last member`);
    t.ok(sodium.crypto_sign_verify_detached(fromHex(entry.signature), message, key));
  }
  const reply = await checkReplyBody(utf8(v.reply.signed), v.mailbox.id, [pair.publicKey]);
  t.ok(reply.ok, 'the library verifies the reply vector');
  const followUp = await checkSourceBody(utf8(v.followUp.signed), 'followUp');
  t.ok(followUp.ok, 'the library verifies the follow-up vector');
  t.equal(
    v.ack.unsigned,
    `{"v":1,"expires":"2025-03-13","editor":"${toBase64Url(pair.publicKey)}","ids":["0123456789abcdef0123456789abcdef","${'b'.repeat(32)}"]}`,
    'the ack statement, byte for byte',
  );
  t.equal(fromUtf8(await signAck(['b'.repeat(32), '0123456789abcdef0123456789abcdef'], '2025-03-13', library)), v.ack.signed, 'the library signs the same acknowledgement');
  t.same((await checkAck(utf8(v.ack.signed), [pair.publicKey], '2025-03-13')).ids, ['0123456789abcdef0123456789abcdef', 'b'.repeat(32)], 'the library verifies the ack vector');
});

t.test('vectors: the block in docs/PROTOCOL.md matches the file', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/PROTOCOL.md'), 'utf8');
  const block = /<!-- signing-vector begin -->\s*```text\n([\s\S]*?)```\s*<!-- signing-vector end -->/.exec(doc)?.[1] ?? '';
  const flat = block.replace(/\n(?=[0-9a-f]{64}|[0-9a-f]+\n)/g, '');
  for (const value of [
    v.editor.seed,
    v.editor.signSeed,
    v.editor.signPublicKey,
    v.editor.fingerprint,
    v.mailbox.id,
    v.reply.unsigned,
    v.reply.signature,
    v.followUp.signature,
    v.ack.unsigned,
    v.ack.signature,
  ]) {
    t.ok(flat.includes(value), `PROTOCOL.md shows ${value.slice(0, 24)}…`);
  }
});

t.test('what does not verify', async (t) => {
  const editor = await generateEditorKeyPair();
  const other = await generateEditorKeyPair();
  const source = await mailboxKeysFromEntropy(new Uint8Array(16).fill(7));
  const mailbox = source.mailbox;
  const reply = (signer = editor, body: Record<string, unknown> = {}) =>
    signBody('reply', { v: 1, message: 'hello', clientTime: '', mailbox, editor: toBase64Url(signer.signPublicKey), ...body }, signer.signSecretKey);
  t.ok((await checkReplyBody(await reply(), mailbox, [editor.signPublicKey])).ok);
  t.match(await checkReplyBody(await reply(other), mailbox, [editor.signPublicKey]), { ok: false, reason: /not signed by an editor key/ }, 'a key the page does not pin');
  const lying = await signBody('reply', { v: 1, message: 'hello', clientTime: '', mailbox, editor: toBase64Url(editor.signPublicKey) }, other.signSecretKey);
  t.match(await checkReplyBody(lying, mailbox, [editor.signPublicKey]), { ok: false, reason: /signature is wrong/ }, 'naming a pinned key it does not hold');
  t.match(await checkReplyBody(encodeBody({ v: 1, message: 'hello', clientTime: '', mailbox }), mailbox, [editor.signPublicKey]), { ok: false, reason: /not signed/ });
  const otherMailbox = 'f'.repeat(32);
  t.match(await checkReplyBody(await reply(editor, { mailbox: otherMailbox }), mailbox, [editor.signPublicKey]), { ok: false, reason: /another mailbox/ }, 'moved to another mailbox');
  const signed = await reply();
  const altered = utf8(fromUtf8(signed).replace('hello', 'hellO'));
  t.match(await checkReplyBody(altered, mailbox, [editor.signPublicKey]), { ok: false, reason: /signature is wrong/ }, 'one character changed');
  // The same bytes signed for another purpose do not verify as a reply.
  const asAck = await signJson('ack', splitSignedJson(signed)!.unsigned, editor.signSecretKey);
  t.notOk(await verifyJson('reply', asAck, editor.signPublicKey), 'context separation');
  t.ok(await verifyJson('ack', asAck, editor.signPublicKey));

  const replyMember = { mailbox, kemPublicKey: toBase64Url(source.kemPublicKey), signPublicKey: toBase64Url(source.signPublicKey) };
  const tip = await signBody('tip', { v: 1, message: 'm', clientTime: '', reply: replyMember }, source.signSecretKey);
  t.ok((await checkSourceBody(tip, 'tip')).ok);
  t.match(await checkSourceBody(tip, 'followUp'), { ok: false, reason: /signature is wrong/ }, 'a signed tip does not pass as a follow-up');
  t.match(await checkSourceBody(encodeBody({ v: 1, message: 'm', clientTime: '', reply: replyMember }), 'followUp'), { ok: false, reason: /not signed by the mailbox key/ });
  const redirect = { ...replyMember, kemPublicKey: toBase64Url(editor.publicKey) };
  t.match(await checkSourceBody(await signBody('tip', { v: 1, message: 'm', clientTime: '', reply: redirect }, source.signSecretKey), 'tip'), { ok: false, reason: /keys that do not belong/ });
  await t.rejects(signBody('reply', { v: 1, message: 'm', clientTime: '', signature: 'x' }, editor.signSecretKey), /already has a signature/);
  t.equal(splitSignedJson(utf8('{"v":1}')), undefined);
});
