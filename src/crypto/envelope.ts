// Envelope format v1 — the one format every Tipline message travels in (tips, follow-ups,
// replies). docs/PROTOCOL.md describes it byte by byte; test/crypto/vectors.test.ts checks the
// document's vectors against this code.
//
//   version(1) kind(1) n(1) | n × [ X-Wing ciphertext(1120) | wrapped key(48) ] | nonce(24) | payload
//
// wrapped key = XChaCha20-Poly1305(key = BLAKE2b-256(key = X-Wing shared secret, "tipline envelope v1 key wrap"),
//                                  nonce = 0, ad = the 3 header bytes, plaintext = content key)
// payload key | nonce = BLAKE2b-512(key = content key, "tipline envelope v1 payload")[0..56]
// payload = XChaCha20-Poly1305(payload key, nonce, ad = every byte before the payload,
//                              plaintext = u32be length | body | zero padding)
//
// The nonce is derived from the content key, and a reader checks it: the nonce commits the
// envelope to one content key, so every recipient who can open it reads the same body (a
// Poly1305 tag alone does not commit to its key).
import { concat, readU32, utf8, writeU32 } from './bytes.js';
import { isPaddedLength, paddedLength } from './padding.js';
import { loadSodium, type Sodium } from './sodium.js';
import { XWING_PUBLIC_KEY_BYTES, XWING_SEED_BYTES } from './keys.js';
import { CodedError } from '../shared/errors.js';

export const ENVELOPE_VERSION = 1;
export const KIND = { tip: 1, followUp: 2, reply: 3, deskEvent: 4, deskSeed: 5 } as const;
export type Kind = keyof typeof KIND;

export const HEADER_BYTES = 3;
export const XWING_CIPHERTEXT_BYTES = 1120;
export const WRAPPED_KEY_BYTES = 32 + 16;
export const STANZA_BYTES = XWING_CIPHERTEXT_BYTES + WRAPPED_KEY_BYTES;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const LENGTH_PREFIX_BYTES = 4;
export const MAX_RECIPIENTS = 32;
/** Largest padded plaintext accepted by default (tips are text; files travel separately). */
export const DEFAULT_MAX_PADDED_LENGTH = 1 << 20;

const WRAP_CONTEXT = utf8('tipline envelope v1 key wrap');
const PAYLOAD_CONTEXT = utf8('tipline envelope v1 payload');
const ZERO_NONCE = new Uint8Array(NONCE_BYTES);
export const CONTENT_KEY_BYTES = 32;
export const ENCAPSULATION_SEED_BYTES = 64;

export type EnvelopeErrorCode = 'too-short' | 'version' | 'kind' | 'recipients' | 'length' | 'not-for-this-key' | 'tampered' | 'padding';

export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override name = 'EnvelopeError';
}

export interface Stanza {
  kemCiphertext: Uint8Array;
  wrappedKey: Uint8Array;
}

export interface ParsedEnvelope {
  version: number;
  kind: Kind;
  stanzas: Stanza[];
  nonce: Uint8Array;
  /** Everything before the payload: the associated data of the payload AEAD. */
  associatedData: Uint8Array;
  payload: Uint8Array;
  /** Size of the padded plaintext, i.e. the size class the server sees. */
  paddedLength: number;
}

export interface ParseLimits {
  /** When set, the envelope must have exactly this many recipient stanzas. */
  recipients?: number;
  /** Largest padded plaintext accepted; DEFAULT_MAX_PADDED_LENGTH when unset. */
  maxPaddedLength?: number;
  /** When set, the envelope must be of this kind. */
  kind?: Kind;
}

function kindFromByte(byte: number): Kind | undefined {
  for (const [name, value] of Object.entries(KIND)) if (value === byte) return name as Kind;
  return undefined;
}

/**
 * Checks the structure of an envelope without any key: cheap, done before any other work.
 * Throws EnvelopeError naming the first thing that is wrong.
 */
