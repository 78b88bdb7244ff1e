// Opens the SQLite database: WAL with synchronous=FULL, so a committed transaction survives
// kill -9 and power loss; secure_delete so purged ciphertext is overwritten; file mode 0600.
//
// Two files. tipline.sqlite holds everything but the attachment chunks, in 4 KiB pages;
// the chunks (ciphertext, 1 MiB rows) live in tipline-chunks.sqlite beside it, in 64 KiB
// pages, which SQLite writes about twice as fast (docs/PERFORMANCE.md). Page size is per
// file, and tips must keep small pages. The connection ATTACHes the chunks file as schema
// `chunks`, with the same settings. A transaction is atomic per file, never across both, so
// no transaction writes both; the order of writes keeps every crash point consistent:
// - an upload's row (main) is committed before any of its chunks (chunks) is stored;
// - a chunk is acknowledged once committed in the chunks file, which is all a chunk writes
//   (its count is read from there: uploads has no counter that could disagree);
// - a tip links an upload (main) only if the chunks file holds all its chunks;
// - deleting: the upload's row first (main), then its chunks (sweepOrphanChunks). A crash
//   between leaves chunks no upload names: nothing reads a chunk except through its upload,
//   and the next maintenance run (or start) deletes them.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const DATABASE_FILE = 'tipline.sqlite';
/** The attachment chunks' file beside DATABASE_FILE (chunksPath). */
export const CHUNKS_FILE = 'tipline-chunks.sqlite';
/** The chunks file's page size: 1 MiB chunks in 64 KiB pages write about twice as fast as in 4 KiB ones. */
export const CHUNKS_PAGE_SIZE = 65536;

/** The chunks file that belongs to the database file `path`: tipline.sqlite → tipline-chunks.sqlite, x → x-chunks. */
export function chunksPath(path: string): string {
  return path.endsWith('.sqlite') ? `${path.slice(0, -'.sqlite'.length)}-chunks.sqlite` : `${path}-chunks`;
}

export const MIGRATIONS: readonly string[] = [
  // 1: tips. Random ids, the date of receipt (never a time of day), the ciphertext. Nothing else.
  `CREATE TABLE tips (
     id TEXT PRIMARY KEY,
     received_on TEXT NOT NULL,
     envelope BLOB NOT NULL
   ) STRICT, WITHOUT ROWID;`,
  // 2: the date an editor acknowledged importing a tip (retention purges acknowledged tips sooner).
  `ALTER TABLE tips ADD COLUMN acked_on TEXT;`,
  // 3: conversations. A mailbox is a random-looking id (a hash of its public keys),
  // its two public keys, the date it was created and the date it was last used (retention).
  // Replies are editors' envelopes waiting for the source; read_on is the date the source
  // first listed them. Follow-ups go into tips: nothing links a tip to a mailbox.
  `CREATE TABLE mailboxes (
     id TEXT PRIMARY KEY,
     sign_public_key BLOB NOT NULL,
     kem_public_key BLOB NOT NULL,
     created_on TEXT NOT NULL,
     used_on TEXT NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE replies (
     id TEXT PRIMARY KEY,
     mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
     received_on TEXT NOT NULL,
     envelope BLOB NOT NULL,
     read_on TEXT
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX replies_by_mailbox ON replies(mailbox_id);`,
  // 4: attachments. An upload is a random 256-bit id (a capability), its declared
  // shape, the date it was created and, once a tip names it, that tip (deleted with it). Its
  // chunks are ciphertext only, one row each (rowid table: 1 MiB rows do not belong in a
  // WITHOUT ROWID b-tree). `stored` counts the chunks held; complete when stored = chunks.
  `CREATE TABLE uploads (
     id TEXT PRIMARY KEY,
     chunks INTEGER NOT NULL,
     last_chunk_bytes INTEGER NOT NULL,
     stored INTEGER NOT NULL DEFAULT 0,
     created_on TEXT NOT NULL,
     tip_id TEXT REFERENCES tips(id) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX uploads_by_tip ON uploads(tip_id);
   CREATE TABLE upload_chunks (
     upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
     idx INTEGER NOT NULL,
     data BLOB NOT NULL,
     UNIQUE (upload_id, idx)
   ) STRICT;`,
  // 5: storage order. The chunks stored since the last maintenance run, by their
  // (random) rowid, so store/order.ts can move each one to a random place; emptied every run.
  // Chunks already stored count as new, so the first run after this migration mixes them all.
  `CREATE TABLE fresh_chunks (chunk INTEGER PRIMARY KEY) STRICT;
   INSERT INTO fresh_chunks (chunk) SELECT rowid FROM upload_chunks;`,
  // 6: desk events. Opaque envelopes the editors' desks share: the id the uploading
  // desk chose (random: a resend is recognised), the date of receipt, the ciphertext. Nothing else.
  `CREATE TABLE desk_events (
     id TEXT PRIMARY KEY,
     received_on TEXT NOT NULL,
     envelope BLOB NOT NULL
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX desk_events_by_day ON desk_events(received_on, id);`,
  // 7: chunks in their own file (CHUNKS_MIGRATIONS). moveChunks first copied them there (its
  // own transaction, committed); now the main file lets them go, and `stored` with them (a
  // chunk's commit must not write this file: the count is read from the chunks file).
  `DROP TABLE fresh_chunks;
   DROP TABLE upload_chunks;
   ALTER TABLE uploads DROP COLUMN stored;`,
];

