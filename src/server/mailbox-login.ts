// Login challenges and sessions of the mailboxes (src/server/plugins/mailbox.ts), built so that
// no table anyone can fill for free exists.
//
// Challenge, 32 bytes, opaque to the browser (it signs them as they are):
//
//   payload = u32be(expiry, Unix seconds) || 12 random bytes
//   tag     = BLAKE2b(16, key = K, "tipline mailbox challenge v1" || payload)
//   challenge = payload || tag
//
// K is the server's proof-of-work MAC key (<dataDir>/pow.key), separated from the proof of
// work's own tags by the context string. Issuing keeps nothing. A challenge is spent only by a
// successful login and then remembered, until its expiry, in that mailbox's own small set; a
// failed login keeps nothing (replaying it fails again), so only the holder of a mailbox's key
// can add an entry, and only to its own mailbox.
//
// Sessions are 32 random bytes (the cookie), looked up by their SHA-256 so the map's timing
// says nothing about the secret. A mailbox holds at most SESSIONS_PER_MAILBOX live sessions
// (a new login ends its oldest) and at most SPENT_PER_MAILBOX spent challenges (more logins
// within a challenge's lifetime are refused with 429). Memory is therefore bounded by the
// mailboxes that exist, each of which cost a proof of work to create, not by requests.
import { createHash, randomBytes } from 'node:crypto';
import { concat, readU32, toBase64Url, writeU32 } from '../crypto/bytes.js';
import type { Sodium } from '../crypto/sodium.js';

export const LOGIN_CHALLENGE_BYTES = 32;
const PAYLOAD_BYTES = 16;
const TAG_BYTES = 16;
const CONTEXT = new TextEncoder().encode('tipline mailbox challenge v1');
export const SESSIONS_PER_MAILBOX = 8;
export const SPENT_PER_MAILBOX = 16;

export type LoginVerdict = 'ok' | 'spent' | 'too-many';

interface MailboxState {
  /** Session keys (SHA-256 of the token), oldest first. */
  sessions: string[];
  /** Spent challenge payloads → expiry in Unix seconds. */
  spent: Map<string, number>;
}

export class MailboxLogins {
  private readonly sessions = new Map<string, { mailbox: string; expires: number }>();
  private readonly mailboxes = new Map<string, MailboxState>();

  constructor(
    private readonly sodium: Sodium,
    private readonly key: Uint8Array,
    private readonly now: () => number,
    private readonly challengeSeconds: number,
    private readonly sessionSeconds: number,
  ) {}

  private tag(payload: Uint8Array): Uint8Array {
    return this.sodium.crypto_generichash(TAG_BYTES, concat(CONTEXT, payload), this.key);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** A fresh challenge; nothing is remembered. */
  issue(): Uint8Array {
    const payload = concat(writeU32(this.nowSeconds() + this.challengeSeconds), new Uint8Array(randomBytes(PAYLOAD_BYTES - 4)));
    return concat(payload, this.tag(payload));
  }

  /** True when the server issued this challenge (tag compared in constant time) and it has not expired. */
  live(challenge: Uint8Array): boolean {
    if (challenge.length !== LOGIN_CHALLENGE_BYTES) return false;
    const payload = challenge.subarray(0, PAYLOAD_BYTES);
    if (!this.sodium.memcmp(this.tag(payload), challenge.subarray(PAYLOAD_BYTES))) return false;
    return readU32(payload, 0) > this.nowSeconds();
  }

  /**
   * After a good signature by `mailbox`'s key over a live challenge: spends the challenge and
   * makes a session. 'spent' when the challenge was used before, 'too-many' when the mailbox
   * has spent SPENT_PER_MAILBOX live challenges already.
   */
  login(mailbox: string, challenge: Uint8Array): { verdict: 'ok'; token: string } | { verdict: Exclude<LoginVerdict, 'ok'> } {
    const nowSeconds = this.nowSeconds();
    let state = this.mailboxes.get(mailbox);
    if (!state) {
      state = { sessions: [], spent: new Map() };
      this.mailboxes.set(mailbox, state);
    }
    for (const [id, expiry] of state.spent) if (expiry <= nowSeconds) state.spent.delete(id);
    const id = toBase64Url(challenge.subarray(0, PAYLOAD_BYTES));
    if (state.spent.has(id)) return { verdict: 'spent' };
    if (state.spent.size >= SPENT_PER_MAILBOX) return { verdict: 'too-many' };
    state.spent.set(id, readU32(challenge, 0));
    this.dropExpiredSessions(state);
    while (state.sessions.length >= SESSIONS_PER_MAILBOX) this.sessions.delete(state.sessions.shift()!);
    const token = toBase64Url(new Uint8Array(randomBytes(32)));
    const key = sessionKey(token);
    this.sessions.set(key, { mailbox, expires: this.now() + this.sessionSeconds * 1000 });
    state.sessions.push(key);
    return { verdict: 'ok', token };
  }

  /** The mailbox a live session belongs to, or undefined. */
  session(token: string): string | undefined {
    const entry = this.sessions.get(sessionKey(token));
    return entry && entry.expires > this.now() ? entry.mailbox : undefined;
  }

  logout(token: string): void {
    const key = sessionKey(token);
    const entry = this.sessions.get(key);
    if (!entry) return;
    this.sessions.delete(key);
    const state = this.mailboxes.get(entry.mailbox);
    if (state) state.sessions = state.sessions.filter((k) => k !== key);
  }

  private dropExpiredSessions(state: MailboxState): void {
    const now = this.now();
    state.sessions = state.sessions.filter((key) => {
      const entry = this.sessions.get(key);
      if (entry && entry.expires > now) return true;
      this.sessions.delete(key);
      return false;
    });
  }

  /** Forgets expired sessions and spent challenges, and mailboxes left with neither. */
  sweep(): void {
    const nowSeconds = this.nowSeconds();
    for (const [mailbox, state] of this.mailboxes) {
      for (const [id, expiry] of state.spent) if (expiry <= nowSeconds) state.spent.delete(id);
      this.dropExpiredSessions(state);
      if (state.spent.size === 0 && state.sessions.length === 0) this.mailboxes.delete(mailbox);
    }
  }

  /** What is held in memory (tests). */
  get size(): { mailboxes: number; sessions: number; spent: number } {
    let spent = 0;
    for (const state of this.mailboxes.values()) spent += state.spent.size;
    return { mailboxes: this.mailboxes.size, sessions: this.sessions.size, spent };
  }
}

function sessionKey(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