export function parseEnvelope(bytes: Uint8Array, limits: ParseLimits = {}): ParsedEnvelope {
  if (bytes.length < HEADER_BYTES) throw new EnvelopeError('too-short', 'the envelope is shorter than its header');
  const version = bytes[0]!;
  if (version !== ENVELOPE_VERSION) throw new EnvelopeError('version', `unsupported envelope version ${version}`);
  const kind = kindFromByte(bytes[1]!);
  if (!kind) throw new EnvelopeError('kind', `unknown envelope kind ${bytes[1]}`);
  if (limits.kind && kind !== limits.kind) throw new EnvelopeError('kind', `expected a ${limits.kind} envelope, got a ${kind}`);
  const n = bytes[2]!;
  if (n < 1 || n > MAX_RECIPIENTS) throw new EnvelopeError('recipients', `recipient count ${n} is outside 1..${MAX_RECIPIENTS}`);
  if (limits.recipients !== undefined && n !== limits.recipients) {
    throw new EnvelopeError('recipients', `the envelope has ${n} recipients, this tip line has ${limits.recipients}`);
  }
  const payloadStart = HEADER_BYTES + n * STANZA_BYTES + NONCE_BYTES;
  const padded = bytes.length - payloadStart - TAG_BYTES;
  const max = limits.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;
  if (padded < 0) throw new EnvelopeError('too-short', 'the envelope is truncated');
  if (padded > max) throw new EnvelopeError('length', `the payload is larger than ${max} bytes`);
  if (!isPaddedLength(padded)) throw new EnvelopeError('length', 'the payload length is not a padded size class');
  const stanzas: Stanza[] = [];
  for (let i = 0; i < n; i++) {
    const at = HEADER_BYTES + i * STANZA_BYTES;
    stanzas.push({
      kemCiphertext: bytes.subarray(at, at + XWING_CIPHERTEXT_BYTES),
      wrappedKey: bytes.subarray(at + XWING_CIPHERTEXT_BYTES, at + STANZA_BYTES),
    });
  }
  return {
    version,
    kind,
    stanzas,
    nonce: bytes.subarray(payloadStart - NONCE_BYTES, payloadStart),
    associatedData: bytes.subarray(0, payloadStart),
    payload: bytes.subarray(payloadStart),
    paddedLength: padded,
  };
}

/** The randomness one envelope consumes; fixed values give the test vectors. */
export interface SealRandomness {
  contentKey: Uint8Array;
  /** One 64-byte X-Wing encapsulation seed per recipient. */
  encapsulationSeeds: Uint8Array[];
}

/** The payload key and nonce, both derived from the content key (the nonce commits to it). */
function payloadKeyAndNonce(sodium: Sodium, contentKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const derived = sodium.crypto_generichash(64, PAYLOAD_CONTEXT, contentKey);
  const out = { key: derived.slice(0, 32), nonce: derived.slice(32, 32 + NONCE_BYTES) };
  sodium.memzero(derived);
  return out;
}

export interface SealInput {
  kind: Kind;
  recipients: Uint8Array[];
  body: Uint8Array;
}

export function padBody(body: Uint8Array): Uint8Array {
  const padded = new Uint8Array(paddedLength(LENGTH_PREFIX_BYTES + body.length));
  padded.set(writeU32(body.length), 0);
  padded.set(body, LENGTH_PREFIX_BYTES);
  return padded;
}

export async function sealEnvelope(input: SealInput, randomness?: SealRandomness): Promise<Uint8Array> {
  return sealEnvelopeWith(await loadSodium(), input, randomness);
}

