// The server's proof-of-work MAC key, `<dataDir>/pow.key`: 32 random bytes, mode 0600,
// created on first start. It is the server's only secret (it decrypts nothing: whoever holds
// it can mint challenges for this server, proof-of-work and mailbox-login ones, nothing more:
// a login still needs the mailbox's signature). Deleting it invalidates the
// challenges handed out so far; a new one is made on the next start.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { POW_KEY_BYTES } from '../../crypto/pow.js';
import { TiplineError } from '../../shared/errors.js';

export const POW_KEY_FILE = 'pow.key';

export class PowKeyError extends TiplineError {
  override name = 'PowKeyError';
}

export function loadOrCreatePowKey(dataDir: string): Uint8Array {
  const path = join(dataDir, POW_KEY_FILE);
  let fd: number;
  try {
    // O_EXCL: never overwrite a key; O_NOFOLLOW: never write through a planted symlink.
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new PowKeyError(`cannot create ${path}: ${(err as NodeJS.ErrnoException).code}`);
    return readPowKey(path);
  }
  try {
    const key = randomBytes(POW_KEY_BYTES);
    writeSync(fd, key);
    return new Uint8Array(key);
  } finally {
    closeSync(fd);
  }
}

function readPowKey(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new PowKeyError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new PowKeyError(`${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) throw new PowKeyError(`${path} is readable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
    const key = readFileSync(fd);
    if (key.length !== POW_KEY_BYTES) throw new PowKeyError(`${path} must hold exactly ${POW_KEY_BYTES} bytes: delete it and restart to make a new one`);
    return new Uint8Array(key);
  } finally {
    closeSync(fd);
  }
}
