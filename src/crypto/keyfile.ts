// Editor secret key files: the editor's 32-byte seed, encrypted under a passphrase with
// Argon2id (crypto_pwhash) and XChaCha20-Poly1305. Only the offline tools read them. The
// signing key is derived from the seed (src/crypto/keys.ts), so files written before it
// existed (their `publicKey` a one-key "tipline-editor-1:" line) still open unchanged.
// The sumo build is loaded on first use, not on import: the offline tools import this module for
// KeyFileError, and unlock in a worker thread (src/offline/unlock.ts) so that Argon2id's memory
// never stays in the main thread.
import type Sumo from 'libsodium-wrappers-sumo';
import { concat, fromBase64Url, toBase64Url, utf8 } from './bytes.js';
import { OLD_PUBLIC_KEY_PREFIX, XWING_PUBLIC_KEY_BYTES, decodePublicKey, editorKeyPairFromSeed, encodePublicKey, fingerprint, type EditorKeyPair, type EditorPublicKey } from './keys.js';
import { parseJsonStrict } from './json.js';
import { TiplineError } from '../shared/errors.js';

export const KEY_FILE_TYPE = 'tipline-editor-secret-key';
const AD_CONTEXT = utf8('tipline editor secret key v1');

export interface KeyFile {
  type: typeof KEY_FILE_TYPE;
  version: 1;
  publicKey: string;
  fingerprint: string;
  kdf: { algorithm: 'argon2id13'; opslimit: number; memlimit: number; salt: string };
  cipher: { algorithm: 'xchacha20poly1305-ietf'; nonce: string; ciphertext: string };
}

export class KeyFileError extends TiplineError {
  override name = 'KeyFileError';
}

type Sodium = typeof Sumo;

async function ready(): Promise<Sodium> {
  const sodium = (await import('libsodium-wrappers-sumo')).default;
  await sodium.ready;
  return sodium;
}

export interface KdfLimits {
  opslimit: number;
  memlimit: number;
}

/** Argon2id MODERATE: 3 passes over 256 MiB, about a second on a laptop. */
export async function defaultKdfLimits(): Promise<KdfLimits> {
  const s = await ready();
  return { opslimit: s.crypto_pwhash_OPSLIMIT_MODERATE, memlimit: s.crypto_pwhash_MEMLIMIT_MODERATE };
}

function deriveKey(s: Sodium, passphrase: string, salt: Uint8Array, limits: KdfLimits): Uint8Array {
  return s.crypto_pwhash(32, utf8(passphrase.normalize('NFC')), salt, limits.opslimit, limits.memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
}

/** The randomness one key file consumes; fixed values give the test vectors only. */
export interface KeyFileRandomness {
  salt: Uint8Array;
  nonce: Uint8Array;
}

export async function encryptKeyFile(pair: EditorKeyPair, passphrase: string, limits?: KdfLimits, randomness?: KeyFileRandomness): Promise<KeyFile> {
  const s = await ready();
  if (passphrase.length === 0) throw new KeyFileError('the passphrase is empty');
  const kdf = limits ?? (await defaultKdfLimits());
  const salt = randomness?.salt ?? s.randombytes_buf(s.crypto_pwhash_SALTBYTES);
  const nonce = randomness?.nonce ?? s.randombytes_buf(24);
  if (salt.length !== s.crypto_pwhash_SALTBYTES || nonce.length !== 24) throw new KeyFileError('invalid key file randomness');
  const key = deriveKey(s, passphrase, salt, kdf);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(pair.seed, concat(AD_CONTEXT, pair.publicKey), null, nonce, key);
  s.memzero(key);
  return {
    type: KEY_FILE_TYPE,
    version: 1,
    publicKey: encodePublicKey(pair),
    fingerprint: await fingerprint(pair),
    kdf: { algorithm: 'argon2id13', opslimit: kdf.opslimit, memlimit: kdf.memlimit, salt: toBase64Url(salt) },
    cipher: { algorithm: 'xchacha20poly1305-ietf', nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext) },
  };
}

