// Signed editor requests (docs/PROTOCOL.md, "Editor API"). An editor's online workstation holds
// a *fetch key*, an Ed25519 key pair that authorises fetching ciphertext and uploading replies
// and can decrypt nothing. Each request carries these headers:
//
//   tipline-key:        base64url(Ed25519 public key)          (32 bytes)
//   tipline-time:       Unix time in seconds, decimal
//   tipline-nonce:      base64url of 16 random bytes (two identical requests in one second differ)
//   tipline-body-hash:  hex(BLAKE2b(32, no key, body))          (the body's exact bytes; empty for GET)
//   content-length:     the body's length in bytes, decimal     (0, or absent, for no body)
//   tipline-signature:  base64url(Ed25519 signature of the message below)   (64 bytes)
//
//   message = "tipline editor request v2" || LF || server || LF || method || LF || path || LF
//             || time || LF || nonce || LF || length || LF || body hash
//
// `server` names the server the client addresses: the host (and ":port" when not 80) of its
// --server URL, lower case, i.e. the onion name. A server accepts only its own names, so a request
// signed for one server is refused by another that lists the same fetch key.
// The body is covered by its declared length and hash, so the server authenticates a request
// from its headers alone, before it reads a byte of the body.
import { fromBase64Url, toBase64Url, toHex, utf8 } from './bytes.js';
import { loadSodium } from './sodium.js';
import { parseKeyLines } from './keys.js';

export const FETCH_KEY_PREFIX = 'tipline-fetch-1:';
export const REQUEST_CONTEXT = 'tipline editor request v2';
export const HEADER_KEY = 'tipline-key';
export const HEADER_TIME = 'tipline-time';
export const HEADER_SIGNATURE = 'tipline-signature';
export const HEADER_NONCE = 'tipline-nonce';
export const HEADER_BODY_HASH = 'tipline-body-hash';
/** How far a request's time may be from the server's clock, either way. */
export const MAX_SKEW_SECONDS = 300;

export function encodeFetchPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('a fetch public key is 32 bytes');
  return FETCH_KEY_PREFIX + toBase64Url(publicKey);
}

export function decodeFetchPublicKey(line: string): Uint8Array {
  const text = line.trim();
  if (!text.startsWith(FETCH_KEY_PREFIX)) throw new Error(`a fetch public key starts with "${FETCH_KEY_PREFIX}"`);
  const bytes = fromBase64Url(text.slice(FETCH_KEY_PREFIX.length));
  if (bytes?.length !== 32) throw new Error('the fetch public key is not 32 bytes of base64url');
  return bytes;
}

/** An editors file (TIPLINE_EDITORS): one fetch public key per line, `#` comments, errors name the line. */
export function parseFetchKeys(text: string): Uint8Array[] {
  return parseKeyLines(text, decodeFetchPublicKey, (key) => [key]);
}

export interface RequestFields {
  /** The server's name as the client addresses it: host, and ":port" unless 80 (URL.host), lower case. */
  server: string;
  method: string;
  /** The request target exactly as sent: path and query. */
  path: string;
  time: string;
  nonce: string;
  bodyLength: number;
  /** hex(BLAKE2b(32, no key, body)). */
  bodyHash: string;
}

/** The signed message; every field is one line, so no field can run into the next. */
export function requestMessage(f: RequestFields): Uint8Array {
  const lines = [REQUEST_CONTEXT, f.server.toLowerCase(), f.method.toUpperCase(), f.path, f.time, f.nonce, String(f.bodyLength), f.bodyHash];
  if (lines.some((line) => /[\r\n]/.test(line))) throw new Error('a signed request field holds a line break');
  return utf8(lines.join('\n'));
}

export async function bodyHash(body: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  return toHex(sodium.crypto_generichash(32, body, null));
}

/** The headers for a request to `server` (URL.host of the --server URL), signed with a fetch key's 64-byte Ed25519 secret key. */
export async function signRequest(secretKey: Uint8Array, server: string, method: string, path: string, body: Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  const sodium = await loadSodium();
  const time = String(nowSeconds);
  const nonce = toBase64Url(sodium.randombytes_buf(16));
  const hash = await bodyHash(body);
  const message = requestMessage({ server, method, path, time, nonce, bodyLength: body.length, bodyHash: hash });
  const signature = sodium.crypto_sign_detached(message, secretKey);
  return { [HEADER_KEY]: toBase64Url(secretKey.subarray(32)), [HEADER_TIME]: time, [HEADER_NONCE]: nonce, [HEADER_BODY_HASH]: hash, [HEADER_SIGNATURE]: toBase64Url(signature) };
}
