// Backup: a consistent copy of the live database through SQLite's online backup API, safe
// while the server runs and writes (WAL: the copy reads one snapshot and blocks no writer).
// The copy holds the same ciphertext as the database, so it gets the same care: mode 0600,
// never overwriting an existing file, and an integrity check before it is reported good.
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TiplineError } from '../../shared/errors.js';
import { fsyncPath } from '../../files/sync.js';

export class BackupError extends TiplineError {
  override name = 'BackupError';
}

/** Copies `dbPath` to a new file `outPath`; returns the number of tips in the copy. */
export async function backupDatabase(dbPath: string, outPath: string): Promise<{ tips: number }> {
  if (!existsSync(dbPath)) throw new BackupError(`no database at ${dbPath}`);
  if (!statSync(dbPath).isFile()) throw new BackupError(`${dbPath} is not a database file`);
  // O_EXCL: refuse to overwrite, atomically; 0600 from the first byte (SQLite keeps the mode).
  try {
    closeSync(openSync(outPath, 'wx', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupError(`${outPath} already exists; refusing to overwrite it`);
    throw new BackupError(`cannot create ${outPath} (${code ?? (err as Error).message})`);
  }
  let source: Database.Database | undefined;
  try {
    try {
      source = new Database(dbPath, { readonly: true, fileMustExist: true });
      source.pragma('busy_timeout = 5000');
      if (!source.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'tips'").get()) {
        throw new BackupError(`${dbPath} has no tips table: is it a Tipline database?`);
      }
      // All pages in one step: one read snapshot, so concurrent writes never restart the copy.
      await source.backup(outPath, { progress: () => 0x7fffffff });
    } catch (err) {
      if (err instanceof BackupError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new BackupError(`${dbPath} is not a SQLite database`);
      throw new BackupError(`cannot back up ${dbPath}: ${(err as Error).message}`);
    }
    const copy = new Database(outPath, { readonly: true, fileMustExist: true });
    let check: unknown;
    let tips: number;
    try {
      check = copy.pragma('integrity_check', { simple: true });
      tips = (copy.prepare('SELECT count(*) AS n FROM tips').get() as { n: number }).n;
    } finally {
      copy.close();
    }
    if (check !== 'ok') throw new BackupError(`the copy in ${outPath} failed its integrity check: ${String(check)}`);
    fsyncPath(outPath);
    return { tips };
  } catch (err) {
    rmSync(outPath, { force: true });
    rmSync(`${outPath}-journal`, { force: true });
    throw err;
  } finally {
    source?.close();
  }
}