function field(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new KeyFileError(`the key file has no ${what}`);
  return value;
}

function bytesField(value: unknown, what: string, length: number): Uint8Array {
  const bytes = fromBase64Url(field(value, what));
  if (!bytes || bytes.length !== length) throw new KeyFileError(`the key file's ${what} is malformed`);
  return bytes;
}

/** Parses and decrypts a key file's text. A wrong passphrase is a KeyFileError with a one-line message. */
export async function decryptKeyFile(text: string, passphrase: string): Promise<EditorKeyPair> {
  const s = await ready();
  // biome-ignore lint/suspicious/noExplicitAny: untrusted JSON; every member is checked below before it is used
  let json: Record<string, any>;
  try {
    json = parseJsonStrict(text) as typeof json;
  } catch (err) {
    const reason = (err as Error).message;
    throw new KeyFileError(`this is not a Tipline key file (${reason === 'not valid JSON' ? 'not JSON' : `not strict JSON: ${reason}`})`);
  }
  if (json?.type !== KEY_FILE_TYPE) throw new KeyFileError('this is not a Tipline editor secret key file');
  if (json.version !== 1) throw new KeyFileError(`unsupported key file version ${String(json.version)}`);
  // The associated data binds the X-Wing public key; the line may be the old one-key form.
  let publicKey: Uint8Array;
  let line: EditorPublicKey | undefined;
  try {
    const text = field(json.publicKey, 'public key').trim();
    if (text.startsWith(OLD_PUBLIC_KEY_PREFIX)) {
      const old = fromBase64Url(text.slice(OLD_PUBLIC_KEY_PREFIX.length));
      if (!old || old.length !== XWING_PUBLIC_KEY_BYTES) throw new Error('not a 1216-byte key');
      publicKey = old;
    } else {
      line = decodePublicKey(text);
      publicKey = line.publicKey;
    }
  } catch (err) {
    throw new KeyFileError(`the key file's public key is malformed: ${(err as Error).message}`);
  }
  const kdf = json.kdf ?? {};
  if (kdf.algorithm !== 'argon2id13') throw new KeyFileError('the key file uses an unknown key derivation');
  const { opslimit, memlimit } = kdf;
  // Bounds stop a crafted file from asking for absurd work or memory.
  if (!Number.isSafeInteger(opslimit) || opslimit < s.crypto_pwhash_OPSLIMIT_MIN || opslimit > s.crypto_pwhash_OPSLIMIT_SENSITIVE) {
    throw new KeyFileError('the key file has an out-of-range opslimit');
  }
  if (!Number.isSafeInteger(memlimit) || memlimit < s.crypto_pwhash_MEMLIMIT_MIN || memlimit > s.crypto_pwhash_MEMLIMIT_SENSITIVE) {
    throw new KeyFileError('the key file has an out-of-range memlimit');
  }
  const salt = bytesField(kdf.salt, 'salt', s.crypto_pwhash_SALTBYTES);
  const cipher = json.cipher ?? {};
  if (cipher.algorithm !== 'xchacha20poly1305-ietf') throw new KeyFileError('the key file uses an unknown cipher');
  const nonce = bytesField(cipher.nonce, 'nonce', 24);
  const ciphertext = bytesField(cipher.ciphertext, 'ciphertext', 32 + 16);
  const key = deriveKey(s, passphrase, salt, { opslimit, memlimit });
  let seed: Uint8Array;
  try {
    seed = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, concat(AD_CONTEXT, publicKey), nonce, key);
  } catch {
    throw new KeyFileError('wrong passphrase (or the key file was altered)');
  } finally {
    s.memzero(key);
  }
  const pair = await editorKeyPairFromSeed(seed);
  s.memzero(seed);
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(pair.publicKey, publicKey) || (line && !same(pair.signPublicKey, line.signPublicKey))) {
    throw new KeyFileError('the key file is inconsistent: its secret does not match its public key');
  }
  if (line?.name !== undefined) pair.name = line.name;
  return pair;
}
