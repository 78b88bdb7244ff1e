// Opens the SQLite database: WAL with synchronous=FULL, so a committed transaction survives
// kill -9 and power loss; secure_delete so purged ciphertext is overwritten; file mode 0600.
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const DATABASE_FILE = 'tipline.sqlite';

const MIGRATIONS: string[] = [
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
];

/** Every connection's settings (the server's, and the tip store's writer thread's on the same file). */
export const CONNECTION_PRAGMAS: readonly string[] = ['journal_mode = WAL', 'synchronous = FULL', 'secure_delete = ON', 'foreign_keys = ON', 'busy_timeout = 5000'];

export function openDatabase(path: string): Db {
  // Create the file with mode 0600 before SQLite does, so it is never world-readable.
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  const db = new Database(path);
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the database is from a newer Tipline (schema ${current}, this version knows ${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
