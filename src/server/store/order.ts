// Storage order (docs/THREAT-MODEL.md T6): after a maintenance run, where a record
// sits in the database file says nothing about when it arrived.
//
// SQLite puts new data where it has room: at the end of the file or in pages freed earlier,
// so without this the pages of tips, mailboxes, replies and attachment chunks lie in arrival
// order, and a seized file (with canary tips planted at known times) dates every record.
// Two steps, both in ordinary transactions, so intake goes on between them:
//
// 1. The small tables (tips, mailboxes, replies, uploads, desk_events) are rebuilt, one transaction each:
//    every row read, all deleted (secure_delete zeroes the freed pages), and inserted again
//    in a fresh random order, so which freed page a row lands in depends on the shuffle, not
//    on its arrival. Then REINDEX rebuilds every index in key order (the keys are random).
//    Cost: the size of these tables, written twice, per run.
// 2. Attachment chunks (GiBs, in their own file: db.ts) are not rewritten: each chunk stored since the last run (marked
//    in fresh_chunks) swaps its contents with a chunk chosen uniformly at random among the
//    chunks of the same payload size already mixed and itself: the "inside-out" Fisher–Yates
//    shuffle, which keeps the assignment of chunks to places a uniformly random permutation
//    as chunks are added (and deleting chunks keeps it one). A swap is three UPDATEs of
//    same-size rows, which SQLite overwrites in place (no page is allocated or freed); at most
//    about 8 MiB is rewritten per transaction. Cost: two chunks rewritten per new chunk, whatever the total.
//
// Each transaction but REINDEX writes one file only (the small tables: the main file; the swaps:
// the chunks file). REINDEX rebuilds the indexes of both files, and each file's stands alone, so
// a crash that commits it in one file only leaves valid indexes in both.
// The WALs then hold these writes in commit order: the caller checkpoints both (TRUNCATE).
// What remains is said in T6: what arrived since the last run, and the date columns.
import { randomInt } from 'node:crypto';
import type { Db } from './db.js';

/** The tables rebuilt in a random order every run: small rows (the envelopes of text tips and replies). */
export const REBUILT_TABLES = ['tips', 'mailboxes', 'replies', 'uploads', 'desk_events'] as const;

export interface MixResult {
  /** Rows rewritten in the small tables. */
  rows: number;
  /** Chunks that were new since the last run and are now at a random place. */
  chunks: number;
}

/** A uniformly random permutation of `items` in place (Fisher–Yates with crypto randomness). */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Bytes SQLite stores an integer in (record format serial types 1–6, 8, 9): rows swap in place only at equal sizes. */
function integerBytes(v: bigint): number {
  if (v === 0n || v === 1n) return 0;
  if (v >= -128n && v <= 127n) return 1;
  if (v >= -32768n && v <= 32767n) return 2;
  if (v >= -8388608n && v <= 8388607n) return 3;
  if (v >= -2147483648n && v <= 2147483647n) return 4;
  if (v >= -140737488355328n && v <= 140737488355327n) return 6;
  return 8;
}

