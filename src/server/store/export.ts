// Export: copies every stored tip (ciphertext only) into a bundle file (docs/BUNDLE.md) for the
// air-gapped machine. Opens the database read-only: in WAL mode a reader neither blocks the
// running server's writes nor waits for them, and it sees one consistent snapshot.
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BundleError, type BundleItem } from '../../crypto/bundle.js';
import { writeBundle } from '../../files/bundle.js';
import { TiplineError } from '../../shared/errors.js';
import { attachChunksForReading } from './db.js';

export class ExportError extends TiplineError {
  override name = 'ExportError';
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
    let selectUploads: Database.Statement | undefined;
    let selectChunks: Database.Statement | undefined;
    let selectIds: Database.Statement | undefined;
    let selectTip: Database.Statement | undefined;
    try {
      // busy_timeout only matters in the rare moment a WAL reader must wait (e.g. recovery).
      db.pragma('busy_timeout = 5000');
      const table = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'tips'").get();
      if (!table) throw new ExportError(`${dbPath} has no tips table: is it a Tipline database?`);
      // Name the columns: later issues add columns and tables this export must not pick up.
      select = db.prepare('SELECT id, received_on, envelope FROM tips ORDER BY id');
      // Attachments (schema 4 and later): each tip's uploads and their chunks follow its line.
      // The chunks are in the chunks file (schema 7 and later) or, in a data directory the
      // server has not opened since, still in the main file: unqualified names find either.
      if (attachChunksForReading(db, dbPath) !== 'none') {
        const stored = '(SELECT count(*) FROM upload_chunks WHERE upload_chunks.upload_id = uploads.id)';
        selectUploads = db.prepare(`SELECT id, chunks, last_chunk_bytes FROM uploads WHERE tip_id = ? AND chunks = ${stored} ORDER BY id`);
        selectChunks = db.prepare('SELECT idx, data FROM upload_chunks WHERE upload_id = ? ORDER BY idx');
        selectIds = db.prepare('SELECT id FROM tips ORDER BY id').pluck();
        selectTip = db.prepare('SELECT id, received_on, envelope FROM tips WHERE id = ?');
      }
    } catch (err) {
      if (err instanceof ExportError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB') throw new ExportError(`${dbPath} is not a SQLite database`);
      throw new ExportError(`cannot read the database ${dbPath}: ${(err as Error).message}`);
    }
    // iterate() runs in one read transaction: a snapshot, streamed row by row into the file.
    const tipRows = function* (): Generator<BundleItem> {
      for (const row of select.iterate() as Iterable<TipRow>) {
        if (typeof row.id !== 'string' || typeof row.received_on !== 'string' || !(row.envelope instanceof Uint8Array)) {
          throw new ExportError(`a row of tips has unexpected column types (id ${JSON.stringify(String(row.id).slice(0, 40))})`);
        }
        yield { id: row.id, received: row.received_on, envelope: row.envelope };
      }
    };
    // With attachments one connection cannot hold two iterators, so the tip ids are read first
    // (32 bytes each), then each tip and its chunks, one row at a time, all inside one read
    // transaction: one snapshot, constant memory per chunk.
    const rows = function* (): Generator<BundleItem> {
      if (!selectUploads || !selectChunks || !selectIds || !selectTip) return yield* tipRows();
      db.exec('BEGIN');
      try {
        const ids = selectIds.all() as unknown[];
        for (const id of ids) {
          const row = selectTip.get(id) as TipRow;
          if (typeof row.id !== 'string' || typeof row.received_on !== 'string' || !(row.envelope instanceof Uint8Array)) {
            throw new ExportError(`a row of tips has unexpected column types (id ${JSON.stringify(String(row.id).slice(0, 40))})`);
          }
          const tip = { id: row.id, received: row.received_on, envelope: row.envelope };
          yield tip;
          for (const u of selectUploads.all(tip.id) as { id: string; chunks: number; last_chunk_bytes: number }[]) {
            yield { file: { tip: tip.id, upload: u.id, chunks: u.chunks, lastChunkBytes: u.last_chunk_bytes } };
            for (const c of selectChunks.iterate(u.id) as Iterable<{ idx: number; data: Uint8Array }>) {
              yield { chunk: { tip: tip.id, upload: u.id, index: c.idx, data: c.data } };
            }
          }
        }
      } finally {
        db.exec('COMMIT');
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
