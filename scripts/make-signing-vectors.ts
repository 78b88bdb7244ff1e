// Writes test/vectors/signing-v1.json: the editor signing key, the signed bodies and the signed acknowledgement of
// docs/PROTOCOL.md ("Signatures"), from fixed inputs. Run once and commit; the test
// (test/crypto/signing.test.ts) recomputes every value from the primitives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromUtf8, toBase64Url, toHex, utf8 } from '../src/crypto/bytes.js';
import { editorKeyPairFromSeed, encodePublicKey, fingerprint } from '../src/crypto/keys.js';
import { mailboxKeysFromEntropy } from '../src/crypto/mailbox.js';
import { signAck } from '../src/crypto/ack.js';
import { signBody, signingMessage, splitSignedJson } from '../src/crypto/signing.js';
import { loadSodium } from '../src/crypto/sodium.js';

const sodium = await loadSodium();
const seed = new Uint8Array(32).fill(1);
const editor = await editorKeyPairFromSeed(seed);
const source = await mailboxKeysFromEntropy(Uint8Array.from({ length: 16 }, (_, i) => i));
const mailbox = source.mailbox;

const reply = await signBody(
  'reply',
  { v: 1, message: 'Thank you. Which district?', clientTime: '2025-03-10T09:00:00.000Z', mailbox, editor: toBase64Url(editor.signPublicKey) },
  editor.signSecretKey,
);
const followUp = await signBody(
  'followUp',
  {
    v: 1,
    message: 'The Balkan district.',
    clientTime: '2025-03-10T10:00:00.000Z',
    lang: 'en',
    reply: { mailbox, kemPublicKey: toBase64Url(source.kemPublicKey), signPublicKey: toBase64Url(source.signPublicKey) },
  },
  source.signSecretKey,
);
// An acknowledgement of two records (given unsorted: the statement sorts them), valid until 2025-03-13.
const ack = await signAck(['b'.repeat(32), '0123456789abcdef0123456789abcdef'], '2025-03-13', editor);
const entry = (purpose: 'reply' | 'followUp' | 'ack', signed: Uint8Array) => {
  const { unsigned, signature } = splitSignedJson(signed)!;
  return { purpose, unsigned: fromUtf8(unsigned), message: toHex(signingMessage(purpose, unsigned)), signature: toHex(signature), signed: fromUtf8(signed) };
};
const vectors = {
  editor: {
    seed: toHex(seed),
    signSeed: toHex(sodium.crypto_generichash(32, utf8('tipline editor v1 sign'), seed)),
    signPublicKey: toHex(editor.signPublicKey),
    publicKeyLine: encodePublicKey(editor),
    fingerprint: await fingerprint(editor),
    namedLine: encodePublicKey({ ...editor, name: 'Aigul' }),
  },
  mailbox: { entropy: '000102030405060708090a0b0c0d0e0f', id: mailbox, signPublicKey: toHex(source.signPublicKey) },
  reply: entry('reply', reply),
  followUp: entry('followUp', followUp),
  ack: entry('ack', ack),
};
const out = join(import.meta.dirname, '..', 'test', 'vectors', 'signing-v1.json');
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
