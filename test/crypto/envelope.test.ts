// Envelope v1: round trips, and every kind of corruption rejected with its named error.
// Hostile envelopes that the library would never produce are built from libsodium
// primitives following docs/PROTOCOL.md ("sealRaw" below).
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { concat, utf8, writeU32 } from '../../src/crypto/bytes.js';
import { decodeBody, validateBody } from '../../src/crypto/body.js';
import {
  DEFAULT_MAX_PADDED_LENGTH,
  EnvelopeError,
  HEADER_BYTES,
  KIND,
  MAX_RECIPIENTS,
  NONCE_BYTES,
  STANZA_BYTES,
  TAG_BYTES,
  XWING_CIPHERTEXT_BYTES,
  openEnvelope,
  padBody,
  parseEnvelope,
  sealEnvelope,
  type EnvelopeErrorCode,
  type Kind,
} from '../../src/crypto/envelope.js';
import { generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { paddedLength } from '../../src/crypto/padding.js';
import { loadSodium } from '../../src/crypto/sodium.js';

const sodium = await loadSodium();
const editors: EditorKeyPair[] = await Promise.all(Array.from({ length: 6 }, () => generateEditorKeyPair()));
const outsider = await generateEditorKeyPair();
const pks = (list: EditorKeyPair[]) => list.map((e) => e.publicKey);
// The envelope layer pads whatever bytes it is given: these bodies are bare JSON, without the
// text floor encodeBody adds (that is tested in test/crypto/body.test.ts and test/e2e/padding.test.ts).
const bodyOf = (message: string) => utf8(JSON.stringify(validateBody({ v: 1, message, clientTime: '2025-03-09T08:15:00.000Z' })));

/** Awaits `promise` and checks it fails with an EnvelopeError of `code`. */
async function rejectsWith(t: Test, promise: Promise<unknown>, code: EnvelopeErrorCode, what: string) {
  try {
    await promise;
    t.fail(`${what}: accepted`);
  } catch (err) {
    t.ok(err instanceof EnvelopeError, `${what}: an EnvelopeError`);
    t.equal((err as EnvelopeError).code, code, `${what}: ${code}`);
  }
}
function throwsWith(t: Test, fn: () => unknown, code: EnvelopeErrorCode, what: string) {
  return rejectsWith(t, Promise.resolve().then(fn), code, what);
}

interface RawStanza {
  publicKey?: Uint8Array;
  /** Content key wrapped in this stanza (default: the envelope's). */
  contentKey?: Uint8Array;
  /** Replace the X-Wing ciphertext with these bytes (its KEK then comes from nothing). */
  kemCiphertext?: Uint8Array;
}
interface RawOptions {
  version?: number;
  kind?: number;
  stanzas: RawStanza[];
  contentKey?: Uint8Array;
  /** Padded plaintext; default padBody(body). */
  plaintext?: Uint8Array;
  /** Override the nonce (default: derived from the content key as the document says). */
  nonce?: Uint8Array;
}

/** Seals an envelope from the primitives, allowing everything the library refuses to do. */
function sealRaw(o: RawOptions): Uint8Array {
  const contentKey = o.contentKey ?? sodium.randombytes_buf(32);
  const header = Uint8Array.of(o.version ?? 1, o.kind ?? KIND.tip, o.stanzas.length);
  const parts: Uint8Array[] = [header];
  for (const s of o.stanzas) {
    if (s.kemCiphertext) {
      parts.push(s.kemCiphertext, sodium.randombytes_buf(48));
      continue;
    }
    const { ciphertext, sharedSecret } = sodium.crypto_kem_xwing_enc(s.publicKey!);
    const kek = sodium.crypto_generichash(32, utf8('tipline envelope v1 key wrap'), sharedSecret);
    parts.push(ciphertext, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(s.contentKey ?? contentKey, header, null, new Uint8Array(24), kek));
  }
  const derived = sodium.crypto_generichash(64, utf8('tipline envelope v1 payload'), contentKey);
  const nonce = o.nonce ?? derived.subarray(32, 56);
  const ad = concat(...parts, nonce);
  const plaintext = o.plaintext ?? padBody(bodyOf('raw'));
  return concat(ad, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, derived.subarray(0, 32)));
}

