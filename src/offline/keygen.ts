// Offline keygen (air-gapped): makes a new editor key (one seed: the X-Wing key pair and the
// Ed25519 signing key pair derived from it) and writes the seed, encrypted under a passphrase,
// to a new key file (docs/PROTOCOL.md, "Editor key file"); or prints the public line of an
// existing key file (`--public --key`), which is how a key made before signing keys gets its
// two-key line.
// Node built-ins and libsodium only, no network.
import { closeSync, fsyncSync, lstatSync, openSync, statSync, unlinkSync, writeSync, fchmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { editorKeyPairFromSeed, encodePublicKey, fingerprint, generateEditorKeyPair, wipeEditorKeyPair } from '../crypto/keys.js';
import { encryptKeyFile, type KdfLimits } from '../crypto/keyfile.js';
import { decryptKeyFileInWorker } from './unlock.js';
import { TiplineError } from '../shared/errors.js';

export const MIN_PASSPHRASE_CHARS = 8;

export class KeygenError extends TiplineError {
  override name = 'KeygenError';
}

export interface NewKey {
  path: string;
  publicKeyLine: string;
  fingerprint: string;
}

/** Refuses a passphrase that is too short to protect a key file. Counts characters, not bytes. */
export function checkNewPassphrase(passphrase: string): void {
  const chars = [...passphrase.normalize('NFC')].length;
  if (chars < MIN_PASSPHRASE_CHARS) {
    throw new KeygenError(`the passphrase has ${chars} character${chars === 1 ? '' : 's'}; use at least ${MIN_PASSPHRASE_CHARS} (better: five or more random words)`);
  }
}

/**
 * Fails early, before a passphrase is asked and a key is made, when `path` cannot be a new
 * file: it exists (even as a dangling symbolic link), or its folder does not. The final
 * create uses O_EXCL anyway, so this is a courtesy, not the guarantee.
 */
export function checkCanCreate(path: string): void {
  let exists = false;
  try {
    lstatSync(path);
    exists = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new KeygenError(`cannot use ${path}: ${code ?? 'error'}`);
  }
  if (exists) throw new KeygenError(`${path} already exists; refusing to overwrite it (choose another --out)`);
  const folder = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new KeygenError(`the folder ${folder} does not exist (or is not a folder)`);
}

/**
 * Makes a new editor key and writes it, encrypted under `passphrase`, to `path` with mode
 * 0600. Never overwrites: the file is created with O_CREAT|O_EXCL ('wx'). `limits` is for
 * tests; the default is Argon2id MODERATE.
 */
export async function createKeyFile(path: string, passphrase: string, limits?: KdfLimits, name?: string): Promise<NewKey> {
  checkNewPassphrase(passphrase);
  const pair = await generateEditorKeyPair();
  if (name !== undefined) pair.name = name;
  let text: string;
  try {
    encodePublicKey(pair); // a bad --name fails here, before anything is written
    text = JSON.stringify(await encryptKeyFile(pair, passphrase, limits), null, 2) + '\n';
  } catch (err) {
    throw new KeygenError((err as Error).message);
  } finally {
    wipeEditorKeyPair(pair);
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeygenError(`${path} already exists; refusing to overwrite it (choose another --out)`);
    throw new KeygenError(`cannot create ${path}: ${code ?? 'error'}`);
  }
  try {
    fchmodSync(fd, 0o600); // exact, whatever the umask
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(path); // we created it a moment ago: remove the incomplete file
    throw new KeygenError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  closeSync(fd);
  syncFolder(dirname(resolve(path)));
  return { path, publicKeyLine: encodePublicKey(pair), fingerprint: await fingerprint(pair) };
}

/**
 * The public line of an existing key file, derived from its secret (so it needs the
 * passphrase): for key files made before editor signing keys, whose stored line is the old
 * one-key form. `name` replaces the display name in the printed line.
 */
export async function publicLineOfKeyFile(path: string, text: string, passphrase: string, name?: string): Promise<NewKey> {
  const opened = await decryptKeyFileInWorker(text, passphrase);
  const pair = await editorKeyPairFromSeed(opened.seed);
  wipeEditorKeyPair(opened);
  try {
    const named = name !== undefined ? name : opened.name;
    if (named !== undefined) pair.name = named;
    let publicKeyLine: string;
    try {
      publicKeyLine = encodePublicKey(pair);
    } catch (err) {
      throw new KeygenError((err as Error).message);
    }
    return { path, publicKeyLine, fingerprint: await fingerprint(pair) };
  } finally {
    wipeEditorKeyPair(pair);
  }
}

/** Makes the new directory entry durable (best effort: not every file system allows it). */
function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // e.g. EISDIR/EPERM on unusual file systems; the file itself was fsynced
  }
}

/**
 * What keygen prints on standard output: a comment with the fingerprint and the public key
 * line — exactly what goes into the server's recipients file, so
 * `npm run --silent keygen -- --out key.json > editor.pub` gives a file ready to append.
 */
export function publicKeyOutput(key: NewKey): string {
  return `# Tipline editor key, fingerprint ${key.fingerprint}\n${key.publicKeyLine}\n`;
}

/** The explanation for the person at the keyboard (printed on standard error). */
export function nextSteps(key: NewKey, saveCommand = 'npm run --silent keygen -- --out FILE > editor.pub'): string {
  return [
    '',
    `Created the editor key file ${key.path}`,
    '(your secret key, encrypted with your passphrase; readable only by your user).',
    '',
    `Fingerprint: ${key.fingerprint}`,
    '',
    'Next:',
    '  1. Copy the public key line printed above (starting with "tipline-editor-2:") to the',
    '     server and add it to its recipients file (TIPLINE_RECIPIENTS), one line per editor;',
    '     then restart the server. The public key is not secret. (Standard output holds just',
    `     that entry: \`${saveCommand}\` saves it to a file.)`,
    '  2. Open the tip page and check that it shows this fingerprint. Give the fingerprint to',
    '     the other editors by another channel (phone, in person) so they can check it too.',
    `  3. Keep ${key.path} only on this air-gapped machine, plus a backup copy somewhere safe.`,
    '     Without this file AND its passphrase, tips sealed to this key can never be read.',
    '     Never copy it to the server or to an online computer.',
    '',
  ].join('\n');
}
