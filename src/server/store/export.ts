// Export: copies every stored tip (ciphertext only) into a bundle file (docs/BUNDLE.md) for the
// air-gapped machine. Opens the database read-only: in WAL mode a reader neither blocks the
// running server's writes nor waits for them, and it sees one consistent snapshot.
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BundleError, writeBundle, type TipRecord } from '../../offline/bundle.js';

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

interface TipRow {
  id: unknown;
  received_on: unknown;
  envelope: unknown;
}

/** Writes every row of `tips` to a new bundle at `outPath`; returns how many. */
export async function exportDatabase(dbPath: string, outPath: string): Promise<{ count: number }> {
  if (!existsSync(dbPath)) throw new ExportError(`no database at ${dbPath}`);
  if (!statSync(dbPath).isFile()) throw new ExportError(`${dbPath} is not a database file`);
  if (existsSync(outPath)) throw new ExportError(`${outPath} already exists; refusing to overwrite it`);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new ExportError(`cannot open the database ${dbPath}: ${(err as Error).message}`);
  }
  try {
    let select: Database.Statement;
    try {
      // busy_timeout only matters in the rare moment a WAL reader must wait (e.g. recovery).
      db.pragma('busy_timeout = 5000');
      const table = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'tips'").get();
      if (!table) throw new ExportError(`${dbPath} has no tips table: is it a Tipline database?`);
      // Name the columns: later issues add columns and tables this export must not pick up.
      select = db.prepare('SELECT id, received_on, envelope FROM tips ORDER BY id');
    } catch (err) {
      if (err instanceof ExportError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new ExportError(`${dbPath} is not a SQLite database`);
      throw new ExportError(`cannot read the database ${dbPath}: ${(err as Error).message}`);
    }
    // iterate() runs in one read transaction: a snapshot, streamed row by row into the file.
    const rows = function* (): Generator<TipRecord> {
      for (const row of select.iterate() as Iterable<TipRow>) {
        if (typeof row.id !== 'string' || typeof row.received_on !== 'string' || !(row.envelope instanceof Uint8Array)) {
          throw new ExportError(`a row of tips has unexpected column types (id ${JSON.stringify(String(row.id).slice(0, 40))})`);
        }
        yield { id: row.id, received: row.received_on, envelope: row.envelope };
      }
    };
    try {
      return await writeBundle(outPath, rows());
    } catch (err) {
      if (err instanceof BundleError || err instanceof ExportError) throw new ExportError(err.message);
      throw new ExportError(`cannot read the database ${dbPath}: ${(err as Error).message}`);
    }
  } finally {
    db.close();
  }
}
