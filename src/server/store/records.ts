// What the editor API reads and marks in the tips table: records no editor has acknowledged
// yet (tips and follow-ups alike: the envelope's kind byte tells them apart), and the
// acknowledgement itself (the date only), after which retention purges sooner.
import type { Db } from './db.js';
import type { StoredTip } from './tips.js';
import { utcDate } from './tips.js';

export class RecordStore {
  private readonly selectNew;
  private readonly ack;

  constructor(
    private readonly db: Db,
    private readonly today: () => string = () => utcDate(),
  ) {
    this.selectNew = db.prepare('SELECT id, received_on, envelope FROM tips WHERE acked_on IS NULL ORDER BY id LIMIT ?');
    this.ack = db.prepare('UPDATE tips SET acked_on = ? WHERE id = ? AND acked_on IS NULL');
  }

  /** Records not acknowledged yet, ordered by id (in no meaningful order), at most `limit`. */
  unacknowledged(limit: number): StoredTip[] {
    const rows = this.selectNew.all(limit) as { id: string; received_on: string; envelope: Buffer }[];
    return rows.map((row) => ({ id: row.id, receivedOn: row.received_on, envelope: new Uint8Array(row.envelope) }));
  }

  /** Marks records acknowledged today; returns how many were newly acknowledged. */
  acknowledge(ids: string[]): number {
    const today = this.today();
    return this.db.transaction(() => ids.reduce((n, id) => n + this.ack.run(today, id).changes, 0)).immediate();
  }
}