const flip = (bytes: Uint8Array, offset: number, bit = 0) => {
  const out = Uint8Array.from(bytes);
  out[offset]! ^= 1 << bit;
  return out;
};
const stanzaAt = (i: number) => HEADER_BYTES + i * STANZA_BYTES;
const payloadAt = (n: number) => HEADER_BYTES + n * STANZA_BYTES + NONCE_BYTES;

t.test('round trip with one recipient', async (t) => {
  const body = bodyOf('Карусельное голосование на участке 7.');
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks(editors.slice(0, 1)), body });
  t.equal(envelope.length, HEADER_BYTES + STANZA_BYTES + NONCE_BYTES + 1024 + TAG_BYTES, 'a short body is in the 1024-byte class');
  const opened = await openEnvelope(envelope, editors[0]!.seed, { kind: 'tip', recipients: 1 });
  t.same(opened.body, body);
  t.equal(opened.kind, 'tip');
  t.equal(opened.recipientIndex, 0);
  t.equal(decodeBody(opened.body).message, 'Карусельное голосование на участке 7.');
  await rejectsWith(t, openEnvelope(envelope, outsider.seed), 'not-for-this-key', 'a non-recipient');
});

t.test('round trip with five recipients: each opens its own stanza', async (t) => {
  const five = editors.slice(0, 5);
  const body = bodyOf('x'.repeat(5000));
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks(five), body });
  const parsed = parseEnvelope(envelope, { recipients: 5 });
  t.equal(parsed.stanzas.length, 5);
  t.equal(parsed.paddedLength, paddedLength(4 + body.length));
  for (const [i, editor] of five.entries()) {
    const opened = await openEnvelope(envelope, editor.seed);
    t.equal(opened.recipientIndex, i, `editor ${i}`);
    t.same(opened.body, body, `editor ${i} reads the body`);
  }
  await rejectsWith(t, openEnvelope(envelope, editors[5]!.seed), 'not-for-this-key', 'the sixth editor, not a recipient');
  await rejectsWith(t, openEnvelope(envelope, outsider.seed), 'not-for-this-key', 'an outsider');
});

t.test('every kind, empty and large bodies, and fresh randomness each time', async (t) => {
  for (const kind of Object.keys(KIND) as Kind[]) {
    const envelope = await sealEnvelope({ kind, recipients: pks(editors.slice(0, 2)), body: new Uint8Array(0) });
    const opened = await openEnvelope(envelope, editors[1]!.seed, { kind });
    t.equal(opened.kind, kind);
    t.equal(opened.body.length, 0);
  }
  const big = bodyOf('Ж'.repeat(100_000)); // the largest message the body allows: ~200 kB of UTF-8
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks(editors.slice(0, 1)), body: big });
  t.same((await openEnvelope(envelope, editors[0]!.seed)).body, big);
  const a = await sealEnvelope({ kind: 'tip', recipients: pks(editors.slice(0, 1)), body: big });
  t.not(Buffer.from(a).toString('hex'), Buffer.from(envelope).toString('hex'), 'two seals of the same body differ');
});

t.test('sealEnvelope refuses what it cannot seal', async (t) => {
  const body = bodyOf('x');
  await t.rejects(sealEnvelope({ kind: 'tip', recipients: [], body }), /1 to 32 recipients/);
  await t.rejects(sealEnvelope({ kind: 'tip', recipients: Array(33).fill(editors[0]!.publicKey), body }), /1 to 32 recipients/);
  await t.rejects(sealEnvelope({ kind: 'tip', recipients: [new Uint8Array(1215)], body }), /1216 bytes/);
  const recipients = pks(editors.slice(0, 1));
  await t.rejects(sealEnvelope({ kind: 'tip', recipients, body }, { contentKey: new Uint8Array(31), encapsulationSeeds: [new Uint8Array(64)] }), /randomness/);
  await t.rejects(sealEnvelope({ kind: 'tip', recipients, body }, { contentKey: new Uint8Array(32), encapsulationSeeds: [] }), /randomness/);
  await t.rejects(sealEnvelope({ kind: 'tip', recipients, body }, { contentKey: new Uint8Array(32), encapsulationSeeds: [new Uint8Array(32)] }), /randomness/);
  await t.rejects(openEnvelope(new Uint8Array(0), new Uint8Array(31)), /32-byte seed/);
});

