// The test vectors of docs/PROTOCOL.md (test/vectors/envelope-v1.json), checked two ways:
// 1. recomputed independently of src/crypto/envelope.ts, from libsodium primitives and the
//    document alone — X-Wing itself is rebuilt from ML-KEM-768, X25519, SHAKE256 and SHA3-256
//    as draft-connolly-cfrg-xwing-kem specifies, so the vectors also pin libsodium's X-Wing;
// 2. reproduced and opened by the library (sealEnvelope, openEnvelope, keys, key files).
// The file is committed: if the code ever produces other bytes, this test fails.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sodiumSumo from 'libsodium-wrappers-sumo';
import { concat, fromHex, toBase64Url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { decodeBody, encodeBody } from '../../src/crypto/body.js';
import { openEnvelope, parseEnvelope, sealEnvelope, type Kind } from '../../src/crypto/envelope.js';
import { decodePublicKey, editorKeyPairFromSeed, encodePublicKey, fingerprint } from '../../src/crypto/keys.js';
import { padme, paddedLength } from '../../src/crypto/padding.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { decryptKeyFile, encryptKeyFile } from '../../src/crypto/keyfile.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectors = JSON.parse(readFileSync(join(root, 'test', 'vectors', 'envelope-v1.json'), 'utf8'));
const sodium = await loadSodium();

// ---- An independent implementation, written from docs/PROTOCOL.md ----

const XWING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c); // "\.//^\"

function xwingExpand(seed: Uint8Array) {
  const expanded = sodium.crypto_xof_shake256(96, seed);
  const mlkem = sodium.crypto_kem_mlkem768_seed_keypair(expanded.slice(0, 64));
  const skX = expanded.slice(64, 96);
  const pkX = sodium.crypto_scalarmult_base(skX);
  return { skM: mlkem.privateKey, pkM: mlkem.publicKey, skX, pkX, publicKey: concat(mlkem.publicKey, pkX) };
}

function xwingEncapsulate(publicKey: Uint8Array, eseed: Uint8Array) {
  const pkM = publicKey.subarray(0, 1184);
  const pkX = publicKey.subarray(1184, 1216);
  const ekX = eseed.subarray(32, 64);
  const ctX = sodium.crypto_scalarmult_base(ekX);
  const ssX = sodium.crypto_scalarmult(ekX, pkX);
  const m = sodium.crypto_kem_mlkem768_enc_deterministic(pkM, eseed.slice(0, 32));
  const sharedSecret = sodium.crypto_hash_sha3256(concat(m.sharedSecret, ssX, ctX, pkX, XWING_LABEL));
  return { ciphertext: concat(m.ciphertext, ctX), sharedSecret };
}

function xwingDecapsulate(ciphertext: Uint8Array, seed: Uint8Array) {
  const k = xwingExpand(seed);
  const ctX = ciphertext.subarray(1088, 1120);
  const ssM = sodium.crypto_kem_mlkem768_dec(ciphertext.slice(0, 1088), k.skM);
  const ssX = sodium.crypto_scalarmult(k.skX, ctX);
  return sodium.crypto_hash_sha3256(concat(ssM, ssX, ctX, k.pkX, XWING_LABEL));
}

/** Padmé with Tipline's 1024-byte floor, in arbitrary precision, from the document. */
function docPaddedLength(length: number): number {
  if (length <= 1024) return 1024;
  const L = BigInt(length);
  const E = BigInt(L.toString(2).length - 1); // floor(log2 L)
  const S = BigInt(E.toString(2).length); // floor(log2 E) + 1
  const mask = (1n << (E - S)) - 1n;
  return Number((L + mask) & ~mask);
}

function u32be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The editor signing key from the seed (docs/PROTOCOL.md, "Editor keys"). */
const signPublicKeyOf = (seed: Uint8Array) => sodium.crypto_sign_seed_keypair(sodium.crypto_generichash(32, utf8('tipline editor v1 sign'), seed)).publicKey;
const fingerprintOf = (pk: Uint8Array, signPk: Uint8Array) =>
  toHex(sodium.crypto_generichash(16, concat(utf8('tipline fingerprint v2'), pk, signPk), null))
    .toUpperCase()
    .match(/.{4}/g)!
    .join(' ');
const receiptOf = (envelope: Uint8Array) =>
  toHex(sodium.crypto_generichash(8, concat(utf8('tipline receipt v1'), envelope), null))
    .toUpperCase()
    .match(/.{4}/g)!
    .join('-');

const KIND_BYTES: Record<string, number> = { tip: 1, followUp: 2, reply: 3 };

// ---- The checks ----

t.test('the vector file has the cases the document promises', async (t) => {
  t.equal(vectors.envelopes.length, 2);
  t.same(
    vectors.envelopes.map((v: any) => v.editors.length),
    [1, 2],
  );
  t.ok(vectors.envelopes[1].paddedLength > 1024, 'one case is above the 1024-byte floor');
});

