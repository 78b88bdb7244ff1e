// Writes an export bundle file (format: src/crypto/bundle.ts, docs/BUNDLE.md). Shared by the
// Node sides that write one: the server host (`npm run export`), the editor workstation
// (`npm run editor -- fetch|sync`) and the air-gapped tools (`npm run reply`, the desk's outbox
// of replies and desk events: `{ event }` items).
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { BundleError, bundleLines, isBundleDate, todayUtc, type BundleItem } from '../crypto/bundle.js';
import { loadSodium } from '../crypto/sodium.js';
import { fsyncPath } from './sync.js';

export interface WriteResult {
  count: number;
}

/**
 * Writes a bundle to `path`: never overwrites, writes to a temporary file in the same folder
 * (mode 0600), fsyncs it and links it into place (atomic, and fails if `path` appeared
 * meanwhile), then fsyncs the folder. Records come from a synchronous iterable so that a
 * database read runs from one snapshot without yielding to the event loop.
 */
export async function writeBundle(path: string, records: Iterable<BundleItem>, options: { created?: string } = {}): Promise<WriteResult> {
  const sodium = await loadSodium();
  const created = options.created ?? todayUtc();
  if (!isBundleDate(created)) throw new BundleError('the bundle date must be written YYYY-MM-DD');
  const dir = dirname(path);
  if (lstatOrUndefined(path)) throw new BundleError(`${path} already exists; refusing to overwrite it`);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (err) {
    throw new BundleError(`cannot write in ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let linked = false;
  try {
    const lines = bundleLines(sodium, records, created);
    let count: number;
    for (;;) {
      const next = lines.next();
      if (next.done) {
        count = next.value;
        break;
      }
      const bytes = Buffer.from(next.value + '\n', 'utf8');
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    try {
      linkSync(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new BundleError(code === 'EEXIST' ? `${path} already exists; refusing to overwrite it` : `cannot create ${path} (${code ?? 'error'})`);
    }
    linked = true;
    unlinkSync(tmp);
    fsyncPath(dir);
    return { count };
  } catch (err) {
    if (fd !== -1) closeSync(fd);
    if (!linked) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot write the bundle ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
