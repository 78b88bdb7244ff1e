// Writing a new fetch key file (`npm run keygen -- --fetch-key`); the format is
// src/crypto/fetch-key.ts.
import { closeSync, fchmodSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { FetchKeyError, newFetchKey, type FetchKey } from '../crypto/fetch-key.js';

/** Makes a new fetch key and writes it to a new file (mode 0600, never over an existing file). */
export async function createFetchKeyFile(path: string): Promise<FetchKey> {
  const { key, text } = await newFetchKey();
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
  return key;
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