t.test('header: version, kind, recipient count', async (t) => {
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks(editors.slice(0, 2)), body: bodyOf('h') });
  for (const version of [0, 2, 255]) {
    const bad = Uint8Array.from(envelope);
    bad[0] = version;
    await throwsWith(t, () => parseEnvelope(bad), 'version', `version ${version}`);
  }
  for (const kind of [0, 6, 255]) {
    const bad = Uint8Array.from(envelope);
    bad[1] = kind;
    await throwsWith(t, () => parseEnvelope(bad), 'kind', `kind ${kind}`);
  }
  await throwsWith(t, () => parseEnvelope(envelope, { kind: 'reply' }), 'kind', 'a tip where a reply is expected');
  for (const n of [0, 33, 255]) {
    const bad = Uint8Array.from(envelope);
    bad[2] = n;
    await throwsWith(t, () => parseEnvelope(bad), 'recipients', `recipient count ${n}`);
  }
  await throwsWith(t, () => parseEnvelope(envelope, { recipients: 3 }), 'recipients', 'two recipients where the tip line has three');
  await throwsWith(t, () => parseEnvelope(envelope, { recipients: 1 }), 'recipients', 'two recipients where the tip line has one');
  t.equal(parseEnvelope(envelope, { recipients: 2, kind: 'tip' }).stanzas.length, 2);
  // MAX_RECIPIENTS itself is allowed.
  const many = sealRaw({ stanzas: Array.from({ length: MAX_RECIPIENTS }, () => ({ publicKey: editors[0]!.publicKey })) });
  t.equal(parseEnvelope(many).stanzas.length, MAX_RECIPIENTS);
});

t.test('truncation at every region boundary', async (t) => {
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks(editors.slice(0, 2)), body: bodyOf('t') });
  const cuts: [number, EnvelopeErrorCode][] = [
    [0, 'too-short'],
    [1, 'too-short'],
    [2, 'too-short'],
    [HEADER_BYTES, 'too-short'],
    [stanzaAt(0) + 1088, 'too-short'], // inside the first X-Wing ciphertext, after ct_M
    [stanzaAt(0) + XWING_CIPHERTEXT_BYTES, 'too-short'], // before the first wrapped key
    [stanzaAt(1), 'too-short'], // after the first stanza
    [stanzaAt(2), 'too-short'], // after the last stanza, before the nonce
    [payloadAt(2), 'too-short'], // after the nonce, no payload
    [payloadAt(2) + TAG_BYTES - 1, 'too-short'],
    [payloadAt(2) + TAG_BYTES, 'length'], // an empty padded plaintext is no size class
    [envelope.length - TAG_BYTES, 'length'], // tag cut off
    [envelope.length - 1, 'length'],
  ];
  for (const [length, code] of cuts) {
    await throwsWith(t, () => parseEnvelope(envelope.subarray(0, length)), code, `cut at ${length}`);
    await rejectsWith(t, openEnvelope(envelope.subarray(0, length), editors[0]!.seed), code, `open cut at ${length}`);
  }
  await throwsWith(t, () => parseEnvelope(concat(envelope, new Uint8Array(1))), 'length', 'one byte appended');
  // 64 bytes more make 1088, the next size class: the structure passes, authentication does not.
  const grown = concat(envelope, new Uint8Array(64));
  t.equal(parseEnvelope(grown).paddedLength, 1088);
  await rejectsWith(t, openEnvelope(grown, editors[0]!.seed), 'tampered', 'a whole Padmé step appended');
});

