// The one order in which the desks page through what they sync (tips, replies, desk events):
// by day received, then by (random) id. An order the database need not keep, and that says
// nothing finer than the day; the cursor is the last (day, id) read.
import type { Db } from './db.js';

/**
 * Rows of `table` received on or after `since` (every row when undefined), by day then id, after
 * (`since`, `after`) when both are given: the page that follows the last one read; `limit` at most.
 */
export function dayPages<Row>(db: Db, table: 'tips' | 'replies' | 'desk_events', columns: string): (since: string | undefined, after: string | undefined, limit: number) => Row[] {
  const first = db.prepare(`SELECT ${columns} FROM ${table} WHERE received_on >= ? ORDER BY received_on, id LIMIT ?`);
  const next = db.prepare(`SELECT ${columns} FROM ${table} WHERE (received_on = ? AND id > ?) OR received_on > ? ORDER BY received_on, id LIMIT ?`);
  return (since, after, limit) => (after !== undefined && since !== undefined ? next.all(since, after, since, limit) : first.all(since ?? '', limit)) as Row[];
}
