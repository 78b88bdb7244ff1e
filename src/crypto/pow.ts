// Anti-spam proof of work: the one implementation shared by the browser's worker (solving),
// the server (issuing and verifying) and the tests. BLAKE2b via libsodium only; the layout is
// documented byte by byte in docs/PROTOCOL.md ("Proof of work").
//
//   challenge = payload || tag                                   (54 bytes)
//   payload   = 0x01 || id (16 random bytes) || u32be(expiry, Unix seconds) || bits (1 byte)
//   tag       = BLAKE2b(32, key = server MAC key, "tipline pow challenge v1" || payload)
//   binding   = BLAKE2b(32, no key, "tipline pow binding v1" || UTF-8 of the bound text)
//   hash      = BLAKE2b(32, no key, "tipline pow v1" || challenge || binding || nonce (8 bytes))
//   solved   ⇔ hash starts with at least `bits` zero bits (most significant bit of byte 0 first)
//
// The bound text is the `envelope` member exactly as sent (base64url), so a solution is good
// for one challenge and one body only.
import { concat, utf8 } from './bytes.js';
import type { Sodium } from './sodium.js';

export const POW_VERSION = 1;
export const CHALLENGE_ID_BYTES = 16;
export const CHALLENGE_PAYLOAD_BYTES = 1 + CHALLENGE_ID_BYTES + 4 + 1;
export const CHALLENGE_TAG_BYTES = 32;
export const CHALLENGE_BYTES = CHALLENGE_PAYLOAD_BYTES + CHALLENGE_TAG_BYTES;
export const POW_KEY_BYTES = 32;
export const POW_NONCE_BYTES = 8;
export const BINDING_BYTES = 32;
/** Difficulties outside 1..40 are never issued or accepted (40 bits would take days). */
export const MAX_POW_BITS = 40;

const MAC_CONTEXT = utf8('tipline pow challenge v1');
const BINDING_CONTEXT = utf8('tipline pow binding v1');
const HASH_CONTEXT = utf8('tipline pow v1');

export interface ChallengeFields {
  /** 16 random bytes naming this challenge (the replay check's key). */
  id: Uint8Array;
  /** Unix time in seconds after which the challenge is refused. */
  expiry: number;
  bits: number;
}

export function encodeChallengePayload(fields: ChallengeFields): Uint8Array {
  if (fields.id.length !== CHALLENGE_ID_BYTES) throw new RangeError('challenge id must be 16 bytes');
  if (!Number.isInteger(fields.expiry) || fields.expiry < 0 || fields.expiry > 0xffffffff) throw new RangeError('bad expiry');
  if (!Number.isInteger(fields.bits) || fields.bits < 1 || fields.bits > MAX_POW_BITS) throw new RangeError('bad difficulty');
  const payload = new Uint8Array(CHALLENGE_PAYLOAD_BYTES);
  payload[0] = POW_VERSION;
  payload.set(fields.id, 1);
  new DataView(payload.buffer).setUint32(1 + CHALLENGE_ID_BYTES, fields.expiry, false);
  payload[CHALLENGE_PAYLOAD_BYTES - 1] = fields.bits;
  return payload;
}

/** Reads the fields of a challenge (payload and tag) without checking its tag. */
export function decodeChallenge(challenge: Uint8Array): ChallengeFields | undefined {
  if (challenge.length !== CHALLENGE_BYTES || challenge[0] !== POW_VERSION) return undefined;
  const bits = challenge[CHALLENGE_PAYLOAD_BYTES - 1]!;
  if (bits < 1 || bits > MAX_POW_BITS) return undefined;
  return {
    id: challenge.subarray(1, 1 + CHALLENGE_ID_BYTES),
    expiry: new DataView(challenge.buffer, challenge.byteOffset, challenge.length).getUint32(1 + CHALLENGE_ID_BYTES, false),
    bits,
  };
}

export function challengeTag(sodium: Sodium, key: Uint8Array, payload: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(CHALLENGE_TAG_BYTES, concat(MAC_CONTEXT, payload), key);
}

/** A MAC'd challenge: payload || tag. */
export function makeChallenge(sodium: Sodium, key: Uint8Array, fields: ChallengeFields): Uint8Array {
  const payload = encodeChallengePayload(fields);
  return concat(payload, challengeTag(sodium, key, payload));
}