t.test('a flipped bit in each region', async (t) => {
  const [a, b] = editors;
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks([a!, b!]), body: bodyOf('bits') });
  const regions: [string, number][] = [
    ['ML-KEM ciphertext of stanza 0', stanzaAt(0) + 500],
    ['X25519 part of stanza 0', stanzaAt(0) + 1100],
    ['wrapped key of stanza 0', stanzaAt(0) + XWING_CIPHERTEXT_BYTES + 3],
    ['wrapped key tag of stanza 0', stanzaAt(1) - 1],
  ];
  for (const [what, offset] of regions) {
    const bad = flip(envelope, offset, 5);
    t.ok(parseEnvelope(bad), `${what}: the structure is still fine`);
    await rejectsWith(t, openEnvelope(bad, a!.seed), 'not-for-this-key', `${what}, read by its recipient`);
    // The other recipient unwraps its key, but the payload's associated data covers stanza 0.
    await rejectsWith(t, openEnvelope(bad, b!.seed), 'tampered', `${what}, read by the other recipient`);
  }
  for (const [what, offset] of [
    ['nonce', payloadAt(2) - 1],
    ['payload', payloadAt(2) + 10],
    ['last padding byte', envelope.length - TAG_BYTES - 1],
    ['tag', envelope.length - 1],
  ] as [string, number][]) {
    const bad = flip(envelope, offset, 0);
    await rejectsWith(t, openEnvelope(bad, a!.seed), 'tampered', `${what}, recipient 0`);
    await rejectsWith(t, openEnvelope(bad, b!.seed), 'tampered', `${what}, recipient 1`);
  }
  // Relabelling the kind (tip → follow-up) breaks every key wrap: the header is their associated data.
  const relabelled = Uint8Array.from(envelope);
  relabelled[1] = KIND.followUp;
  t.equal(parseEnvelope(relabelled).kind, 'followUp');
  await rejectsWith(t, openEnvelope(relabelled, a!.seed), 'not-for-this-key', 'kind relabelled');
  await rejectsWith(t, openEnvelope(relabelled, b!.seed), 'not-for-this-key', 'kind relabelled, recipient 1');
});

t.test('stanzas swapped, removed or reordered', async (t) => {
  const [a, b] = editors;
  const one = await sealEnvelope({ kind: 'tip', recipients: pks([a!, b!]), body: bodyOf('one') });
  const two = await sealEnvelope({ kind: 'tip', recipients: pks([a!, b!]), body: bodyOf('two') });
  // Stanza 0 of envelope two put into envelope one: recipient 0 unwraps two's content key,
  // which does not match one's nonce.
  const swapped = Uint8Array.from(one);
  swapped.set(two.subarray(stanzaAt(0), stanzaAt(1)), stanzaAt(0));
  await rejectsWith(t, openEnvelope(swapped, a!.seed), 'tampered', 'stanza from another envelope, its recipient');
  await rejectsWith(t, openEnvelope(swapped, b!.seed), 'tampered', 'stanza from another envelope, the other recipient');
  // Stanza 1 removed and the count fixed to 1.
  const removed = concat(Uint8Array.of(1, KIND.tip, 1), one.subarray(stanzaAt(0), stanzaAt(1)), one.subarray(stanzaAt(2)));
  t.equal(parseEnvelope(removed).stanzas.length, 1, 'structurally valid');
  await rejectsWith(t, openEnvelope(removed, a!.seed), 'not-for-this-key', 'stanza removed, count fixed');
  await rejectsWith(t, openEnvelope(removed, b!.seed), 'not-for-this-key', 'stanza removed, the removed recipient');
  // The two stanzas in the other order.
  const reordered = concat(one.subarray(0, HEADER_BYTES), one.subarray(stanzaAt(1), stanzaAt(2)), one.subarray(stanzaAt(0), stanzaAt(1)), one.subarray(stanzaAt(2)));
  await rejectsWith(t, openEnvelope(reordered, a!.seed), 'tampered', 'stanzas reordered');
  // A third, foreign stanza added with the count fixed.
  const added = concat(Uint8Array.of(1, KIND.tip, 3), one.subarray(HEADER_BYTES, stanzaAt(2)), two.subarray(stanzaAt(0), stanzaAt(1)), one.subarray(stanzaAt(2)));
  await rejectsWith(t, openEnvelope(added, a!.seed), 'not-for-this-key', 'stanza added, count fixed');
});

