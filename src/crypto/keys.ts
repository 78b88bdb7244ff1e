// Editor keys. Each editor has one 32-byte secret seed, from which come two key pairs:
//   - an X-Wing (X25519 + ML-KEM-768) key pair: tips are sealed to its public key;
//   - an Ed25519 **signing** key pair: the editor signs replies and acknowledgements (and,
//     later, desk events) with it, each under its own context string (src/crypto/signing.ts).
//     sign seed = BLAKE2b(32, key = seed, "tipline editor v1 sign"), so existing key files,
//     which hold only the seed, keep working (docs/PROTOCOL.md, "Editor keys").
// The public keys travel together as one line of text, and people compare one short
// fingerprint over both by eye.
import { concat, fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.js';
import { loadSodium } from './sodium.js';

export const XWING_PUBLIC_KEY_BYTES = 1216;
export const XWING_SEED_BYTES = 32;
export const SIGN_PUBLIC_KEY_BYTES = 32;
export const PUBLIC_KEY_PREFIX = 'tipline-editor-2:';
/** The one-key line of earlier versions (X-Wing only): refused, with how to print the new line. */
export const OLD_PUBLIC_KEY_PREFIX = 'tipline-editor-1:';
export const MAX_NAME_BYTES = 64;
const FINGERPRINT_CONTEXT = utf8('tipline fingerprint v2');
const SIGN_SEED_CONTEXT = utf8('tipline editor v1 sign');

/** What the public line carries: both public keys and an optional display name (a label, not authenticated). */
export interface EditorPublicKey {
  /** The X-Wing public key (1216 bytes): tips are sealed to it. */
  publicKey: Uint8Array;
  /** The Ed25519 signing public key (32 bytes): replies and acknowledgements verify under it. */
  signPublicKey: Uint8Array;
  name?: string;
}

export interface EditorKeyPair extends EditorPublicKey {
  /** The 32-byte secret seed; everything else is derived from it. */
  seed: Uint8Array;
  /** libsodium's 64-byte Ed25519 secret key (sign seed || sign public key). */
  signSecretKey: Uint8Array;
}

export async function editorKeyPairFromSeed(seed: Uint8Array): Promise<EditorKeyPair> {
  if (seed.length !== XWING_SEED_BYTES) throw new Error('an editor key seed is 32 bytes');
  const sodium = await loadSodium();
  const { publicKey, privateKey } = sodium.crypto_kem_xwing_seed_keypair(seed);
  sodium.memzero(privateKey); // the seed is what is kept; no other copy of the secret
  const signSeed = sodium.crypto_generichash(32, SIGN_SEED_CONTEXT, seed);
  const sign = sodium.crypto_sign_seed_keypair(signSeed);
  sodium.memzero(signSeed);
  return { publicKey, signPublicKey: sign.publicKey, signSecretKey: sign.privateKey, seed: Uint8Array.from(seed) };
}

export async function generateEditorKeyPair(): Promise<EditorKeyPair> {
  const sodium = await loadSodium();
  return editorKeyPairFromSeed(sodium.randombytes_buf(XWING_SEED_BYTES));
}

/** Wipes a key pair's secrets. */
export function wipeEditorKeyPair(pair: EditorKeyPair): void {
  pair.seed.fill(0);
  pair.signSecretKey.fill(0);
}

function checkName(name: string): string {
  const bytes = utf8(name);
  if (name !== name.normalize('NFC') || bytes.length < 1 || bytes.length > MAX_NAME_BYTES || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name) || name.trim() !== name) {
    throw new Error(`an editor name is 1 to ${MAX_NAME_BYTES} bytes of NFC text without control characters or surrounding spaces`);
  }
  return name;
}

