// npm run vectors: writes test/vectors/envelope-v1.json, the test vectors of docs/PROTOCOL.md,
// from fixed inputs. Run it once when the format is defined and commit the file; afterwards
// test/crypto/vectors.test.ts fails whenever the code would produce other bytes. Running it
// again writes the same file. `--doc` prints the 1-recipient vector as docs/PROTOCOL.md shows it.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sodiumSumo from 'libsodium-wrappers-sumo';
import { concat, fromUtf8, toBase64Url, toHex, utf8, writeU32 } from '../src/crypto/bytes.js';
import { encodeBody } from '../src/crypto/body.js';
import { HEADER_BYTES, KIND, padBody, sealEnvelope, type Kind } from '../src/crypto/envelope.js';
import { editorKeyPairFromSeed, encodePublicKey, fingerprint } from '../src/crypto/keys.js';
import { MIN_PADDED_LENGTH, padme, paddedLength } from '../src/crypto/padding.js';
import { receiptFor } from '../src/crypto/receipt.js';
import { loadSodium } from '../src/crypto/sodium.js';
import { encryptKeyFile } from '../src/crypto/keyfile.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'envelope-v1.json');

const fill = (length: number, byte: number) => new Uint8Array(length).fill(byte);
/** start, start+1, … (mod 256): byte order mistakes show up, unlike with a constant fill. */
const counting = (length: number, start: number) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

const sodium = await loadSodium();

interface EnvelopeCase {
  name: string;
  kind: Kind;
  editorSeeds: Uint8Array[];
  contentKey: Uint8Array;
  encapsulationSeeds: Uint8Array[];
  body: Uint8Array;
}

const shortBody = encodeBody({
  v: 1,
  message: 'Вброс бюллетеней на участке №12 / Ballot stuffing at polling station 12.',
  clientTime: '2025-03-09T08:15:00.000Z',
  lang: 'ru',
});
const longBody = encodeBody({
  v: 1,
  message: 'The observers were asked to leave at 19:40. '.repeat(31).trim(),
  clientTime: '2025-03-09T19:52:30.000Z',
  lang: 'en',
  form: { id: 'election-violation', version: 1 },
  fields: { region: 'Ahal', station: '12', kinds: ['observers-removed', 'ballot-stuffing'] },
});

const cases: EnvelopeCase[] = [
  {
    name: 'one recipient',
    kind: 'tip',
    editorSeeds: [fill(32, 0x01)],
    contentKey: counting(32, 0x00),
    encapsulationSeeds: [counting(64, 0x40)],
    body: shortBody,
  },
  {
    name: 'two recipients, body above the 1024-byte floor',
    kind: 'tip',
    editorSeeds: [fill(32, 0x01), fill(32, 0x02)],
    contentKey: counting(32, 0x20),
    encapsulationSeeds: [counting(64, 0x80), counting(64, 0xc0)],
    body: longBody,
  },
];

async function envelopeVector(c: EnvelopeCase) {
  const editors = await Promise.all(c.editorSeeds.map((seed) => editorKeyPairFromSeed(seed)));
  const header = Uint8Array.of(1, KIND[c.kind], editors.length);
  const stanzas = editors.map((editor, i) => {
    const { ciphertext, sharedSecret } = sodium.crypto_kem_xwing_enc_deterministic(editor.publicKey, c.encapsulationSeeds[i]!);
    const kek = sodium.crypto_generichash(32, utf8('tipline envelope v1 key wrap'), sharedSecret);
    const wrappedKey = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(c.contentKey, header, null, new Uint8Array(24), kek);
    return { sharedSecret, kemCiphertext: ciphertext, kek, wrappedKey };
  });
  const derived = sodium.crypto_generichash(64, utf8('tipline envelope v1 payload'), c.contentKey);
  const payloadKey = derived.slice(0, 32);
  const nonce = derived.slice(32, 56);
  const associatedData = concat(header, ...stanzas.flatMap((s) => [s.kemCiphertext, s.wrappedKey]), nonce);
  const plaintext = padBody(c.body);
  const payload = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData, null, nonce, payloadKey);
  const envelope = concat(associatedData, payload);
  // The generator and the library must agree before anything is written.
  const sealed = await sealEnvelope({ kind: c.kind, recipients: editors.map((e) => e.publicKey), body: c.body }, { contentKey: c.contentKey, encapsulationSeeds: c.encapsulationSeeds });
  if (toHex(sealed) !== toHex(envelope)) throw new Error(`sealEnvelope disagrees with the document for "${c.name}"`);
  if (header.length !== HEADER_BYTES) throw new Error('header size');
  return {
    name: c.name,
    kind: c.kind,
    editors: await Promise.all(
      editors.map(async (e) => ({
        seed: toHex(e.seed),
        publicKey: toHex(e.publicKey),
        publicKeyLine: encodePublicKey(e),
        fingerprint: await fingerprint(e),
      })),
    ),
    contentKey: toHex(c.contentKey),
    encapsulationSeeds: c.encapsulationSeeds.map(toHex),
    bodyText: fromUtf8(c.body),
    body: toHex(c.body),
    header: toHex(header),
    stanzas: stanzas.map((s) => ({
      kemCiphertext: toHex(s.kemCiphertext),
      sharedSecret: toHex(s.sharedSecret),
      kek: toHex(s.kek),
      wrappedKey: toHex(s.wrappedKey),
    })),
    payloadKey: toHex(payloadKey),
    nonce: toHex(nonce),
    associatedData: toHex(associatedData),
    bodyLength: c.body.length,
    paddedLength: plaintext.length,
    plaintext: toHex(plaintext),
    payload: toHex(payload),
    envelope: toHex(envelope),
    envelopeLength: envelope.length,
    envelopeBase64Url: toBase64Url(envelope),
    receipt: await receiptFor(envelope),
  };
}

