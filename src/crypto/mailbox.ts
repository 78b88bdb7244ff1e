// Conversations: the source's return passphrase and everything derived from it
// (docs/PROTOCOL.md, "Return passphrase and mailbox"). Isomorphic: the browser, the server and
// the offline tools use this one implementation.
//
//   passphrase  = 12 English BIP39 words (128 bits of entropy + a 4-bit checksum)
//   entropy     = the 16 bytes the words encode (BIP39; the checksum catches typos)
//   sign seed   = BLAKE2b(32, key = entropy, "tipline mailbox v1 sign")   → Ed25519 (logging in)
//   kem seed    = BLAKE2b(32, key = entropy, "tipline mailbox v1 kem")    → X-Wing (receiving replies)
//   mailbox id  = hex(BLAKE2b(16, no key, "tipline mailbox v1 id" || sign public key || kem public key))
//
// The entropy is already 128 random bits, so a fast KDF is enough (and a slow password hash
// would take minutes in a browser without JIT). BIP39's own PBKDF2 seed is not used.
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { concat, toHex, utf8 } from './bytes.js';
import { XWING_PUBLIC_KEY_BYTES } from './keys.js';
import { loadSodium } from './sodium.js';

export const MNEMONIC_WORDS = 12;
export const ENTROPY_BYTES = 16;
export const SIGN_PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const MAILBOX_ID_RE = /^[0-9a-f]{32}$/;
const SIGN_CONTEXT = utf8('tipline mailbox v1 sign');
const KEM_CONTEXT = utf8('tipline mailbox v1 kem');
const ID_CONTEXT = utf8('tipline mailbox v1 id');
/** Prefixes of what a mailbox key signs: logging in, and proving the keys when creating it. */
export const LOGIN_CONTEXT = utf8('tipline mailbox v1 login');
export const CREATE_CONTEXT = utf8('tipline mailbox v1 create');

export interface MailboxKeys {
  /** 32 lowercase hex digits. */
  mailbox: string;
  signPublicKey: Uint8Array;
  /** libsodium's 64-byte Ed25519 secret key (seed || public key). */
  signSecretKey: Uint8Array;
  kemPublicKey: Uint8Array;
  /** The 32-byte X-Wing seed. */
  kemSeed: Uint8Array;
}

/** Why a typed passphrase was refused; `word` is the 1-based position of an unknown word. */
export class PassphraseTypo extends Error {
  constructor(
    readonly reason: 'count' | 'word' | 'checksum',
    readonly word?: number,
  ) {
    super(
      reason === 'count'
        ? `a return passphrase has ${MNEMONIC_WORDS} words`
        : reason === 'word'
          ? `word ${word} is not a word of the list`
          : 'the words do not fit together: one is mistyped or they are in the wrong order',
    );
    this.name = 'PassphraseTypo';
  }
}

/** A new 12-word passphrase from the platform CSPRNG (through libsodium). */
export async function newPassphrase(): Promise<string> {
  const sodium = await loadSodium();
  const entropy = sodium.randombytes_buf(ENTROPY_BYTES);
  const words = entropyToMnemonic(entropy, wordlist);
  sodium.memzero(entropy);
  return words;
}

/** Lower case, single spaces, no leading or trailing space: what people type, made canonical. */
export function normalizePassphrase(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/[\s,.;:]+/u)
    .filter((w) => w !== '');
}

/**
 * The 16 bytes of entropy a passphrase encodes. Accepts any spacing and case and the first
 * four letters of each word (BIP39 words are unique in their first four). Throws PassphraseTypo.
 */
