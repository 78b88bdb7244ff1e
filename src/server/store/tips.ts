// The tip store. Every acknowledged tip is committed with synchronous=FULL before its promise
// resolves. Tips that arrive while a commit is pending share the next transaction (group
// commit): one fsync acknowledges many tips without weakening durability for any of them.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { linkUploads } from './uploads.js';

export interface StoredTip {
  id: string;
  receivedOn: string;
  envelope: Uint8Array;
}

/** A tip naming an upload that is missing, incomplete or already attached: nothing was stored. */
export class UploadLinkError extends Error {
  constructor() {
    super('an attached file is missing, incomplete or already attached');
    this.name = 'UploadLinkError';
  }
}

interface Pending {
  id: string;
  envelope: Uint8Array;
  /** Upload ids linked to this tip in the same transaction (attachments). */
  uploads?: readonly string[];
  failed?: Error;
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
    // A tip with attachments goes in a savepoint: if one of its uploads cannot be linked, that
    // tip alone is rolled back (and refused), the rest of the batch commits.
    const withUploads = db.transaction((p: Pending, date: string) => {
      this.insert.run(p.id, date, p.envelope);
      if (!linkUploads(db, p.id, p.uploads!)) throw new UploadLinkError();
    });
    this.commitBatch = db.transaction((batch: Pending[], date: string) => {
      for (const p of batch) {
        if (!p.uploads?.length) {
          this.insert.run(p.id, date, p.envelope);
          continue;
        }
        try {
          withUploads(p, date);
        } catch (err) {
          if (!(err instanceof UploadLinkError)) throw err;
          p.failed = err;
        }
      }
    });
  }

  /** Resolves with the new tip's id once it is durable on disk. */
  add(envelope: Uint8Array, uploads?: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id: randomId(), envelope, ...(uploads?.length ? { uploads } : {}), resolve, reject });
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
    for (const p of batch) {
      if (p.failed) p.reject(p.failed);
      else p.resolve(p.id);
    }
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