function padmeVectors() {
  const lengths = [1, 2, 3, 4, 5, 8, 9, 100, 1000, 1023, 1024, 1025, 1088, 1089, 1504, 1536, 1537, 4096, 4097, 9999, 65_537, 1_000_000, 1_048_576, 1_048_577, 2 ** 32 + 1];
  return lengths.map((length) => ({ length, padme: padme(length), paddedLength: paddedLength(length) }));
}

async function keyFileVector() {
  await sodiumSumo.ready;
  const s = sodiumSumo;
  const seed = fill(32, 0x01);
  const passphrase = 'correct horse battery staple – коня';
  const salt = counting(16, 0xa0);
  const nonce = counting(24, 0xb0);
  const limits = { opslimit: s.crypto_pwhash_OPSLIMIT_MIN, memlimit: s.crypto_pwhash_MEMLIMIT_MIN };
  const pair = await editorKeyPairFromSeed(seed);
  const file = await encryptKeyFile(pair, passphrase, limits, { salt, nonce });
  const key = s.crypto_pwhash(32, utf8(passphrase.normalize('NFC')), salt, limits.opslimit, limits.memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
  const associatedData = concat(utf8('tipline editor secret key v1'), pair.publicKey);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(seed, associatedData, null, nonce, key);
  if (file.cipher.ciphertext !== toBase64Url(ciphertext)) throw new Error('encryptKeyFile disagrees with the document');
  return {
    seed: toHex(seed),
    passphrase,
    salt: toHex(salt),
    nonce: toHex(nonce),
    opslimit: limits.opslimit,
    memlimit: limits.memlimit,
    derivedKey: toHex(key),
    associatedData: toHex(associatedData),
    ciphertext: toHex(ciphertext),
    file: JSON.stringify(file, null, 2) + '\n',
  };
}

const vectors = {
  description:
    'Tipline envelope v1 test vectors (docs/PROTOCOL.md, "Test vectors"). Bytes are lower-case hex. ' +
    'Written by `npm run vectors` (scripts/make-vectors.ts) and checked by test/crypto/vectors.test.ts.',
  envelopes: await Promise.all(cases.map(envelopeVector)),
  padding: { minPaddedLength: MIN_PADDED_LENGTH, lengthPrefix: toHex(writeU32(1)), sizes: padmeVectors() },
  keyFile: await keyFileVector(),
};

if (process.argv.includes('--doc')) {
  const v = vectors.envelopes[0]!;
  const wrap = (hex: string) => hex.match(/.{1,64}/g)!.join('\n');
  const block = (name: string, hex: string) => `${name}:\n${wrap(hex)}\n`;
  const stanza = v.stanzas[0]!;
  const editor = v.editors[0]!;
  process.stdout.write(
    [
      block('editor seed', editor.seed),
      block('editor public key', editor.publicKey),
      `fingerprint: ${editor.fingerprint}\n`,
      block('content key', v.contentKey),
      block('encapsulation seed', v.encapsulationSeeds[0]!),
      block('body', v.body),
      block('header', v.header),
      block('X-Wing ciphertext', stanza.kemCiphertext),
      block('X-Wing shared secret', stanza.sharedSecret),
      block('KEK', stanza.kek),
      block('wrapped key', stanza.wrappedKey),
      block('payload key', v.payloadKey),
      block('nonce', v.nonce),
      `padded length: ${v.paddedLength}\n`,
      block('payload', v.payload),
      block('envelope', v.envelope),
      `receipt: ${v.receipt}\n`,
    ].join('\n'),
  );
} else {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(vectors, null, 2) + '\n');
  process.stdout.write(`wrote ${OUT}\n`);
}