/** sealEnvelope with libsodium already loaded: synchronous, for writers that stream from a synchronous source (a desk export). */
export function sealEnvelopeWith(sodium: Sodium, input: SealInput, randomness?: SealRandomness): Uint8Array {
  const n = input.recipients.length;
  if (n < 1 || n > MAX_RECIPIENTS) throw new Error(`an envelope needs 1 to ${MAX_RECIPIENTS} recipients`);
  for (const key of input.recipients) {
    if (key.length !== XWING_PUBLIC_KEY_BYTES) throw new Error('a recipient public key is 1216 bytes');
  }
  const r = randomness ?? {
    contentKey: sodium.randombytes_buf(CONTENT_KEY_BYTES),
    encapsulationSeeds: input.recipients.map(() => sodium.randombytes_buf(ENCAPSULATION_SEED_BYTES)),
  };
  if (r.contentKey.length !== CONTENT_KEY_BYTES || r.encapsulationSeeds.length !== n || r.encapsulationSeeds.some((seed) => seed.length !== ENCAPSULATION_SEED_BYTES)) {
    throw new Error('invalid envelope randomness');
  }
  const header = Uint8Array.of(ENVELOPE_VERSION, KIND[input.kind], n);
  const stanzas = input.recipients.map((publicKey, i) => {
    const { ciphertext, sharedSecret } = sodium.crypto_kem_xwing_enc_deterministic(publicKey, r.encapsulationSeeds[i]!);
    const kek = sodium.crypto_generichash(32, WRAP_CONTEXT, sharedSecret);
    const wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(r.contentKey, header, null, ZERO_NONCE, kek);
    sodium.memzero(kek);
    sodium.memzero(sharedSecret);
    return concat(ciphertext, wrapped);
  });
  const { key: payloadKey, nonce } = payloadKeyAndNonce(sodium, r.contentKey);
  const associatedData = concat(header, ...stanzas, nonce);
  const plaintext = padBody(input.body);
  const payload = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData, null, nonce, payloadKey);
  sodium.memzero(plaintext);
  sodium.memzero(payloadKey);
  if (!randomness) sodium.memzero(r.contentKey);
  return concat(associatedData, payload);
}

export interface OpenedEnvelope {
  kind: Kind;
  body: Uint8Array;
  /** Which stanza the key opened (its position in the recipients list). */
  recipientIndex: number;
}

/** Opens an envelope with an editor's (or a source's) X-Wing seed. */
export async function openEnvelope(bytes: Uint8Array, seed: Uint8Array, limits: ParseLimits = {}): Promise<OpenedEnvelope> {
  if (seed.length !== XWING_SEED_BYTES) throw new Error('an X-Wing secret key is a 32-byte seed');
  const sodium = await loadSodium();
  const env = parseEnvelope(bytes, limits);
  const header = env.associatedData.subarray(0, HEADER_BYTES);
  let contentKey: Uint8Array | undefined;
  let recipientIndex = -1;
  for (let i = 0; i < env.stanzas.length && !contentKey; i++) {
    const stanza = env.stanzas[i]!;
    // X-Wing decapsulation has implicit rejection: a stanza for another key yields a
    // random-looking secret, and the key-wrap AEAD below is what tells us whether it is ours.
    // libsodium does refuse one case, an X25519 part whose shared secret is all zero (a
    // low-order point, which no honest sender produces): such a stanza is simply not ours, and
    // must not stop us from trying the others.
    let sharedSecret: Uint8Array;
    try {
      sharedSecret = sodium.crypto_kem_xwing_dec(stanza.kemCiphertext, seed);
    } catch {
      continue;
    }
    const kek = sodium.crypto_generichash(32, WRAP_CONTEXT, sharedSecret);
    try {
      contentKey = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, stanza.wrappedKey, header, ZERO_NONCE, kek);
      recipientIndex = i;
    } catch {
      // not this stanza
    } finally {
      sodium.memzero(kek);
      sodium.memzero(sharedSecret);
    }
  }
  if (!contentKey) {
    throw new EnvelopeError('not-for-this-key', 'this envelope was not sealed to this key (or its header or key stanzas were altered)');
  }
  const { key: payloadKey, nonce } = payloadKeyAndNonce(sodium, contentKey);
  sodium.memzero(contentKey);
  let plaintext: Uint8Array;
  try {
    if (!sodium.memcmp(nonce, env.nonce)) throw new Error('nonce');
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, env.payload, env.associatedData, env.nonce, payloadKey);
  } catch {
    throw new EnvelopeError('tampered', 'the envelope failed authentication: it was altered or truncated');
  } finally {
    sodium.memzero(payloadKey);
  }
  try {
    const length = readU32(plaintext, 0);
    if (length > plaintext.length - LENGTH_PREFIX_BYTES || paddedLength(LENGTH_PREFIX_BYTES + length) !== plaintext.length) {
      throw new EnvelopeError('padding', 'the body length does not match its padding');
    }
    for (let i = LENGTH_PREFIX_BYTES + length; i < plaintext.length; i++) {
      if (plaintext[i] !== 0) throw new EnvelopeError('padding', 'the padding is not all zero');
    }
    return { kind: env.kind, body: plaintext.slice(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + length), recipientIndex };
  } finally {
    sodium.memzero(plaintext);
  }
}