for (const v of vectors.envelopes) {
  t.test(`envelope vector "${v.name}": recomputed from the document`, async (t) => {
    const n = v.editors.length;
    const header = Uint8Array.of(1, KIND_BYTES[v.kind]!, n);
    t.equal(toHex(header), v.header, 'header = version 1, kind, n');
    const contentKey = fromHex(v.contentKey);
    const parts: Uint8Array[] = [header];
    v.editors.forEach((editor: any, i: number) => {
      const k = xwingExpand(fromHex(editor.seed));
      t.equal(toHex(k.publicKey), editor.publicKey, `editor ${i}: public key = pk_M || pk_X`);
      const signPk = signPublicKeyOf(fromHex(editor.seed));
      t.equal(editor.publicKeyLine, 'tipline-editor-2:' + toBase64Url(concat(k.publicKey, signPk)), `editor ${i}: public key line`);
      t.equal(editor.fingerprint, fingerprintOf(k.publicKey, signPk), `editor ${i}: fingerprint`);
      const stanza = v.stanzas[i];
      const { ciphertext, sharedSecret } = xwingEncapsulate(k.publicKey, fromHex(v.encapsulationSeeds[i]));
      t.equal(toHex(ciphertext), stanza.kemCiphertext, `stanza ${i}: X-Wing ciphertext`);
      t.equal(toHex(sharedSecret), stanza.sharedSecret, `stanza ${i}: X-Wing shared secret`);
      t.equal(toHex(xwingDecapsulate(ciphertext, fromHex(editor.seed))), stanza.sharedSecret, `stanza ${i}: decapsulation agrees`);
      const kek = sodium.crypto_generichash(32, utf8('tipline envelope v1 key wrap'), sharedSecret);
      t.equal(toHex(kek), stanza.kek, `stanza ${i}: KEK`);
      const wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(contentKey, header, null, new Uint8Array(24), kek);
      t.equal(toHex(wrapped), stanza.wrappedKey, `stanza ${i}: wrapped key`);
      parts.push(ciphertext, wrapped);
    });
    const derived = sodium.crypto_generichash(64, utf8('tipline envelope v1 payload'), contentKey);
    t.equal(toHex(derived.subarray(0, 32)), v.payloadKey, 'payload key');
    t.equal(toHex(derived.subarray(32, 56)), v.nonce, 'nonce');
    const ad = concat(...parts, derived.subarray(32, 56));
    t.equal(toHex(ad), v.associatedData, 'associated data = every byte before the payload');
    const body = fromHex(v.body);
    t.equal(new TextDecoder().decode(body), v.bodyText);
    t.equal(body.length, v.bodyLength);
    const padded = docPaddedLength(4 + body.length);
    t.equal(padded, v.paddedLength, 'padded length');
    const plaintext = new Uint8Array(padded);
    plaintext.set(u32be(body.length), 0);
    plaintext.set(body, 4);
    t.equal(toHex(plaintext), v.plaintext, 'plaintext = u32be length || body || zeros');
    const payload = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, derived.subarray(32, 56), derived.subarray(0, 32));
    t.equal(toHex(payload), v.payload, 'payload');
    const envelope = concat(ad, payload);
    t.equal(toHex(envelope), v.envelope, 'envelope');
    t.equal(envelope.length, v.envelopeLength);
    t.equal(envelope.length, 3 + n * 1168 + 24 + padded + 16, 'envelope length = 3 + 1168 n + 24 + padded + 16');
    t.equal(toBase64Url(envelope), v.envelopeBase64Url);
    t.equal(receiptOf(envelope), v.receipt, 'receipt');
  });

  t.test(`envelope vector "${v.name}": the library reproduces and opens it`, async (t) => {
    const editors = await Promise.all(v.editors.map((e: any) => editorKeyPairFromSeed(fromHex(e.seed))));
    editors.forEach((e, i) => {
      t.equal(toHex(e.publicKey), v.editors[i].publicKey);
      t.equal(toHex(decodePublicKey(v.editors[i].publicKeyLine).publicKey), v.editors[i].publicKey);
      t.equal(encodePublicKey(e), v.editors[i].publicKeyLine);
    });
    for (const [i, e] of editors.entries()) t.equal(await fingerprint(e), v.editors[i].fingerprint);
    const sealed = await sealEnvelope(
      { kind: v.kind as Kind, recipients: editors.map((e) => e.publicKey), body: fromHex(v.body) },
      { contentKey: fromHex(v.contentKey), encapsulationSeeds: v.encapsulationSeeds.map(fromHex) },
    );
    t.equal(toHex(sealed), v.envelope, 'sealEnvelope produces the vector bytes');
    const envelope = fromHex(v.envelope);
    const parsed = parseEnvelope(envelope, { recipients: editors.length, kind: v.kind });
    t.equal(parsed.paddedLength, v.paddedLength);
    t.equal(toHex(parsed.nonce), v.nonce);
    t.equal(toHex(parsed.associatedData), v.associatedData);
    parsed.stanzas.forEach((s, i) => {
      t.equal(toHex(s.kemCiphertext), v.stanzas[i].kemCiphertext);
      t.equal(toHex(s.wrappedKey), v.stanzas[i].wrappedKey);
    });
    for (const [i, e] of editors.entries()) {
      const opened = await openEnvelope(envelope, e.seed);
      t.equal(opened.kind, v.kind);
      t.equal(opened.recipientIndex, i, `editor ${i} opens stanza ${i}`);
      t.equal(toHex(opened.body), v.body, `editor ${i} reads the body`);
      t.equal(toHex(encodeBody(decodeBody(opened.body))), v.body, 'the body decodes and re-encodes to the same bytes');
    }
    t.equal(await receiptFor(envelope), v.receipt);
  });
}