/** Rewrites one small table in a random order (one IMMEDIATE transaction); returns its row count. */
function rebuildTable(db: Db, table: (typeof REBUILT_TABLES)[number]): number {
  const columns = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => `"${c.name}"`);
  const select = db
    .prepare(`SELECT ${columns.join(', ')} FROM ${table}`)
    .raw()
    .safeIntegers(true);
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const clear = db.prepare(`DELETE FROM ${table}`);
  // Foreign keys off for the rebuild only: DELETE FROM tips would otherwise cascade to uploads
  // and chunks. The same rows go back in the same transaction, so every reference holds again.
  db.pragma('foreign_keys = OFF');
  try {
    return db
      .transaction(() => {
        const rows = shuffle(select.all() as unknown[][]);
        clear.run();
        for (const row of rows) insert.run(...row);
        return rows.length;
      })
      .immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

interface ChunkRow {
  upload_id: string;
  idx: bigint;
  data: Buffer;
}

/**
 * Moves every chunk marked fresh to a uniformly random place among the chunks of its size.
 * `pause` runs between transactions (the server yields to its event loop there).
 */
async function mixChunks(db: Db, pause: () => Promise<void>): Promise<number> {
  const fresh = new Set(db.prepare('SELECT chunk FROM chunks.fresh_chunks').pluck().safeIntegers(true).all() as bigint[]);
  if (fresh.size === 0) return 0;
  // Places (rowids) by payload size: a swap keeps every row's size, so SQLite writes in place.
  const buckets = new Map<string, bigint[]>();
  const bucketOf = new Map<bigint, bigint[]>();
  const rows = db.prepare('SELECT rowid, length(upload_id), idx, length(data) FROM chunks.upload_chunks').raw().safeIntegers(true).all() as bigint[][];
  for (const [rowid, idLength, idx, dataLength] of rows as [bigint, bigint, bigint, bigint][]) {
    const key = `${idLength}:${integerBytes(idx)}:${dataLength}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = [];
      buckets.set(key, bucket);
    }
    bucketOf.set(rowid, bucket);
    if (!fresh.has(rowid)) bucket.push(rowid);
  }
  const get = db.prepare('SELECT upload_id, idx, data FROM chunks.upload_chunks WHERE rowid = ?').safeIntegers(true);
  const park = db.prepare('UPDATE chunks.upload_chunks SET upload_id = ? WHERE rowid = ?');
  const put = db.prepare('UPDATE chunks.upload_chunks SET upload_id = ?, idx = ?, data = ? WHERE rowid = ?');
  const unmark = db.prepare('DELETE FROM chunks.fresh_chunks WHERE chunk = ?');
  const swap = (a: bigint, b: bigint): 'swapped' | 'gone' | 'partner-gone' => {
    unmark.run(a);
    const rowA = get.get(a) as ChunkRow | undefined;
    if (!rowA) return 'gone';
    if (a === b) return 'swapped';
    const rowB = get.get(b) as ChunkRow | undefined;
    if (!rowB) return 'partner-gone';
    // (upload_id, idx) is UNIQUE: B steps aside under a placeholder of the same length, then
    // the contents cross.
    park.run('~'.repeat(rowB.upload_id.length), b);
    put.run(rowB.upload_id, rowB.idx, rowB.data, a);
    put.run(rowA.upload_id, rowA.idx, rowA.data, b);
    bytes += 2 * rowA.data.length;
    return 'swapped';
  };
  // Several swaps per transaction (fewer fsyncs), but no more than about 8 MiB rewritten, so
  // the write lock is never held long: intake waits at most one such transaction.
  let mixed = 0;
  let bytes = 0;
  const queue = shuffle([...fresh]);
  let next = 0;
  const step = db.transaction(() => {
    bytes = 0;
    for (let count = 0; next < queue.length && count < 64 && bytes < 8 * 2 ** 20; count++) {
      const chunk = queue[next++]!;
      const bucket = bucketOf.get(chunk);
      if (!bucket) continue; // not in upload_chunks any more: its mark goes below
      bucket.push(chunk);
      for (;;) {
        const at = randomInt(bucket.length);
        const outcome = swap(chunk, bucket[at]!);
        if (outcome === 'swapped') mixed++;
        if (outcome !== 'partner-gone') {
          if (outcome === 'gone') bucket.splice(bucket.indexOf(chunk), 1);
          break;
        }
        bucket.splice(at, 1); // the partner's upload was discarded or purged meanwhile
      }
    }
  });
  while (next < queue.length) {
    step.immediate();
    await pause();
  }
  // Marks of chunks deleted since they were stored.
  db.transaction(() => {
    for (const chunk of fresh) if (!bucketOf.has(chunk)) unmark.run(chunk);
  }).immediate();
  return mixed;
}

/** Both steps (see the top of this file). The caller checkpoints the WAL afterwards. */
export async function mixStorage(db: Db, pause: () => Promise<void> = async () => {}): Promise<MixResult> {
  let rows = 0;
  for (const table of REBUILT_TABLES) {
    rows += rebuildTable(db, table);
    await pause();
  }
  db.transaction(() => db.exec('REINDEX')).immediate();
  await pause();
  const chunks = await mixChunks(db, pause);
  return { rows, chunks };
}
