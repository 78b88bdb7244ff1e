// The tip store. Every acknowledged tip is committed with synchronous=FULL before its promise
// resolves. Tips that arrive while a commit is pending share the next transaction (group
// commit): one fsync acknowledges many tips without weakening durability for any of them.
//
// The commit runs in a writer thread (store/tip-writer.mjs) on its own connection to the same
// file, so the event loop goes on parsing and checking requests while the disk works: one
// batch at a time is with the writer, and the tips that arrive meanwhile form the next one.
// Should the writer thread die, each tip of the batch it held is looked up in the table (the
// thread's transaction either committed or was rolled back when its connection closed): found,
// it is acknowledged; not found, refused. The next batch starts a new writer.
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ATTACH_CHUNKS_SQL, CHUNKS_PRAGMAS, CONNECTION_PRAGMAS, chunksPath, type Db } from './db.js';
import { LINK_UPLOAD_SQL } from './uploads.js';

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
  resolve: (id: string) => void;
  reject: (error: Error) => void;
}

/**
 * What the writer thread commits in one transaction: the date of receipt and each tip. The
 * envelopes travel as one buffer, moved to the thread rather than copied (`tips[i].end` is where
 * tip i's envelope ends in it).
 */
interface TipBatch {
  date: string;
  envelopes: Uint8Array;
  tips: { id: string; end: number; uploads?: readonly string[] }[];
}

/** Per tip of a committed batch: stored, or refused (nothing stored) because an upload could not be linked. */
type TipOutcome = 'stored' | 'unlinked';

/** The writer thread's answer: one outcome per tip, or the error that rolled the whole batch back. */
type WriterAnswer = { ready: true } | { outcomes: TipOutcome[] } | { error: { code?: string; message: string } };

/** The writer thread ended with tips of its batch not in the table: they were not stored. */
export class WriterExitError extends Error {
  constructor() {
    super('the tip writer thread ended before committing');
    this.name = 'WriterExitError';
  }
}

/** A failed commit as the writer thread reported it, with SQLite's code (e.g. SQLITE_FULL) for storageError. */
export class CommitError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CommitError';
  }
}

/** The writer thread, on the database file `path` (the sources and the bundle alike: see tip-writer.mjs). */
function startWriter(path: string): Worker {
  const chunks = { path: chunksPath(path), attachSql: ATTACH_CHUNKS_SQL, pragmas: CHUNKS_PRAGMAS };
  const workerData = { path, pragmas: CONNECTION_PRAGMAS, chunks, insertSql: 'INSERT INTO tips (id, received_on, envelope) VALUES (?, ?, ?)', linkSql: LINK_UPLOAD_SQL };
  // No execArgv: the thread needs none of the process's loaders (tsx, tap), which would cost it seconds to start.
  return new Worker(new URL('./tip-writer.mjs', import.meta.url), { workerData, execArgv: [] });
}

/** Today's date in UTC as YYYY-MM-DD: the only time the server records. */
export function utcDate(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Random bytes drawn ahead, 16 per id: one call to the system's generator for 256 ids. */
const idPool = { bytes: Buffer.alloc(0), next: 0 };

export function randomId(): string {
  if (idPool.next === idPool.bytes.length) {
    idPool.bytes = randomBytes(4096);
    idPool.next = 0;
  }
  const id = idPool.bytes.toString('hex', idPool.next, idPool.next + 16);
  idPool.bytes.fill(0, idPool.next, idPool.next + 16);
  idPool.next += 16;
  return id;
}

export class TipStore {
  private pending: Pending[] = [];
  private scheduled = false;
  /** The batch the writer thread holds, if any. */
  private inFlight: Pending[] | undefined;
  private writer: Worker | undefined;
  /** Callers of settled() waiting for the writer to be idle. */
  private readonly idle: (() => void)[] = [];
  /** Settles when the writer thread has opened its connection, or ended before. */
  private writerReady: Promise<void> = Promise.resolve();
  private readonly stored;

  constructor(
    private readonly db: Db,
    private readonly today: () => string = () => utcDate(),
  ) {
    if (db.memory) throw new Error('the tip store needs a database file: its writer thread opens the same file');
    this.stored = db.prepare('SELECT 1 FROM tips WHERE id = ?').pluck();
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

  /** Starts the writer thread now rather than with the first tip, and waits until its connection is open (the server, before it listens). */
  async start(): Promise<void> {
    this.writer ??= this.spawn();
    await this.writerReady;
  }

  /** Tips handed to the writer thread and not answered yet. */
  get writing(): number {
    return this.inFlight?.length ?? 0;
  }

  /** Hands every pending tip to the writer as one batch, unless it still holds one (then its answer does). */
  private flush(): void {
    this.scheduled = false;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.inFlight = batch;
    this.writer ??= this.spawn();
    const writer = this.writer;
    writer.ref(); // an awaited tip keeps the process alive; an idle writer does not
    const envelopes = new Uint8Array(batch.reduce((sum, p) => sum + p.envelope.length, 0));
    let end = 0;
    const tips = batch.map(({ id, envelope, uploads }) => {
      envelopes.set(envelope, end);
      end += envelope.length;
      return { id, end, ...(uploads ? { uploads } : {}) };
    });
    const message: TipBatch = { date: this.today(), envelopes, tips };
    writer.postMessage(message, [envelopes.buffer]);
  }

  private spawn(): Worker {
    const writer = startWriter(this.db.name);
    let opened = () => {};
    let failed = (_error: Error) => {};
    this.writerReady = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.writerReady.catch(() => {}); // only start() reports it
    writer.on('message', (answer: WriterAnswer) => {
      if ('ready' in answer) {
        if (!this.inFlight) writer.unref(); // an idle writer does not keep the process alive
        return opened();
      }
      const batch = this.inFlight!;
      this.inFlight = undefined;
      writer.unref();
      if ('error' in answer) {
        const err = new CommitError(answer.error.code, answer.error.message);
        for (const p of batch) p.reject(err);
      } else {
        batch.forEach((p, i) => {
          if (answer.outcomes[i] === 'stored') p.resolve(p.id);
          else p.reject(new UploadLinkError());
        });
      }
      this.flush();
      this.wakeIfIdle();
    });
    // An error in the thread is followed by its exit: the batch is settled there.
    writer.on('error', () => {});
    writer.on('exit', () => {
      failed(new Error('the tip writer thread could not open the database'));
      if (this.writer === writer) this.writer = undefined;
      const batch = this.inFlight;
      this.inFlight = undefined;
      for (const p of batch ?? []) {
        if (this.stored.get(p.id) !== undefined) p.resolve(p.id);
        else p.reject(new WriterExitError());
      }
      this.flush();
      this.wakeIfIdle();
    });
    return writer;
  }

  /**
   * Resolves once every tip handed in so far is settled. The maintenance run (plugins/retention.ts)
   * waits for it between its transactions: the writer's connection gets the write lock there,
   * where SQLite's busy wait alone would let back-to-back steps starve it.
   */
  async settled(): Promise<void> {
    if (this.inFlight || this.pending.length) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Wakes settled() once nothing is pending or with the writer. */
  private wakeIfIdle(): void {
    if (!this.inFlight && this.pending.length === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /**
   * Waits until every tip handed in is settled, then ends the writer thread (the app's onClose);
   * a later tip starts a new one. Only an idle writer is ended: terminating a thread inside a
   * better-sqlite3 call aborts the whole process (V8 fatal error, found by the tests).
   */
  async close(): Promise<void> {
    await this.settled();
    const writer = this.writer;
    if (!writer) return;
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    await writer.terminate();
    await exited;
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
