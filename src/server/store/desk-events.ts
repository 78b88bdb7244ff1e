// Desk events in SQLite (docs/THREAT-MODEL.md T58): the editors' shared desk state, as opaque
// envelopes of kind deskEvent the server cannot open. A row is the id the uploading desk chose
// (random, so a resend is recognised), the UTC date of receipt (never a time of day) and the
// envelope. Nothing else: not who uploaded it, not in which request.
import { DatedStore } from './dated-store.js';
import { dayPages } from './day-pages.js';

export interface StoredDeskEvent {
  id: string;
  receivedOn: string;
  envelope: Uint8Array;
}

/** An event id already stored with other bytes: nothing of the upload was stored. */
export class DeskEventConflictError extends Error {
  constructor(readonly id: string) {
    super(`desk event ${id} is already stored with other bytes`);
    this.name = 'DeskEventConflictError';
  }
}

export class DeskEventStore extends DatedStore {
  private readonly insert = this.db.prepare('INSERT INTO desk_events (id, received_on, envelope) VALUES (?, ?, ?)');
  private readonly select = this.db.prepare('SELECT envelope FROM desk_events WHERE id = ?').pluck();
  private readonly page = dayPages<{ id: string; received_on: string; envelope: Buffer }>(this.db, 'desk_events', 'id, received_on, envelope');

  /**
   * Stores events received today, all or none (one transaction). An id already stored with the
   * same bytes counts as already there (a resend); with other bytes it throws
   * DeskEventConflictError and nothing is stored.
   */
  add(events: { id: string; envelope: Uint8Array }[]): { stored: number; already: number } {
    const today = this.today();
    return this.db
      .transaction(() => {
        let stored = 0;
        let already = 0;
        for (const event of events) {
          const existing = this.select.get(event.id) as Buffer | undefined;
          if (existing) {
            if (!Buffer.from(event.envelope).equals(existing)) throw new DeskEventConflictError(event.id);
            already++;
            continue;
          }
          this.insert.run(event.id, today, event.envelope);
          stored++;
        }
        return { stored, already };
      })
      .immediate();
  }

  /**
   * Events received on or after `since` (every stored event when undefined), by day then id,
   * after (`since`, `after`) when `after` is given: the page that follows the last one read.
   */
  since(since: string | undefined, after: string | undefined, limit: number): StoredDeskEvent[] {
    return this.page(since, after, limit).map((r) => ({ id: r.id, receivedOn: r.received_on, envelope: new Uint8Array(r.envelope) }));
  }
}
