// Backup: a consistent copy of the live database through SQLite's online backup API, safe
// while the server runs and writes (WAL: the copy reads one snapshot and blocks no writer).
// The copy holds the same ciphertext as the database, so it gets the same care: mode 0600,
// never overwriting an existing file, and an integrity check before it is reported good.
//
// Two files (db.ts): `out` copies tipline.sqlite and `chunksPath(out)` (out.sqlite →
// out-chunks.sqlite) copies tipline-chunks.sqlite; restoring means putting both back under the
// data directory's names. Main file first, chunks second: every chunk an upload in the first
// copy counts on was committed before it and is in the second (unless the upload was purged
// in between: the restored server then deletes it again); chunks that arrived in between name
// uploads the first copy lacks, and the restored server's maintenance deletes them.
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TiplineError } from '../../shared/errors.js';
import { fsyncPath } from '../../files/sync.js';
import { attachChunksForReading, chunksPath } from './db.js';

export class BackupError extends TiplineError {
  override name = 'BackupError';
}

/** O_EXCL: refuse to overwrite, atomically; 0600 from the first byte (SQLite keeps the mode). */
function createCopy(outPath: string): void {
  try {
    closeSync(openSync(outPath, 'wx', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupError(`${outPath} already exists; refusing to overwrite it`);
    throw new BackupError(`cannot create ${outPath} (${code ?? (err as Error).message})`);
  }
}

/** An integrity check of the copy at `path`; returns its `count` query's answer. */
function checkCopy(path: string, count: string): number {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  let check: unknown;
  let n: number;
  try {
    check = copy.pragma('integrity_check', { simple: true });
    n = copy.prepare(count).pluck().get() as number;
  } finally {
    copy.close();
  }
  if (check !== 'ok') throw new BackupError(`the copy in ${path} failed its integrity check: ${String(check)}`);
  fsyncPath(path);
  return n;
}

/** Copies `dbPath` to a new file `outPath` (and its chunks file to `chunksPath(outPath)`); returns the number of tips in the copy. */
export async function backupDatabase(dbPath: string, outPath: string): Promise<{ tips: number }> {
  if (!existsSync(dbPath)) throw new BackupError(`no database at ${dbPath}`);
  if (!statSync(dbPath).isFile()) throw new BackupError(`${dbPath} is not a database file`);
  createCopy(outPath);
  const outChunks = chunksPath(outPath);
  let chunks = false;
  let source: Database.Database | undefined;
  try {
    try {
      source = new Database(dbPath, { readonly: true, fileMustExist: true });
      source.pragma('busy_timeout = 5000');
      if (!source.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'tips'").get()) {
        throw new BackupError(`${dbPath} has no tips table: is it a Tipline database?`);
      }
      if (attachChunksForReading(source, dbPath) === 'chunks') {
        createCopy(outChunks);
        chunks = true;
      }
      // All pages in one step: one read snapshot, so concurrent writes never restart the copy.
      await source.backup(outPath, { progress: () => 0x7fffffff });
      // `attached` (better-sqlite3's option, missing from its types): the schema to copy.
      const attached = { attached: 'chunks', progress: () => 0x7fffffff } as Database.BackupOptions;
      if (chunks) await source.backup(outChunks, attached);
    } catch (err) {
      if (err instanceof BackupError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new BackupError(`${dbPath} is not a SQLite database`);
      throw new BackupError(`cannot back up ${dbPath}: ${(err as Error).message}`);
    }
    const tips = checkCopy(outPath, 'SELECT count(*) FROM tips');
    if (chunks) checkCopy(outChunks, 'SELECT count(*) FROM upload_chunks');
    return { tips };
  } catch (err) {
    for (const path of chunks ? [outPath, outChunks] : [outPath]) {
      rmSync(path, { force: true });
      rmSync(`${path}-journal`, { force: true });
    }
    throw err;
  } finally {
    source?.close();
  }
}