/** The chunks file's own schema (its user_version counts these). */
const CHUNKS_MIGRATIONS: readonly string[] = [
  // 1: the chunks of uploads (main.uploads), ciphertext only, one row each, a random rowid
  // (store/uploads.ts); fresh_chunks: the chunks stored since the last maintenance run
  // (store/order.ts). No foreign key: SQLite has none across files (see the top of this file).
  `CREATE TABLE chunks.upload_chunks (
     upload_id TEXT NOT NULL,
     idx INTEGER NOT NULL,
     data BLOB NOT NULL,
     UNIQUE (upload_id, idx)
   ) STRICT;
   CREATE TABLE chunks.fresh_chunks (chunk INTEGER PRIMARY KEY) STRICT;`,
];

/** Every connection's settings (the server's, and the tip store's writer thread's on the same file). */
export const CONNECTION_PRAGMAS: readonly string[] = ['journal_mode = WAL', 'synchronous = FULL', 'secure_delete = ON', 'foreign_keys = ON', 'busy_timeout = 5000'];
/**
 * The same per-file settings for the attached chunks file (page_size first: it counts only before
 * the file's first write), and a page cache of 2 MiB (32 pages: the b-tree's inner pages and the
 * index; chunks are written once and seldom read). With the default size, storing 512 MiB took
 * the process from 87 to 343 MB resident (3 runs of 3); with 2 MiB, to 93–100 MB, no slower.
 */
export const CHUNKS_PRAGMAS: readonly string[] = [
  `chunks.page_size = ${CHUNKS_PAGE_SIZE}`,
  'chunks.journal_mode = WAL',
  'chunks.synchronous = FULL',
  'chunks.secure_delete = ON',
  'chunks.cache_size = -2048',
];
/** Attaches the chunks file (bound to its path) as schema `chunks`. */
export const ATTACH_CHUNKS_SQL = 'ATTACH DATABASE ? AS chunks';

