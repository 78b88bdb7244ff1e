// Reading the workstation's fetch key file (format: src/crypto/fetch-key.ts).
import { readFileSync } from 'node:fs';
import { FetchKeyError, parseFetchKey, type FetchKey } from '../crypto/fetch-key.js';

export async function readFetchKeyFile(path: string): Promise<FetchKey> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new FetchKeyError(`cannot read the fetch key ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseFetchKey(bytes, path);
}
