// Retention: stored ciphertext is deleted N days after receipt or M days after an editor
// acknowledged it, whichever comes first. Dates only (the database holds no times), UTC.
// secure_delete (db.ts) overwrites the deleted cells and freed pages in the database file;
// the TRUNCATE checkpoint afterwards copies those pages from the WAL into the database and
// cuts the WAL to zero bytes, so no older copy of a purged row stays in tipline.sqlite-wal.
// The same for the chunks file (db.ts): the chunks of deleted uploads go in a second
// transaction there, after the first has committed (sweepOrphanChunks), and its WAL is truncated too.
//
// To extend: every table that holds per-source data (conversations, mailboxes, replies)
// adds ONE entry to PURGES below. Each entry is a DELETE that takes the two cut-off
// dates as named parameters; all entries run in one transaction, in list order (delete
// children before their parents when no ON DELETE CASCADE does it for you).
import { checkpoint, type Db, sweepOrphanChunks } from './db.js';
import { mixStorage, type MixResult } from './order.js';
import { utcDate } from './tips.js';
import { defaultOf } from '../settings.js';

export interface RetentionPolicy {
  /** Days after receipt (`received_on`) after which a row is deleted. */
  days: number;
  /** Days after an editor's acknowledgement (`acked_on`) after which a row is deleted. */
  ackedDays: number;
  /** Attachments no tip named: hours after which they go (TIPLINE_UPLOAD_TTL_HOURS, default 24). The
   *  server deletes them on time (store/uploads.ts, times in memory); this date backstop (the
   *  database keeps dates only) deletes them ceil(hours / 24) + 1 days after the upload date. */
  uploadTtlHours?: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { days: defaultOf('TIPLINE_RETENTION_DAYS'), ackedDays: defaultOf('TIPLINE_RETENTION_ACKED_DAYS') };

export interface PurgeStatement {
  /** A name for counts and messages, e.g. the table. */
  name: string;
  /**
   * A DELETE using `@received` (rows received on or before this date are due) and `@acked`
   * (rows acknowledged on or before this date are due). Both are `YYYY-MM-DD` strings.
   */
  sql: string;
}

export const PURGES: PurgeStatement[] = [
  { name: 'tips', sql: 'DELETE FROM tips WHERE received_on <= @received OR (acked_on IS NOT NULL AND acked_on <= @acked)' },
  // Conversations: a reply goes like a tip, its "acknowledgement" being the date the
  // source first read it; a mailbox goes once it was not used for the full retention period
  // and holds no reply (replies first, so a mailbox emptied now goes in the same run).
  { name: 'replies', sql: 'DELETE FROM replies WHERE received_on <= @received OR (read_on IS NOT NULL AND read_on <= @acked)' },
  {
    name: 'mailboxes',
    sql: 'DELETE FROM mailboxes WHERE used_on <= @received AND NOT EXISTS (SELECT 1 FROM replies WHERE replies.mailbox_id = mailboxes.id)',
  },
  // Desk events go like replies, by their date of receipt; none is ever "read" (every editor's
  // desk fetches it), so the acknowledged-sooner rule has nothing to count from.
  { name: 'desk_events', sql: 'DELETE FROM desk_events WHERE received_on <= @received' },
  // Attachments: attached uploads go with their tip (ON DELETE CASCADE), and their chunks after
  // this transaction (sweepOrphanChunks: another file); uploads no tip named go after the upload
  // TTL (`@uploads`, the date backstop, see above).
  { name: 'uploads', sql: 'DELETE FROM uploads WHERE tip_id IS NULL AND created_on <= @uploads' },
];

export interface PurgeResult {
  /** Rows deleted per purge statement name. */
  deleted: Record<string, number>;
  /** True when both WALs were checkpointed completely and truncated to zero bytes. */
  walTruncated: boolean;
}

/** The date `days` days before `date` (both `YYYY-MM-DD`, UTC). */
export function daysBefore(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new Error(`not a date: ${JSON.stringify(date)}`);
  return utcDate(new Date(ms - days * 86_400_000));
}

/**
 * Deletes every row whose time is up on `today`, then checkpoints and truncates the WAL.
 * A tip received on D is deleted on D + days; one acknowledged on A on A + ackedDays.
 */
export function purgeExpired(db: Db, policy: RetentionPolicy, today: string = utcDate(), purges: PurgeStatement[] = PURGES): PurgeResult {
  const params = {
    received: daysBefore(today, policy.days),
    acked: daysBefore(today, policy.ackedDays),
    uploads: daysBefore(today, Math.ceil((policy.uploadTtlHours ?? 24) / 24) + 1),
  };
  const statements = purges.map((p) => ({ name: p.name, statement: db.prepare(p.sql) }));
  const deleted: Record<string, number> = {};
  db.transaction(() => {
    for (const { name, statement } of statements) deleted[name] = (deleted[name] ?? 0) + statement.run(params).changes;
  }).immediate();
  sweepOrphanChunks(db);
  // False when a reader (e.g. a running export or backup) kept a checkpoint from finishing;
  // the next run (hourly in the server) completes it.
  return { deleted, walTruncated: checkpoint(db) };
}

export interface MaintenanceResult extends PurgeResult {
  mixed: MixResult;
}

/**
 * One maintenance run (hourly in the server, and `npm run purge`): purge what is due, put every
 * record stored since the last run at a random place in the file (store/order.ts), then
 * checkpoint and truncate the WAL, which held those writes in commit order. `pause` runs
 * between its transactions, so the server can go on storing tips meanwhile.
 */
export async function runMaintenance(db: Db, policy: RetentionPolicy, today: string = utcDate(), pause?: () => Promise<void>): Promise<MaintenanceResult> {
  const { deleted } = purgeExpired(db, policy, today);
  const mixed = await mixStorage(db, pause);
  return { deleted, mixed, walTruncated: checkpoint(db) };
}
