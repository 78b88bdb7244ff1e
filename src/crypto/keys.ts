// Editor keys: X-Wing (X25519 + ML-KEM-768) keypairs. The secret key is the 32-byte seed;
// the public key travels as one line of text, and people compare a short fingerprint by eye.
import { concat, fromBase64Url, toBase64Url, toHex, utf8 } from './bytes.js';
import { loadSodium } from './sodium.js';

export const XWING_PUBLIC_KEY_BYTES = 1216;
export const XWING_SEED_BYTES = 32;
export const PUBLIC_KEY_PREFIX = 'tipline-editor-1:';
const FINGERPRINT_CONTEXT = utf8('tipline fingerprint v1');

export interface EditorKeyPair {
  publicKey: Uint8Array;
  /** The 32-byte X-Wing seed; everything else is derived from it. */
  seed: Uint8Array;
}

export async function editorKeyPairFromSeed(seed: Uint8Array): Promise<EditorKeyPair> {
  if (seed.length !== XWING_SEED_BYTES) throw new Error('an editor key seed is 32 bytes');
  const sodium = await loadSodium();
  const { publicKey } = sodium.crypto_kem_xwing_seed_keypair(seed);
  return { publicKey, seed: Uint8Array.from(seed) };
}

export async function generateEditorKeyPair(): Promise<EditorKeyPair> {
  const sodium = await loadSodium();
  return editorKeyPairFromSeed(sodium.randombytes_buf(XWING_SEED_BYTES));
}

export function encodePublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== XWING_PUBLIC_KEY_BYTES) throw new Error('an editor public key is 1216 bytes');
  return PUBLIC_KEY_PREFIX + toBase64Url(publicKey);
}

/** Parses one public key line (`tipline-editor-1:<base64url>`), or throws a one-line reason. */
export function decodePublicKey(line: string): Uint8Array {
  const text = line.trim();
  if (!text.startsWith(PUBLIC_KEY_PREFIX)) throw new Error(`an editor public key starts with "${PUBLIC_KEY_PREFIX}"`);
  const bytes = fromBase64Url(text.slice(PUBLIC_KEY_PREFIX.length));
  if (!bytes) throw new Error('the editor public key is not valid base64url');
  if (bytes.length !== XWING_PUBLIC_KEY_BYTES) {
    throw new Error(`the editor public key is ${bytes.length} bytes, expected ${XWING_PUBLIC_KEY_BYTES}`);
  }
  return bytes;
}

/**
 * Parses a recipients file: one public key per line; blank lines and lines starting with `#`
 * are ignored, and a key may be followed by ` # a comment`. Errors name the line.
 */
export function parseRecipients(text: string): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    let key: Uint8Array;
    try {
      key = decodePublicKey(line);
    } catch (err) {
      throw new Error(`line ${index + 1}: ${(err as Error).message}`);
    }
    const encoded = toBase64Url(key);
    if (seen.has(encoded)) throw new Error(`line ${index + 1}: the same key is listed twice`);
    seen.add(encoded);
    keys.push(key);
  });
  return keys;
}

/** 128-bit fingerprint, as eight groups of four upper-case hex digits. */
export async function fingerprint(publicKey: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  const digest = sodium.crypto_generichash(16, concat(FINGERPRINT_CONTEXT, publicKey), null);
  return toHex(digest).toUpperCase().match(/.{4}/g)!.join(' ');
}
