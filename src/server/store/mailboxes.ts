// Conversations in SQLite: mailboxes (public keys only) and the replies waiting in them.
// Dates only, never a time of day. Every write is one transaction with synchronous=FULL.
import { DatedStore } from './dated-store.js';
import { dayPages } from './day-pages.js';
import { randomId } from './tips.js';

export interface Mailbox {
  id: string;
  signPublicKey: Uint8Array;
  kemPublicKey: Uint8Array;
}

export interface StoredReply {
  id: string;
  receivedOn: string;
  envelope: Uint8Array;
}

export class MailboxStore extends DatedStore {
  private readonly insertMailbox = this.db.prepare(
    'INSERT INTO mailboxes (id, sign_public_key, kem_public_key, created_on, used_on) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET used_on = excluded.used_on',
  );
  private readonly selectMailbox = this.db.prepare('SELECT id, sign_public_key, kem_public_key FROM mailboxes WHERE id = ?');
  private readonly touch = this.db.prepare('UPDATE mailboxes SET used_on = ? WHERE id = ? AND used_on <> ?');
  private readonly insertReply = this.db.prepare('INSERT INTO replies (id, mailbox_id, received_on, envelope) VALUES (?, ?, ?, ?)');
  private readonly listReplies = this.db.prepare('SELECT id, received_on, envelope FROM replies WHERE mailbox_id = ? ORDER BY received_on, id');
  private readonly markRead = this.db.prepare('UPDATE replies SET read_on = ? WHERE mailbox_id = ? AND read_on IS NULL');
  private readonly deleteReply = this.db.prepare('DELETE FROM replies WHERE id = ? AND mailbox_id = ?');
  private readonly selectReply = this.db.prepare('SELECT mailbox_id, envelope FROM replies WHERE id = ?');
  // The editors' copies for the desks (GET /api/editor/replies): by day, then (random) id.
  private readonly page = dayPages<{ id: string; mailbox_id: string; received_on: string; envelope: Buffer }>(this.db, 'replies', 'id, mailbox_id, received_on, envelope');

  /**
   * Creates a mailbox, or (the same id again: the id is a hash of both keys, so the keys are
   * the same) marks it used today. Idempotent, so a source can retry after a lost answer.
   */
  create(mailbox: Mailbox): void {
    const today = this.today();
    this.insertMailbox.run(mailbox.id, mailbox.signPublicKey, mailbox.kemPublicKey, today, today);
  }

  get(id: string): Mailbox | undefined {
    const row = this.selectMailbox.get(id) as { id: string; sign_public_key: Buffer; kem_public_key: Buffer } | undefined;
    if (!row) return undefined;
    return { id: row.id, signPublicKey: new Uint8Array(row.sign_public_key), kemPublicKey: new Uint8Array(row.kem_public_key) };
  }

  /** Records that the mailbox was used today (a login), so retention keeps it. */
  used(id: string): void {
    const today = this.today();
    this.touch.run(today, id, today);
  }

  /**
   * Stores replies for existing mailboxes, all or none (one transaction). Returns the new ids;
   * throws UnknownMailboxError, storing nothing, when any mailbox does not exist. A reply with
   * an `id` (the reply record's, chosen at random where it was written) is stored under it, so
   * a resend is recognised: the same id, mailbox and bytes again is skipped (not in the ids
   * returned); the same id with anything else throws ReplyConflictError, storing nothing.
   */
  addReplies(replies: { id?: string; mailbox: string; envelope: Uint8Array }[]): string[] {
    const today = this.today();
    return this.db
      .transaction(() => {
        const ids: string[] = [];
        for (const reply of replies) {
          if (!this.selectMailbox.get(reply.mailbox)) throw new UnknownMailboxError(reply.mailbox);
          const existing = reply.id === undefined ? undefined : (this.selectReply.get(reply.id) as { mailbox_id: string; envelope: Buffer } | undefined);
          if (existing) {
            if (existing.mailbox_id !== reply.mailbox || !existing.envelope.equals(reply.envelope)) throw new ReplyConflictError(reply.id!);
            continue;
          }
          const id = reply.id ?? randomId();
          this.insertReply.run(id, reply.mailbox, today, reply.envelope);
          ids.push(id);
        }
        return ids;
      })
      .immediate();
  }

  /** The replies waiting in a mailbox; marks them read (today) for retention. */
  replies(mailbox: string): StoredReply[] {
    const rows = this.listReplies.all(mailbox) as { id: string; received_on: string; envelope: Buffer }[];
    if (rows.length) this.markRead.run(this.today(), mailbox);
    return rows.map((r) => ({ id: r.id, receivedOn: r.received_on, envelope: new Uint8Array(r.envelope) }));
  }

  /**
   * Replies stored on or after `since` (all when undefined), by day then id, after (`since`,
   * `after`) when `after` is given. For the desks; does not mark them read.
   */
  repliesSince(since: string | undefined, after: string | undefined, limit: number): (StoredReply & { mailbox: string })[] {
    return this.page(since, after, limit).map((r) => ({ id: r.id, mailbox: r.mailbox_id, receivedOn: r.received_on, envelope: new Uint8Array(r.envelope) }));
  }

  /** Deletes one reply of this mailbox; false when there is no such reply in it. */
  delete(mailbox: string, replyId: string): boolean {
    return this.deleteReply.run(replyId, mailbox).changes === 1;
  }
}

export class ReplyConflictError extends Error {
  constructor(readonly id: string) {
    super(`reply ${id} is already stored with another mailbox or other bytes`);
    this.name = 'ReplyConflictError';
  }
}

export class UnknownMailboxError extends Error {
  constructor(readonly mailbox: string) {
    super(`there is no mailbox ${mailbox} on this server (it never existed, or retention removed it)`);
    this.name = 'UnknownMailboxError';
  }
}