t.test('Padmé size vectors', async (t) => {
  t.equal(vectors.padding.minPaddedLength, 1024);
  for (const { length, padme: p, paddedLength: padded } of vectors.padding.sizes) {
    t.equal(padme(length), p, `padme(${length})`);
    t.equal(paddedLength(length), padded, `paddedLength(${length})`);
    t.equal(docPaddedLength(length), padded, `the document's formula for ${length}`);
  }
});

t.test('key file vector', async (t) => {
  await sodiumSumo.ready;
  const s = sodiumSumo;
  const k = vectors.keyFile;
  const seed = fromHex(k.seed);
  const salt = fromHex(k.salt);
  const nonce = fromHex(k.nonce);
  const derived = s.crypto_pwhash(32, utf8(k.passphrase.normalize('NFC')), salt, k.opslimit, k.memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
  t.equal(toHex(derived), k.derivedKey, 'Argon2id13 key');
  const { publicKey } = xwingExpand(seed);
  const ad = concat(utf8('tipline editor secret key v1'), publicKey);
  t.equal(toHex(ad), k.associatedData, 'associated data = context || public key');
  t.equal(toHex(s.crypto_aead_xchacha20poly1305_ietf_encrypt(seed, ad, null, nonce, derived)), k.ciphertext, 'encrypted seed');
  const file = JSON.parse(k.file);
  t.same(file, {
    type: 'tipline-editor-secret-key',
    version: 1,
    publicKey: 'tipline-editor-2:' + toBase64Url(concat(publicKey, signPublicKeyOf(seed))),
    fingerprint: fingerprintOf(publicKey, signPublicKeyOf(seed)),
    kdf: { algorithm: 'argon2id13', opslimit: k.opslimit, memlimit: k.memlimit, salt: toBase64Url(salt) },
    cipher: { algorithm: 'xchacha20poly1305-ietf', nonce: toBase64Url(nonce), ciphertext: toBase64Url(fromHex(k.ciphertext)) },
  });
  const pair = await decryptKeyFile(k.file, k.passphrase);
  t.equal(toHex(pair.seed), k.seed, 'decryptKeyFile recovers the seed');
  const again = await encryptKeyFile(pair, k.passphrase, { opslimit: k.opslimit, memlimit: k.memlimit }, { salt, nonce });
  t.equal(JSON.stringify(again, null, 2) + '\n', k.file, 'encryptKeyFile reproduces the file');
});

t.test('docs/PROTOCOL.md shows the 1-recipient vector exactly', async (t) => {
  const doc = readFileSync(join(root, 'docs', 'PROTOCOL.md'), 'utf8');
  const match = /<!-- vector-1 begin -->\s*```text\n([\s\S]*?)```\s*<!-- vector-1 end -->/.exec(doc);
  t.ok(match, 'the document has the vector block');
  const values = new Map<string, string>();
  let current: string | undefined;
  for (const line of match![1]!.split('\n')) {
    const named = /^([A-Za-z][A-Za-z -]*):\s*(.*)$/.exec(line);
    if (named) {
      current = named[1]!;
      values.set(current, named[2]!);
    } else if (line.trim() !== '' && current) {
      values.set(current, values.get(current)! + line.trim());
    }
  }
  const v = vectors.envelopes[0];
  const expected: Record<string, string> = {
    'editor seed': v.editors[0].seed,
    'editor public key': v.editors[0].publicKey,
    fingerprint: v.editors[0].fingerprint,
    'content key': v.contentKey,
    'encapsulation seed': v.encapsulationSeeds[0],
    body: v.body,
    header: v.header,
    'X-Wing ciphertext': v.stanzas[0].kemCiphertext,
    'X-Wing shared secret': v.stanzas[0].sharedSecret,
    KEK: v.stanzas[0].kek,
    'wrapped key': v.stanzas[0].wrappedKey,
    'payload key': v.payloadKey,
    nonce: v.nonce,
    'padded length': String(v.paddedLength),
    payload: v.payload,
    envelope: v.envelope,
    receipt: v.receipt,
  };
  for (const [name, value] of Object.entries(expected)) t.equal(values.get(name), value, `document: ${name}`);
  t.same([...values.keys()].sort(), Object.keys(expected).sort(), 'no other values in the block');
});