t.test('padded length: size classes and the maximum', async (t) => {
  // A structurally complete envelope whose padded plaintext is 1025 bytes.
  const odd = sealRaw({ stanzas: [{ publicKey: editors[0]!.publicKey }], plaintext: new Uint8Array(1025) });
  await throwsWith(t, () => parseEnvelope(odd), 'length', 'a padded length of 1025');
  const small = sealRaw({ stanzas: [{ publicKey: editors[0]!.publicKey }], plaintext: new Uint8Array(512) });
  await throwsWith(t, () => parseEnvelope(small), 'length', 'a padded length under the floor');
  const next = sealRaw({ stanzas: [{ publicKey: editors[0]!.publicKey }], plaintext: padBody(new Uint8Array(1021)) });
  t.equal(parseEnvelope(next).paddedLength, 1088);
  await throwsWith(t, () => parseEnvelope(next, { maxPaddedLength: 1024 }), 'length', 'above a configured maximum');
  // Oversize under the default maximum: the next size class above 1 MiB (no need to encrypt it).
  const huge = paddedLength(DEFAULT_MAX_PADDED_LENGTH + 1);
  const oversize = new Uint8Array(payloadAt(1) + huge + TAG_BYTES);
  oversize.set([1, KIND.tip, 1]);
  await throwsWith(t, () => parseEnvelope(oversize), 'length', 'above 1 MiB');
  await rejectsWith(t, openEnvelope(oversize, editors[0]!.seed), 'length', 'above 1 MiB, before any decryption');
  const max = new Uint8Array(payloadAt(1) + DEFAULT_MAX_PADDED_LENGTH + TAG_BYTES);
  max.set([1, KIND.tip, 1]);
  t.equal(parseEnvelope(max).paddedLength, DEFAULT_MAX_PADDED_LENGTH, 'exactly 1 MiB is allowed');
});

t.test('authentic envelopes with bad padding (a deviating sender)', async (t) => {
  const stanzas = [{ publicKey: editors[0]!.publicKey }];
  const seed = editors[0]!.seed;
  const good = padBody(utf8('{"v":1}'));
  const nonZero = Uint8Array.from(good);
  nonZero[good.length - 1] = 1;
  await rejectsWith(t, openEnvelope(sealRaw({ stanzas, plaintext: nonZero }), seed), 'padding', 'a non-zero padding byte');
  const tooLong = Uint8Array.from(good);
  tooLong.set(writeU32(1021), 0);
  await rejectsWith(t, openEnvelope(sealRaw({ stanzas, plaintext: tooLong }), seed), 'padding', 'a length beyond the plaintext');
  const huge = Uint8Array.from(good);
  huge.set(writeU32(0xffffffff), 0);
  await rejectsWith(t, openEnvelope(sealRaw({ stanzas, plaintext: huge }), seed), 'padding', 'length 2^32 - 1');
  // A 1088-byte plaintext holding a body that would fit the 1024 class: over-padded.
  const overPadded = new Uint8Array(1088);
  overPadded.set(writeU32(10), 0);
  await rejectsWith(t, openEnvelope(sealRaw({ stanzas, plaintext: overPadded }), seed), 'padding', 'a body padded into a bigger class');
  // The same primitives with correct padding do open: the helper itself is right.
  const opened = await openEnvelope(sealRaw({ stanzas, plaintext: good }), seed);
  t.equal(new TextDecoder().decode(opened.body), '{"v":1}');
  const empty = new Uint8Array(1024);
  t.equal((await openEnvelope(sealRaw({ stanzas, plaintext: empty }), seed)).body.length, 0, 'an empty body');
});

t.test('the nonce commits to the content key', async (t) => {
  const [a, b] = editors;
  // A sender wraps different content keys for different editors. Whatever the payload, at
  // most the editor whose key matches the nonce can open it.
  const k1 = sodium.randombytes_buf(32);
  const k2 = sodium.randombytes_buf(32);
  const split = sealRaw({ contentKey: k1, stanzas: [{ publicKey: a!.publicKey }, { publicKey: b!.publicKey, contentKey: k2 }] });
  t.ok(await openEnvelope(split, a!.seed), 'the editor with the committed key opens it');
  await rejectsWith(t, openEnvelope(split, b!.seed), 'tampered', 'the editor given another key');
  // An envelope whose payload authenticates under its key but whose nonce is not the derived one.
  const randomNonce = sealRaw({ stanzas: [{ publicKey: a!.publicKey }], nonce: sodium.randombytes_buf(24) });
  await rejectsWith(t, openEnvelope(randomNonce, a!.seed), 'tampered', 'a payload valid under a nonce that is not derived');
});

