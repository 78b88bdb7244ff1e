// What the editor API reads and marks in the tips table: records no editor has acknowledged
// yet (tips and follow-ups alike: the envelope's kind byte tells them apart), and the
// acknowledgement itself (the date only), after which retention purges sooner; and the
// complete uploads attached to those records, read one chunk at a time.
import { DatedStore } from './dated-store.js';
import { dayPages } from './day-pages.js';
import type { StoredTip } from './tips.js';
import { STORED } from './uploads.js';

/** A complete upload attached to a record: its id, chunk count and last chunk's length. */
export interface AttachedUpload {
  id: string;
  chunks: number;
  lastChunkBytes: number;
}

export class RecordStore extends DatedStore {
  private readonly selectNew = this.db.prepare('SELECT id, received_on, envelope FROM tips WHERE acked_on IS NULL ORDER BY id LIMIT ?');
  // Every desk's sync (acknowledged or not: one desk's acknowledgement must not hide a record from
  // the others): by day, then (random) id.
  private readonly page = dayPages<{ id: string; received_on: string; envelope: Buffer }>(this.db, 'tips', 'id, received_on, envelope');
  private readonly ack = this.db.prepare('UPDATE tips SET acked_on = ? WHERE id = ? AND acked_on IS NULL');
  // Exactly the uploads `npm run export` writes for a tip (store/export.ts): complete, by id.
  private readonly selectFiles = this.db.prepare(`SELECT id, chunks, last_chunk_bytes FROM uploads WHERE tip_id = ? AND chunks = ${STORED} ORDER BY id`);
  private readonly selectUpload = this.db.prepare(`SELECT chunks, last_chunk_bytes FROM uploads WHERE id = ? AND tip_id IS NOT NULL AND chunks = ${STORED}`);
  private readonly selectChunk = this.db.prepare('SELECT data FROM chunks.upload_chunks WHERE upload_id = ? AND idx = ?').pluck();

  /** The complete uploads attached to record `tipId`, by id. */
  attachedUploads(tipId: string): AttachedUpload[] {
    const rows = this.selectFiles.all(tipId) as { id: string; chunks: number; last_chunk_bytes: number }[];
    return rows.map((u) => ({ id: u.id, chunks: u.chunks, lastChunkBytes: u.last_chunk_bytes }));
  }

  /** A complete, attached upload's shape, or undefined when there is none such. */
  attachedUpload(id: string): Omit<AttachedUpload, 'id'> | undefined {
    const row = this.selectUpload.get(id) as { chunks: number; last_chunk_bytes: number } | undefined;
    return row && { chunks: row.chunks, lastChunkBytes: row.last_chunk_bytes };
  }

  /** One chunk's ciphertext, or undefined when it is gone (purged meanwhile). */
  chunk(uploadId: string, index: number): Buffer | undefined {
    return this.selectChunk.get(uploadId, index) as Buffer | undefined;
  }

  /** Records not acknowledged yet, ordered by id (in no meaningful order), at most `limit`. */
  unacknowledged(limit: number): StoredTip[] {
    const rows = this.selectNew.all(limit) as { id: string; received_on: string; envelope: Buffer }[];
    return rows.map((row) => ({ id: row.id, receivedOn: row.received_on, envelope: new Uint8Array(row.envelope) }));
  }

  /** Records received on or after `since`, acknowledged or not, by day then id, after (`since`, `after`) when `after` is given. */
  since(since: string, after: string | undefined, limit: number): StoredTip[] {
    return this.page(since, after, limit).map((row) => ({ id: row.id, receivedOn: row.received_on, envelope: new Uint8Array(row.envelope) }));
  }

  /** Marks records acknowledged today; returns how many were newly acknowledged. */
  acknowledge(ids: string[]): number {
    const today = this.today();
    return this.db.transaction(() => ids.reduce((n, id) => n + this.ack.run(today, id).changes, 0)).immediate();
  }
}
