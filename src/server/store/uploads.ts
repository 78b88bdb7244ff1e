// The upload store: encrypted attachment chunks, committed (synchronous=FULL, db.ts) in the
// chunks file before they are acknowledged; the uploads' rows are in the main file (the order
// of writes across the two files: the top of db.ts). Chunks whose bodies complete in the same event-loop turn share one
// transaction (group commit, as tips do in store/tips.ts): one fsync acknowledges several
// chunks without weakening durability for any of them; a batch is at most the request bodies
// in flight (TIPLINE_BODY_BYTES_IN_FLIGHT, limits.ts). The server never sees a
// file key, a name or a plaintext size: only the declared shape (chunk count and the last
// chunk's length, i.e. the padded size class) and the ciphertext.
//
// Times: the database keeps only the date an upload was created (Tipline records no time of
// day). The exact age for TIPLINE_UPLOAD_TTL_HOURS is kept in memory only; an upload this
// process did not create counts from when the process first saw it. The date backstop in
// store/retention.ts (PURGES) bounds it across restarts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { FILE_CHUNK_CIPHERTEXT_BYTES, FILE_CHUNK_SIZE, FILE_TAG_BYTES, fileCiphertextLength } from '../../crypto/attachment.js';
import { isPaddedLength } from '../../crypto/padding.js';
import type { Db } from './db.js';
import { utcDate } from './tips.js';
import { defaultOf } from '../settings.js';

export const UPLOAD_ID_RE = /^[A-Za-z0-9_-]{43}$/;
export const DEFAULT_MAX_FILE_BYTES = defaultOf('TIPLINE_MAX_FILE_BYTES');
export const DEFAULT_MAX_FILES = defaultOf('TIPLINE_MAX_FILES');
export const DEFAULT_UPLOAD_TTL_HOURS = defaultOf('TIPLINE_UPLOAD_TTL_HOURS');
/** New uploads are refused when they could leave less than this free on the database's disk (TIPLINE_MIN_FREE_BYTES). */
export const DEFAULT_MIN_FREE_BYTES = defaultOf('TIPLINE_MIN_FREE_BYTES');

export type ShapeProblem = 'chunks' | 'last' | 'padding' | 'too-large';

/** Why an upload's declared shape is refused, or undefined when it is acceptable. */
export function checkShape(chunks: number, lastChunkBytes: number, maxFileBytes: number): ShapeProblem | undefined {
  if (!Number.isSafeInteger(chunks) || chunks < 1) return 'chunks';
  if (!Number.isSafeInteger(lastChunkBytes) || lastChunkBytes < FILE_TAG_BYTES + 1 || lastChunkBytes > FILE_CHUNK_CIPHERTEXT_BYTES) return 'last';
  const total = (chunks - 1) * FILE_CHUNK_CIPHERTEXT_BYTES + lastChunkBytes;
  if (total > fileCiphertextLength(maxFileBytes)) return 'too-large';
  // Only the sizes Padmé produces: the server holds size classes, never exact sizes.
  if (!isPaddedLength((chunks - 1) * FILE_CHUNK_SIZE + lastChunkBytes - FILE_TAG_BYTES)) return 'padding';
  return undefined;
}

export type PutResult = 'stored' | 'identical' | 'conflict' | 'no-upload' | 'index' | 'length';

interface PendingChunk {
  id: string;
  index: number;
  data: Uint8Array;
  result?: PutResult;
  resolve: (result: PutResult) => void;
  reject: (error: Error) => void;
}

export interface UploadStatus {
  chunks: number;
  missing: number[];
}

export class UploadStore {
  /** Unattached upload id → when this process first knew it (ms). Memory only. */
  private readonly seen = new Map<string, number>();
  private readonly selectUpload;
  private readonly selectShape;
  /** Chunks that unattached uploads may still send. */
  private readonly selectMissing;
  private readonly selectChunk;
  private readonly insertChunk;
  private readonly markFresh;
  private readonly deleteUpload;
  private readonly deleteChunks;
  private readonly putTx;
  private readonly putBatch;
  private pending: PendingChunk[] = [];
  private scheduled = false;