t.test('a stanza libsodium cannot decapsulate does not stop the others', async (t) => {
  const [a, b] = editors;
  // ct_X all zero: a low-order point, for which libsodium's X-Wing refuses to decapsulate.
  const lowOrder = concat(sodium.randombytes_buf(1088), new Uint8Array(32));
  t.throws(() => sodium.crypto_kem_xwing_dec(lowOrder, a!.seed), 'libsodium refuses it (the case this guards)');
  const envelope = sealRaw({ stanzas: [{ kemCiphertext: lowOrder }, { publicKey: b!.publicKey }] });
  const opened = await openEnvelope(envelope, b!.seed);
  t.equal(opened.recipientIndex, 1, 'the recipient behind it still opens the envelope');
  await rejectsWith(t, openEnvelope(envelope, a!.seed), 'not-for-this-key', 'a reader of only the bad stanza gets a named error');
});

t.test('property: parseEnvelope throws only EnvelopeError, on random bytes', async (t) => {
  const nearValid = fc
    .record({
      version: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 255 })),
      kind: fc.integer({ min: 0, max: 5 }),
      n: fc.integer({ min: 0, max: 34 }),
      padded: fc.oneof(fc.constantFrom(0, 1023, 1024, 1025, 1088, 1152), fc.integer({ min: -2000, max: 5000 })),
      tag: fc.integer({ min: -20, max: 20 }),
    })
    .map(({ version, kind, n, padded, tag }) => {
      const length = Math.max(0, HEADER_BYTES + n * STANZA_BYTES + NONCE_BYTES + padded + TAG_BYTES + tag);
      const bytes = new Uint8Array(length);
      if (length > 0) bytes.set([version, kind, n].slice(0, length));
      return bytes;
    });
  const arbitrary = fc.oneof(fc.uint8Array({ maxLength: 4000 }), nearValid);
  let accepted = 0;
  fc.assert(
    fc.property(arbitrary, (bytes) => {
      try {
        const parsed = parseEnvelope(bytes);
        accepted++;
        // Whatever is accepted is self-consistent.
        return parsed.associatedData.length + parsed.payload.length === bytes.length && parsed.payload.length === parsed.paddedLength + TAG_BYTES;
      } catch (err) {
        return err instanceof EnvelopeError;
      }
    }),
    { numRuns: 3000 },
  );
  t.ok(accepted > 0, `some generated inputs pass the structural checks (${accepted})`);
});

t.test('property: mutated envelopes are rejected with EnvelopeError, never anything else', async (t) => {
  const [a, b] = editors;
  const envelope = await sealEnvelope({ kind: 'tip', recipients: pks([a!, b!]), body: bodyOf('mutate me') });
  const mutation = fc.oneof(
    fc.record({ type: fc.constant('flip' as const), at: fc.nat({ max: envelope.length - 1 }), bit: fc.nat({ max: 7 }) }),
    fc.record({ type: fc.constant('set' as const), at: fc.nat({ max: envelope.length - 1 }), value: fc.nat({ max: 255 }) }),
    fc.record({ type: fc.constant('cut' as const), at: fc.nat({ max: envelope.length - 1 }) }),
    fc.record({ type: fc.constant('grow' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
  );
  type Mutation = { type: 'flip'; at: number; bit: number } | { type: 'set'; at: number; value: number } | { type: 'cut'; at: number } | { type: 'grow'; extra: Uint8Array };
  const apply = (bytes: Uint8Array, m: Mutation): Uint8Array => {
    if (m.type === 'flip') return flip(bytes, m.at % Math.max(1, bytes.length), m.bit);
    if (m.type === 'set') {
      const out = Uint8Array.from(bytes);
      const at = m.at % Math.max(1, bytes.length);
      out[at] = m.value === bytes[at] ? m.value ^ 0xff : m.value;
      return out;
    }
    if (m.type === 'cut') return bytes.slice(0, m.at);
    return concat(bytes, m.extra);
  };
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      const bytes = ms.reduce<Uint8Array>((acc, m) => (acc.length === 0 ? acc : apply(acc, m as Mutation)), envelope);
      try {
        parseEnvelope(bytes);
        return true;
      } catch (err) {
        return err instanceof EnvelopeError;
      }
    }),
    { numRuns: 2000 },
  );
  // Fewer runs through the full open (an X-Wing decapsulation per stanza each time): every
  // single mutation must be rejected, and only with an EnvelopeError.
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const bytes = apply(envelope, m as Mutation);
      try {
        await openEnvelope(bytes, b!.seed);
        return false;
      } catch (err) {
        return err instanceof EnvelopeError;
      }
    }),
    { numRuns: 300 },
  );
  t.pass('properties held');
});