/** `tipline-editor-2:<base64url(X-Wing pk || Ed25519 pk)>[:<base64url(UTF-8 name)>]`. */
export function encodePublicKey(key: EditorPublicKey): string {
  if (key.publicKey.length !== XWING_PUBLIC_KEY_BYTES) throw new Error('an editor public key is 1216 bytes');
  if (key.signPublicKey.length !== SIGN_PUBLIC_KEY_BYTES) throw new Error('an editor signing public key is 32 bytes');
  const name = key.name === undefined ? '' : `:${toBase64Url(utf8(checkName(key.name)))}`;
  return PUBLIC_KEY_PREFIX + toBase64Url(concat(key.publicKey, key.signPublicKey)) + name;
}

/** Parses one public key line, or throws a one-line reason. */
export function decodePublicKey(line: string): EditorPublicKey {
  const text = line.trim();
  if (text.startsWith(OLD_PUBLIC_KEY_PREFIX)) {
    throw new Error(
      `this is an old one-key editor line ("${OLD_PUBLIC_KEY_PREFIX}") without a signing key; print the new line from the editor's key file with \`npm run keygen -- --public --key <key file>\``,
    );
  }
  if (!text.startsWith(PUBLIC_KEY_PREFIX)) throw new Error(`an editor public key starts with "${PUBLIC_KEY_PREFIX}"`);
  const [keys, name, ...rest] = text.slice(PUBLIC_KEY_PREFIX.length).split(':');
  if (rest.length > 0) throw new Error('the editor public key line has too many ":" parts');
  const bytes = fromBase64Url(keys ?? '');
  if (!bytes) throw new Error('the editor public key is not valid base64url');
  const expected = XWING_PUBLIC_KEY_BYTES + SIGN_PUBLIC_KEY_BYTES;
  if (bytes.length !== expected) throw new Error(`the editor public key is ${bytes.length} bytes, expected ${expected}`);
  const key: EditorPublicKey = { publicKey: bytes.slice(0, XWING_PUBLIC_KEY_BYTES), signPublicKey: bytes.slice(XWING_PUBLIC_KEY_BYTES) };
  if (name !== undefined) {
    const nameBytes = fromBase64Url(name);
    let decoded: string | undefined;
    try {
      decoded = nameBytes ? fromUtf8(nameBytes) : undefined;
    } catch {
      decoded = undefined;
    }
    if (decoded === undefined) throw new Error('the editor name is not base64url of UTF-8 text');
    key.name = checkName(decoded);
  }
  return key;
}

/**
 * Parses a file of keys, one per line: blank lines and lines starting with `#` are ignored, and a
 * key may be followed by ` # a comment`. `decode` reads one line; `parts` are the key's byte
 * strings, none of which may appear twice in the file. Errors name the line.
 */
export function parseKeyLines<K>(text: string, decode: (line: string) => K, parts: (key: K) => Uint8Array[]): K[] {
  const keys: K[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    let key: K;
    try {
      key = decode(line);
    } catch (err) {
      throw new Error(`line ${index + 1}: ${(err as Error).message}`);
    }
    for (const part of parts(key)) {
      const encoded = toBase64Url(part);
      if (seen.has(encoded)) throw new Error(`line ${index + 1}: the same key is listed twice`);
      seen.add(encoded);
    }
    keys.push(key);
  });
  return keys;
}

/** Parses a recipients file (TIPLINE_RECIPIENTS): one editor public key per line, as parseKeyLines. */
export function parseRecipients(text: string): EditorPublicKey[] {
  return parseKeyLines(text, decodePublicKey, (key) => [key.publicKey, key.signPublicKey]);
}

/** 128-bit fingerprint over both public keys (not the name), as eight groups of four upper-case hex digits. */
export async function fingerprint(key: EditorPublicKey): Promise<string> {
  const sodium = await loadSodium();
  const digest = sodium.crypto_generichash(16, concat(FINGERPRINT_CONTEXT, key.publicKey, key.signPublicKey), null);
  return toHex(digest).toUpperCase().match(/.{4}/g)!.join(' ');
}