  /** Bytes free for this process on the database's file system (tests pass their own). */
  private readonly freeBytes: () => number;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly today: () => string = () => utcDate(),
    options: { freeBytes?: () => number } = {},
  ) {
    this.freeBytes =
      options.freeBytes ??
      (db.memory
        ? () => Number.POSITIVE_INFINITY
        : () => {
            const fs = statfsSync(dirname(db.name));
            return fs.bavail * fs.bsize;
          });
    this.selectUpload = db.prepare(`SELECT chunks, last_chunk_bytes AS last, ${STORED} AS stored FROM uploads WHERE id = ?`);
    // A chunk's put needs the shape only, not the count (which reads the upload's index entries).
    this.selectShape = db.prepare('SELECT chunks, last_chunk_bytes AS last FROM uploads WHERE id = ?');
    this.selectMissing = db.prepare(`SELECT COALESCE(SUM(chunks - ${STORED}), 0) FROM uploads WHERE tip_id IS NULL`).pluck();
    this.selectChunk = db.prepare('SELECT data FROM chunks.upload_chunks WHERE upload_id = ? AND idx = ?');
    // A random rowid (not max + 1, which counts arrivals) and a mark for the next maintenance
    // run, which moves the chunk to a random place in the file (store/order.ts).
    // Both in the chunks file: a chunk's commit writes nothing else (db.ts).
    this.insertChunk = db.prepare('INSERT INTO chunks.upload_chunks (rowid, upload_id, idx, data) VALUES (?, ?, ?, ?)');
    this.markFresh = db.prepare('INSERT INTO chunks.fresh_chunks (chunk) VALUES (?)');
    this.deleteUpload = db.prepare('DELETE FROM uploads WHERE id = ? AND tip_id IS NULL');
    this.deleteChunks = db.prepare('DELETE FROM chunks.upload_chunks WHERE upload_id = ?');
    // Checks and stores one chunk inside the caller's transaction. A refusal returns before
    // anything is written, so a batch needs no savepoint per chunk.
    const putOne = (id: string, index: number, data: Uint8Array): PutResult => {
      const row = this.selectShape.get(id) as { chunks: number; last: number } | undefined;
      if (!row) return 'no-upload';
      if (!Number.isSafeInteger(index) || index < 0 || index >= row.chunks) return 'index';
      const expected = index === row.chunks - 1 ? row.last : FILE_CHUNK_CIPHERTEXT_BYTES;
      if (data.length !== expected) return 'length';
      const existing = this.selectChunk.get(id, index) as { data: Buffer } | undefined;
      if (existing) return existing.data.length === data.length && timingSafeEqual(existing.data, data) ? 'identical' : 'conflict';
      const rowid = randomRowid();
      this.insertChunk.run(rowid, id, index, data);
      this.markFresh.run(rowid);
      return 'stored';
    };
    this.putTx = db.transaction(putOne);
    this.putBatch = db.transaction((batch: PendingChunk[]) => {
      for (const p of batch) p.result = putOne(p.id, p.index, p.data);
    });
    const now0 = this.now();
    for (const { id } of db.prepare('SELECT id FROM uploads WHERE tip_id IS NULL').all() as { id: string }[]) this.seen.set(id, now0);
  }

  /**
   * Whether a new upload of `bytes` (ciphertext) may be promised: the disk must keep at least
   * `minFreeBytes` free even once every unattached upload has sent all the chunks it still
   * may (each missing chunk counted full). Uploads then fail before the disk does, and tips,
   * which need little room, go on being accepted. 0 turns the check off.
   */
  hasRoomFor(bytes: number, minFreeBytes: number): boolean {
    if (minFreeBytes <= 0) return true;
    const missing = this.selectMissing.get() as number;
    return this.freeBytes() - missing * FILE_CHUNK_CIPHERTEXT_BYTES - bytes >= minFreeBytes;
  }

  /** Creates an upload of an already checked shape; returns its id. */
  create(chunks: number, lastChunkBytes: number): string {
    const id = randomBytes(32).toString('base64url');
    this.db.prepare('INSERT INTO uploads (id, chunks, last_chunk_bytes, created_on) VALUES (?, ?, ?, ?)').run(id, chunks, lastChunkBytes, this.today());
    this.seen.set(id, this.now());
    return id;
  }

  /**
   * The no-JavaScript path (plugins/nojs.ts) encrypts a file as it streams in, so its shape is
   * known only at its end: it creates the upload with room for `maxChunks` full chunks, puts
   * every chunk but the last, then fixes the shape here (only while exactly the first
   * `chunks - 1` are stored and no tip names it) and puts the last chunk. False: nothing changed.
   */
  reshape(id: string, chunks: number, lastChunkBytes: number): boolean {
    const sql = `UPDATE uploads SET chunks = ?, last_chunk_bytes = ? WHERE id = ? AND tip_id IS NULL AND ${STORED} = ? AND chunks >= ?`;
    return this.db.prepare(sql).run(chunks, lastChunkBytes, id, chunks - 1, chunks).changes === 1;
  }

  /** Deletes an upload no tip names, with its chunks (a no-JS post that failed part way). */
  discard(id: string): void {
    this.remove(id);
    this.seen.delete(id);
  }

  /** Deletes upload `id` if no tip names it: its row (main file), then its chunks (chunks file; see db.ts). 1 if deleted, else 0. */
  private remove(id: string): number {
    if (this.db.transaction(() => this.deleteUpload.run(id).changes).immediate() === 0) return 0;
    this.db.transaction(() => this.deleteChunks.run(id)).immediate();
    return 1;
  }

  /** Stores chunk `index` durably (its own IMMEDIATE transaction) unless it is already there. */
  put(id: string, index: number, data: Uint8Array): PutResult {
    return this.putTx.immediate(id, index, data);
  }

  /**
   * The same as put(), group-committed: resolves once the transaction that holds the chunk is
   * durable on disk. Chunks put before the next event-loop check phase share one IMMEDIATE
   * transaction; a storage error fails the whole batch (none of it is stored or acknowledged).
   */
  putDurable(id: string, index: number, data: Uint8Array): Promise<PutResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, index, data, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      this.putBatch.immediate(batch);
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (const p of batch) p.resolve(p.result!);
  }

  status(id: string): UploadStatus | undefined {
    const row = this.selectUpload.get(id) as { chunks: number; stored: number } | undefined;
    if (!row) return undefined;
    const missing: number[] = [];
    if (row.stored < row.chunks) {
      const have = new Set(this.db.prepare('SELECT idx FROM chunks.upload_chunks WHERE upload_id = ?').pluck().all(id) as number[]);
      for (let i = 0; i < row.chunks; i++) if (!have.has(i)) missing.push(i);
    }
    return { chunks: row.chunks, missing };
  }

  /** Deletes uploads not attached to a tip within `ttlHours` of when this process first knew them. */
  purgeStale(ttlHours: number): number {
    const cutoff = this.now() - ttlHours * 3_600_000;
    const attached = this.db.prepare('SELECT 1 FROM uploads WHERE id = ? AND tip_id IS NOT NULL');
    let deleted = 0;
    for (const [id, since] of this.seen) {
      if (attached.get(id) !== undefined) {
        this.seen.delete(id);
        continue;
      }
      if (since > cutoff) continue;
      deleted += this.remove(id);
      this.seen.delete(id);
    }
    return deleted;
  }
}

/** A random positive 63-bit rowid: SQLite's default (max + 1) would number chunks in arrival order. */
export function randomRowid(): bigint {
  return randomBytes(8).readBigUInt64BE() >> 1n || 1n;
}

/** How many chunks of the upload in `uploads` (main file) the chunks file holds: committed ones only, so no counter can disagree. */
export const STORED = '(SELECT count(*) FROM chunks.upload_chunks WHERE upload_chunks.upload_id = uploads.id)';

/**
 * Links upload ?2 to tip ?1 (in the tip store's transaction, main file): one row changed only if
 * it is free and the chunks file holds all its chunks (committed before they were acknowledged).
 */
export const LINK_UPLOAD_SQL = `UPDATE uploads SET tip_id = ? WHERE id = ? AND tip_id IS NULL AND chunks = ${STORED}`;
