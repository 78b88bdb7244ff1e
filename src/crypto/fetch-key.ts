// Fetch key files: the Ed25519 key an editor's ONLINE workstation signs editor API requests with
// (src/crypto/editor-request.ts). It authorises fetching ciphertext and uploading replies, and
// decrypts nothing, so it is kept unencrypted (mode 0600) for unattended use; its public line
// goes into the server's TIPLINE_EDITORS file. Losing it costs a new line on the server.
// The file's text and its strict reader; `npm run keygen -- --fetch-key` writes it
// (src/offline/fetch-key.ts), the editor workstation reads it (src/editor/fetch-key.ts).
import { fromBase64Url, toBase64Url } from './bytes.js';
import { decodeFetchPublicKey, encodeFetchPublicKey } from './editor-request.js';
import { parseJsonStrict } from './json.js';
import { loadSodium } from './sodium.js';
import { TiplineError } from '../shared/errors.js';

export const FETCH_KEY_TYPE = 'tipline-fetch-key';

export class FetchKeyError extends TiplineError {
  override name = 'FetchKeyError';
}

export interface FetchKey {
  publicKeyLine: string;
  /** libsodium's 64-byte Ed25519 secret key. */
  secretKey: Uint8Array;
}

/** A new fetch key and the text of its file. */
export async function newFetchKey(): Promise<{ key: FetchKey; text: string }> {
  const sodium = await loadSodium();
  const seed = sodium.randombytes_buf(32);
  const pair = sodium.crypto_sign_seed_keypair(seed);
  const publicKeyLine = encodeFetchPublicKey(pair.publicKey);
  const text = JSON.stringify({ type: FETCH_KEY_TYPE, version: 1, publicKey: publicKeyLine, seed: toBase64Url(seed) }, null, 2) + '\n';
  sodium.memzero(seed);
  return { key: { publicKeyLine, secretKey: pair.privateKey }, text };
}

/** Reads a fetch key file's bytes; `path` names the file in messages. Throws FetchKeyError. */
export async function parseFetchKey(bytes: Uint8Array, path: string): Promise<FetchKey> {
  let json: { type?: unknown; version?: unknown; publicKey?: unknown; seed?: unknown };
  try {
    json = parseJsonStrict(bytes) as typeof json;
  } catch (err) {
    throw new FetchKeyError(`${path} is not a Tipline fetch key (not strict UTF-8 JSON: ${(err as Error).message})`);
  }
  if (json?.type !== FETCH_KEY_TYPE || json.version !== 1) throw new FetchKeyError(`${path} is not a Tipline fetch key (made by npm run keygen -- --fetch-key)`);
  const seed = typeof json.seed === 'string' ? fromBase64Url(json.seed) : undefined;
  if (seed?.length !== 32 || typeof json.publicKey !== 'string') throw new FetchKeyError(`the fetch key ${path} is malformed`);
  const sodium = await loadSodium();
  const pair = sodium.crypto_sign_seed_keypair(seed);
  sodium.memzero(seed);
  let listed: Uint8Array;
  try {
    listed = decodeFetchPublicKey(json.publicKey);
  } catch (err) {
    throw new FetchKeyError(`the fetch key ${path} is malformed: ${(err as Error).message}`);
  }
  if (!sodium.memcmp(listed, pair.publicKey)) throw new FetchKeyError(`the fetch key ${path} is inconsistent: its secret does not match its public key`);
  return { publicKeyLine: json.publicKey, secretKey: pair.privateKey };
}