export function passphraseEntropy(text: string): Uint8Array {
  const typed = normalizePassphrase(text);
  if (typed.length !== MNEMONIC_WORDS) throw new PassphraseTypo('count');
  const indexes: number[] = [];
  typed.forEach((word, i) => {
    let index = wordlist.indexOf(word);
    if (index < 0 && word.length >= 4) {
      const matches = wordlist.flatMap((w, j) => (w.startsWith(word.slice(0, 4)) && w.startsWith(word) ? [j] : []));
      if (matches.length === 1) index = matches[0]!;
    }
    if (index < 0) throw new PassphraseTypo('word', i + 1);
    indexes.push(index);
  });
  // 12 × 11 bits = 128 bits of entropy followed by 4 checksum bits (the first bits of SHA-256).
  const bits = indexes.map((n) => n.toString(2).padStart(11, '0')).join('');
  const entropy = new Uint8Array(ENTROPY_BYTES);
  for (let i = 0; i < ENTROPY_BYTES; i++) entropy[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2);
  // entropyToMnemonic recomputes the checksum: the words must come back unchanged.
  if (entropyToMnemonic(entropy, wordlist) !== indexes.map((n) => wordlist[n]).join(' ')) throw new PassphraseTypo('checksum');
  return entropy;
}

/** The canonical spelling of a passphrase (full words, single spaces). Throws PassphraseTypo. */
export function canonicalPassphrase(text: string): string {
  return entropyToMnemonic(passphraseEntropy(text), wordlist);
}

export async function mailboxId(signPublicKey: Uint8Array, kemPublicKey: Uint8Array): Promise<string> {
  if (signPublicKey.length !== SIGN_PUBLIC_KEY_BYTES || kemPublicKey.length !== XWING_PUBLIC_KEY_BYTES) throw new Error('invalid mailbox public keys');
  const sodium = await loadSodium();
  return toHex(sodium.crypto_generichash(16, concat(ID_CONTEXT, signPublicKey, kemPublicKey), null));
}

/** Derives the mailbox keys from the 16 bytes of entropy. */
export async function mailboxKeysFromEntropy(entropy: Uint8Array): Promise<MailboxKeys> {
  if (entropy.length !== ENTROPY_BYTES) throw new Error('the passphrase entropy is 16 bytes');
  const sodium = await loadSodium();
  const signSeed = sodium.crypto_generichash(32, SIGN_CONTEXT, entropy);
  const kemSeed = sodium.crypto_generichash(32, KEM_CONTEXT, entropy);
  const sign = sodium.crypto_sign_seed_keypair(signSeed);
  sodium.memzero(signSeed);
  const kem = sodium.crypto_kem_xwing_seed_keypair(kemSeed);
  sodium.memzero(kem.privateKey); // the seed is what we keep (and wipe with wipeMailboxKeys)
  return {
    mailbox: await mailboxId(sign.publicKey, kem.publicKey),
    signPublicKey: sign.publicKey,
    signSecretKey: sign.privateKey,
    kemPublicKey: kem.publicKey,
    kemSeed,
  };
}

/** Derives the mailbox keys from a typed passphrase. Throws PassphraseTypo. */
export async function mailboxKeys(passphrase: string): Promise<MailboxKeys> {
  const entropy = passphraseEntropy(passphrase);
  try {
    return await mailboxKeysFromEntropy(entropy);
  } finally {
    entropy.fill(0);
  }
}

/** What a source signs to log in: the context, the server's challenge and the mailbox id. */
export function loginMessage(challenge: Uint8Array, mailbox: string): Uint8Array {
  return concat(LOGIN_CONTEXT, challenge, utf8(mailbox));
}

/** What a source signs when creating its mailbox: proves it holds the signing key. */
export function createMessage(mailbox: string, kemPublicKey: Uint8Array): Uint8Array {
  return concat(CREATE_CONTEXT, utf8(mailbox), kemPublicKey);
}

export async function sign(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
  const sodium = await loadSodium();
  return sodium.crypto_sign_detached(message, secretKey);
}

/** Ed25519 verification; false (never an exception) for any malformed input. */
export async function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== SIGN_PUBLIC_KEY_BYTES) return false;
  const sodium = await loadSodium();
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function wipeMailboxKeys(keys: MailboxKeys): void {
  keys.signSecretKey.fill(0);
  keys.kemSeed.fill(0);
}