/** Creates `path` with mode 0600 before SQLite does, so it is never world-readable. */
function createPrivate(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export function openDatabase(path: string): Db {
  createPrivate(path);
  createPrivate(chunksPath(path));
  const db = new Database(path);
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
  db.prepare(ATTACH_CHUNKS_SQL).run(chunksPath(path));
  for (const pragma of CHUNKS_PRAGMAS) db.pragma(pragma);
  // A database that has moved its chunks out (schema 7) with an empty chunks file beside it: the
  // chunks file was lost or not restored. Starting would silently leave every attachment incomplete.
  if ((db.pragma('main.user_version', { simple: true }) as number) >= 7 && db.pragma('chunks.user_version', { simple: true }) === 0) {
    db.close();
    throw new Error(`its attachments file ${chunksPath(path)} is missing or empty: restore it beside ${path} (docs/OPERATIONS.md, "Backup and restore")`);
  }
  migrate(db, 'chunks', CHUNKS_MIGRATIONS);
  migrate(db, 'main', MIGRATIONS);
  sweepOrphanChunks(db);
  return db;
}

function migrate(db: Db, schema: 'main' | 'chunks', migrations: readonly string[]): void {
  const current = db.pragma(`${schema}.user_version`, { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`the database is from a newer Tipline (schema ${current}, this version knows ${migrations.length})`);
  }
  for (let version = current; version < migrations.length; version++) {
    const moved = schema === 'main' && version === 6 ? moveChunks(db) : 0;
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`${schema}.user_version = ${version + 1}`);
    }).immediate();
    if (moved > 0) {
      // The main file's chunk pages are free (and zeroed: secure_delete); VACUUM gives them back.
      // Only when there were chunks: a new database has nothing to give back, and VACUUM needs a
      // temporary file (SQLITE_TMPDIR; the container sets it to its data volume, as its root
      // file system is read-only and it has no writable /tmp).
      db.exec('VACUUM main');
      checkpoint(db);
    }
  }
}

/**
 * Migration 7, first half: copies the chunks (and their marks for the next maintenance run)
 * from the main file into the chunks file, in one transaction on the chunks file only. A crash
 * after it and before the main file drops them runs it again: OR IGNORE skips what is there.
 * The rows go in in rowid order, and rowids are random: no arrival order in the new file.
 * Returns how many chunks the main file held.
 */
function moveChunks(db: Db): number {
  return db
    .transaction(() => {
      db.exec(`INSERT OR IGNORE INTO chunks.upload_chunks (rowid, upload_id, idx, data) SELECT rowid, upload_id, idx, data FROM main.upload_chunks;
        INSERT OR IGNORE INTO chunks.fresh_chunks (chunk) SELECT chunk FROM main.fresh_chunks;`);
      return db.prepare('SELECT count(*) FROM main.upload_chunks').pluck().get() as number;
    })
    .immediate();
}

/**
 * Deletes the chunks no upload names any more (their upload was deleted: the second step of
 * every deletion, see the top of this file), in one transaction on the chunks file; returns how
 * many. An upload's row is committed before its first chunk and never comes back once deleted
 * (random ids), so a chunk without its row is always an orphan, whenever this runs.
 */
export function sweepOrphanChunks(db: Db): number {
  return db.transaction(() => db.prepare('DELETE FROM chunks.upload_chunks WHERE upload_id NOT IN (SELECT id FROM main.uploads)').run().changes).immediate();
}

/**
 * Checkpoints both files' WALs and truncates them to zero bytes, one file at a time so that
 * each one's result counts; true when both are empty now. False when a reader (e.g. a running
 * export or backup) kept a checkpoint from finishing.
 */
export function checkpoint(db: Db): boolean {
  let truncated = true;
  for (const schema of ['main', 'chunks']) {
    const [result] = db.pragma(`${schema}.wal_checkpoint(TRUNCATE)`) as { busy: number; log: number; checkpointed: number }[];
    truncated &&= result !== undefined && result.busy === 0 && result.log === 0;
  }
  return truncated;
}

/**
 * For a read-only connection to the database file `path` (export, backup): attaches its chunks
 * file when it has one. 'chunks': attached; 'main': the chunks are still in the main file (a
 * data directory the server has not opened since before schema 7); 'none': no attachments at
 * all (before schema 4). Throws when the database needs a chunks file and it is missing.
 */
export function attachChunksForReading(db: Db, path: string): 'chunks' | 'main' | 'none' {
  const has = (name: string) => db.prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
  if (has('upload_chunks')) return 'main';
  if (!has('uploads')) return 'none';
  const file = chunksPath(path);
  if (!existsSync(file)) throw new Error(`its attachments file ${file} is missing`);
  db.prepare(ATTACH_CHUNKS_SQL).run(file);
  return 'chunks';
}
