// Fetch keys: the Ed25519 key an editor's ONLINE workstation signs editor API requests with
// (src/crypto/editor-request.ts). It authorises fetching ciphertext and uploading replies, and
// decrypts nothing, so it is kept unencrypted (mode 0600) for unattended use; its public line
// goes into the server's TIPLINE_EDITORS file. Losing it costs a new line on the server.
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fromBase64Url, toBase64Url } from '../crypto/bytes.js';
import { decodeFetchPublicKey, encodeFetchPublicKey } from '../crypto/editor-request.js';
import { parseJsonStrict } from '../crypto/json.js';
import { loadSodium } from '../crypto/sodium.js';

export const FETCH_KEY_TYPE = 'tipline-fetch-key';

export class FetchKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchKeyError';
  }
}

export interface FetchKey {
  publicKeyLine: string;
  /** libsodium's 64-byte Ed25519 secret key. */
  secretKey: Uint8Array;
}

/** Makes a new fetch key and writes it to a new file (mode 0600, never over an existing file). */
export async function createFetchKeyFile(path: string): Promise<FetchKey> {
  const sodium = await loadSodium();
  const seed = sodium.randombytes_buf(32);
  const pair = sodium.crypto_sign_seed_keypair(seed);
  const publicKeyLine = encodeFetchPublicKey(pair.publicKey);
  const text = JSON.stringify({ type: FETCH_KEY_TYPE, version: 1, publicKey: publicKeyLine, seed: toBase64Url(seed) }, null, 2) + '\n';
  sodium.memzero(seed);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FetchKeyError(code === 'EEXIST' ? `${path} already exists; refusing to overwrite it (choose another --out)` : `cannot create ${path}: ${code ?? 'error'}`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { publicKeyLine, secretKey: pair.privateKey };
}

export async function readFetchKeyFile(path: string): Promise<FetchKey> {
  let json: { type?: unknown; version?: unknown; publicKey?: unknown; seed?: unknown };
  try {
    json = parseJsonStrict(readFileSync(path)) as typeof json;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FetchKeyError(code ? `cannot read the fetch key ${path} (${code})` : `${path} is not a Tipline fetch key (not strict UTF-8 JSON: ${(err as Error).message})`);
  }
  if (json?.type !== FETCH_KEY_TYPE || json.version !== 1) throw new FetchKeyError(`${path} is not a Tipline fetch key (made by npm run keygen -- --fetch-key)`);
  const seed = typeof json.seed === 'string' ? fromBase64Url(json.seed) : undefined;
  if (!seed || seed.length !== 32 || typeof json.publicKey !== 'string') throw new FetchKeyError(`the fetch key ${path} is malformed`);
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

export function fetchKeyOutput(key: FetchKey): string {
  return `# Tipline fetch key (for TIPLINE_EDITORS)\n${key.publicKeyLine}\n`;
}

export function fetchKeyNextSteps(path: string): string {
  return [
    '',
    `Created the fetch key ${path} (readable only by your user).`,
    'It lets this ONLINE workstation fetch ciphertext and upload replies; it cannot decrypt anything.',
    'Next: add the "tipline-fetch-1:" line printed above to the server\'s TIPLINE_EDITORS file',
    '(one line per editor workstation) and restart the server. Then use:',
    `  npm run editor -- fetch --server <url> --key ${path} --out new.bundle`,
    '',
  ].join('\n');
}
