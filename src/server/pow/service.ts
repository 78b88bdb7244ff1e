// Issues and verifies proof-of-work challenges. Stateless issuing (the challenge carries its
// own expiry and difficulty under the server's MAC); the only state is the set of spent
// challenge ids, kept until their expiry and bounded: when it is full of live ids, new
// solutions are refused (503) rather than letting memory grow.
//
// Verification order, cheapest first, and all of it before the envelope is even decoded:
// length and base64url of the challenge and nonce → MAC (constant time) → expiry → difficulty
// still current? → spent? → binding hash of the submitted text → the work itself. Only then is
// the id marked spent.
//
// "Still current": a solution counts only if its challenge asks for at least the difficulty
// of the moment of verification minus STALE_BITS_TOLERATED (one bit), so challenges stockpiled
// while the difficulty was low are worthless once a flood has raised it,
// and an honest source whose difficulty rose by one bit while it worked is not refused.
import { randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.js';
import { CHALLENGE_BYTES, POW_KEY_BYTES, POW_NONCE_BYTES, challengeTagValid, decodeChallenge, makeChallenge, powBinding, powSolves } from '../../crypto/pow.js';
import type { Sodium } from '../../crypto/sodium.js';
import { AdaptiveDifficulty } from './difficulty.js';
import { defaultOf } from '../settings.js';

export const DEFAULT_POW_MIN_BITS = defaultOf('TIPLINE_POW_MIN_BITS');
export const DEFAULT_POW_MAX_BITS = defaultOf('TIPLINE_POW_MAX_BITS');
export const DEFAULT_POW_THRESHOLD = defaultOf('TIPLINE_POW_THRESHOLD');
export const DEFAULT_POW_TTL_SECONDS = 600;
export const DEFAULT_MAX_SPENT = defaultOf('TIPLINE_POW_MAX_SPENT');
/** A challenge this many bits easier than the current difficulty is still accepted. */
export const STALE_BITS_TOLERATED = 1;

/** Base64url lengths of a challenge and a nonce. */
export const CHALLENGE_TEXT_LENGTH = Math.ceil((CHALLENGE_BYTES * 4) / 3);
export const NONCE_TEXT_LENGTH = Math.ceil((POW_NONCE_BYTES * 4) / 3);

export interface PowOptions {
  key: Uint8Array;
  minBits?: number;
  maxBits?: number;
  /** Accepted solutions per 10 minutes above which the difficulty rises. */
  threshold?: number;
  ttlSeconds?: number;
  maxSpent?: number;
  /** Milliseconds since the epoch (tests pass a fake clock). */
  now?: () => number;
}

export interface IssuedChallenge {
  challenge: string;
  bits: number;
  expiresIn: number;
}

export type PowVerdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' | 'stale' | 'reused' | 'unsolved' | 'busy' };

export class PowService {
  readonly difficulty: AdaptiveDifficulty;
  private readonly key: Uint8Array;
  private readonly ttl: number;
  private readonly maxSpent: number;
  private readonly now: () => number;
  /** Spent challenge ids (base64url text of the 16 bytes) → expiry in Unix seconds. */
  private readonly spent = new Map<string, number>();
  private accepted = 0;

  constructor(
    private readonly sodium: Sodium,
    options: PowOptions,
  ) {
    if (options.key.length !== POW_KEY_BYTES) throw new RangeError('the proof-of-work key must be 32 bytes');
    this.key = options.key;
    this.now = options.now ?? Date.now;
    this.ttl = options.ttlSeconds ?? DEFAULT_POW_TTL_SECONDS;
    this.maxSpent = options.maxSpent ?? DEFAULT_MAX_SPENT;
    this.difficulty = new AdaptiveDifficulty({
      minBits: options.minBits ?? DEFAULT_POW_MIN_BITS,
      maxBits: options.maxBits ?? Math.max(DEFAULT_POW_MAX_BITS, options.minBits ?? DEFAULT_POW_MIN_BITS),
      threshold: options.threshold ?? DEFAULT_POW_THRESHOLD,
      now: this.now,
    });
  }

  issue(): IssuedChallenge {
    const bits = this.difficulty.bits();
    const expiry = Math.floor(this.now() / 1000) + this.ttl;
    const challenge = makeChallenge(this.sodium, this.key, { id: new Uint8Array(randomBytes(16)), expiry, bits });
    return { challenge: toBase64Url(challenge), bits, expiresIn: this.ttl };
  }

  /** Number of ids currently remembered as spent. */
  get spentCount(): number {
    return this.spent.size;
  }

  /**
   * Checks a solution for the submission whose bound text is `boundText` (the envelope as
   * sent) and, when it is good, marks the challenge spent and counts it for the difficulty.
   */
  verify(challengeText: unknown, nonceText: unknown, boundText: string): PowVerdict {
    if (challengeText === undefined && nonceText === undefined) return { ok: false, reason: 'missing' };
    if (typeof challengeText !== 'string' || typeof nonceText !== 'string') return { ok: false, reason: 'malformed' };
    if (challengeText.length !== CHALLENGE_TEXT_LENGTH || nonceText.length !== NONCE_TEXT_LENGTH) return { ok: false, reason: 'malformed' };
    const challenge = fromBase64Url(challengeText);
    const nonce = fromBase64Url(nonceText);
    if (!challenge || !nonce) return { ok: false, reason: 'malformed' };
    if (!challengeTagValid(this.sodium, this.key, challenge)) return { ok: false, reason: 'forged' };
    const fields = decodeChallenge(challenge);
    if (!fields) return { ok: false, reason: 'forged' };
    const nowSeconds = Math.floor(this.now() / 1000);
    if (fields.expiry <= nowSeconds) return { ok: false, reason: 'expired' };
    if (fields.bits < this.difficulty.bits() - STALE_BITS_TOLERATED) return { ok: false, reason: 'stale' };
    const id = toBase64Url(fields.id);
    if (this.spent.has(id)) return { ok: false, reason: 'reused' };
    if (!powSolves(this.sodium, challenge, powBinding(this.sodium, Buffer.from(boundText, 'utf8')), nonce, fields.bits)) return { ok: false, reason: 'unsolved' };
    if (this.spent.size >= this.maxSpent) {
      this.sweep(nowSeconds);
      if (this.spent.size >= this.maxSpent) return { ok: false, reason: 'busy' };
    }
    this.spent.set(id, fields.expiry);
    if (++this.accepted % 1024 === 0) this.sweep(nowSeconds);
    this.difficulty.record();
    return { ok: true };
  }

  /**
   * Forgets spent ids whose challenges have expired (they are refused by expiry anyway).
   * Every challenge lives the same TTL, so the Map's insertion order is close to expiry
   * order: sweeping stops at the first live id, which keeps each call cheap however full the
   * set is (an expired id queued behind a live one just waits for a later sweep).
   */
  sweep(nowSeconds = Math.floor(this.now() / 1000)): void {
    for (const [id, expiry] of this.spent) {
      if (expiry > nowSeconds) break;
      this.spent.delete(id);
    }
  }
}