/** True when the challenge carries a valid tag under `key` (compared in constant time). */
export function challengeTagValid(sodium: Sodium, key: Uint8Array, challenge: Uint8Array): boolean {
  if (challenge.length !== CHALLENGE_BYTES) return false;
  const expected = challengeTag(sodium, key, challenge.subarray(0, CHALLENGE_PAYLOAD_BYTES));
  return sodium.memcmp(expected, challenge.subarray(CHALLENGE_PAYLOAD_BYTES));
}

/**
 * Binds a solution to the submission: BLAKE2b of the bound text (the envelope as sent), given
 * as a string or as its UTF-8 bytes (the server passes Buffer.from(text), which is faster).
 */
export function powBinding(sodium: Sodium, bound: string | Uint8Array): Uint8Array {
  const state = sodium.crypto_generichash_init(null, BINDING_BYTES);
  sodium.crypto_generichash_update(state, BINDING_CONTEXT);
  sodium.crypto_generichash_update(state, typeof bound === 'string' ? utf8(bound) : bound);
  return sodium.crypto_generichash_final(state, BINDING_BYTES);
}

/** Number of leading zero bits of `hash`, counting from the most significant bit of byte 0. */
export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** The hashed input with room for the nonce at the end: context || challenge || binding || nonce. */
export function powInput(challenge: Uint8Array, binding: Uint8Array): Uint8Array {
  if (challenge.length !== CHALLENGE_BYTES || binding.length !== BINDING_BYTES) throw new RangeError('bad challenge or binding length');
  return concat(HASH_CONTEXT, challenge, binding, new Uint8Array(POW_NONCE_BYTES));
}

export function powHash(sodium: Sodium, challenge: Uint8Array, binding: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (nonce.length !== POW_NONCE_BYTES) throw new RangeError('nonce must be 8 bytes');
  const input = powInput(challenge, binding);
  input.set(nonce, input.length - POW_NONCE_BYTES);
  return sodium.crypto_generichash(32, input, null);
}

/** True when `nonce` solves `challenge` for `binding` at the difficulty the challenge names. */
export function powSolves(sodium: Sodium, challenge: Uint8Array, binding: Uint8Array, nonce: Uint8Array, bits: number): boolean {
  return leadingZeroBits(powHash(sodium, challenge, binding, nonce)) >= bits;
}

export interface SolveProgress {
  /** Hashes tried so far. */
  tries: number;
  /** Expected number of tries, 2^bits. */
  expected: number;
}

/**
 * A resumable solver: `step(n)` tries up to `n` nonces (counting up from 0, as u64be) and
 * returns the solving nonce or undefined. The caller (the Web Worker) reports progress
 * between steps.
 */
export class PowSolver {
  readonly bits: number;
  private readonly input: Uint8Array;
  private readonly view: DataView;
  private counter = 0;

  constructor(
    private readonly sodium: Sodium,
    challenge: Uint8Array,
    binding: Uint8Array,
  ) {
    const fields = decodeChallenge(challenge);
    if (!fields) throw new RangeError('not a proof-of-work challenge');
    this.bits = fields.bits;
    this.input = powInput(challenge, binding);
    this.view = new DataView(this.input.buffer, this.input.byteOffset + this.input.length - POW_NONCE_BYTES, POW_NONCE_BYTES);
  }

  get progress(): SolveProgress {
    return { tries: this.counter, expected: 2 ** this.bits };
  }

  step(maxTries: number): Uint8Array | undefined {
    const { sodium, input, view, bits } = this;
    const end = this.counter + maxTries;
    while (this.counter < end) {
      const n = this.counter++;
      view.setUint32(0, Math.floor(n / 0x100000000), false);
      view.setUint32(4, n >>> 0, false);
      if (leadingZeroBits(sodium.crypto_generichash(32, input, null)) >= bits) return input.slice(input.length - POW_NONCE_BYTES);
    }
    return undefined;
  }
}

/** Solves in one go (tests, benchmarks; the page uses PowSolver in a worker). */
export function solvePow(sodium: Sodium, challenge: Uint8Array, binding: Uint8Array): Uint8Array {
  const solver = new PowSolver(sodium, challenge, binding);
  for (;;) {
    const nonce = solver.step(1 << 16);
    if (nonce) return nonce;
  }
}
