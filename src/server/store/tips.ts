// The tip store. Every acknowledged tip is committed with synchronous=FULL before its promise
// resolves. Tips that arrive while a commit is pending share the next transaction (group
// commit): one fsync acknowledges many tips without weakening durability for any of them.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export interface StoredTip {
  id: string;
  receivedOn: string;
  envelope: Uint8Array;
}

interface Pending {
  id: string;
  envelope: Uint8Array;
  resolve: (id: string) => void;
  reject: (error: Error) => void;
}

/** Today's date in UTC as YYYY-MM-DD: the only time the server records. */
export function utcDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function randomId(): string {
  return randomBytes(16).toString('hex');
}

export class TipStore {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly insert;
  private readonly commitBatch;

  constructor(
    private readonly db: Db,
    private readonly today: () => string = () => utcDate(),
  ) {
    this.insert = db.prepare('INSERT INTO tips (id, received_on, envelope) VALUES (?, ?, ?)');
    this.commitBatch = db.transaction((batch: Pending[], date: string) => {
      for (const p of batch) this.insert.run(p.id, date, p.envelope);
    });
  }

  /** Resolves with the new tip's id once it is durable on disk. */
  add(envelope: Uint8Array): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id: randomId(), envelope, resolve, reject });
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
      this.commitBatch.immediate(batch, this.today());
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (const p of batch) p.resolve(p.id);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tips').get() as { n: number }).n;
  }

  /** Every stored tip, ordered by id (i.e. in no meaningful order). */
  all(): StoredTip[] {
    const rows = this.db.prepare('SELECT id, received_on, envelope FROM tips ORDER BY id').all() as { id: string; received_on: string; envelope: Buffer }[];
    return rows.map((row) => ({ id: row.id, receivedOn: row.received_on, envelope: new Uint8Array(row.envelope) }));
  }
}
