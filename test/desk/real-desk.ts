// A real desk with the content a test asks for, for the tests of the desk's server and window:
// tips and follow-ups sealed exactly as the page seals them (test/desk/desk-fixtures.ts), desk
// events signed by a colleague of the roster and sealed to every editor, and events forged by a
// key outside the roster, all written as real bundles into a USB inbox and imported by the real
// openDesk. "What reached the model" is read back from the desk itself: the signed, sealed
// events and replies its outbox holds, opened with this editor's key. Nothing here is a stand-in.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleItem } from '../../src/crypto/bundle.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { compareHlc, newEventId, openDeskEvents, sealDeskEvents, signDeskEvents, type DeskEvent, type Hlc } from '../../src/crypto/desk-event.js';
import { fingerprint } from '../../src/crypto/keys.js';
import { mailboxKeysFromEntropy, type MailboxKeys } from '../../src/crypto/mailbox.js';
import type { Desk, DeskChange, ImportProgress } from '../../src/desk/api.js';
import { openDesk } from '../../src/desk/desk.js';
import { readVerifiedRecords, verifyBundle } from '../../src/offline/bundle.js';
import { openRecord } from '../../src/offline/open-record.js';
import { tempDir } from '../helpers/fixtures.js';
import { editors, newId, recipientsText, source, tipItems, toInbox, type Editor } from './desk-fixtures.js';

/** What reached the model, as its outbox shows it: one entry per change event or reply, in order. */
export type Sent = { thread: string; change: DeskChange } | { thread: string; reply: string };

export interface RealDesk {
  desk: Desk;
  /** The roster: [me, ...colleagues]; `ids` are their fingerprints (RosterEditor.id). */
  roster: Editor[];
  ids: string[];
  dir: string;
  usb: string;
  imported: ImportProgress;
  /** The changes and replies queued in the outbox since the last call (the import's ack is not one). */
  sent(): Promise<Sent[]>;
}

type Tip = Parameters<typeof tipItems>[2] & { message: string };

/**
 * Builds the content of a USB inbox, then opens a real desk on it. `names`: the roster, this
 * desk's editor first. Each call queues records in the one inbox bundle that open() writes.
 */
export class RealDeskBuilder {
  private items: BundleItem[] = [];
  private hlc = Date.parse('2026-11-29T08:00:00.000Z');
  private constructor(
    readonly roster: Editor[],
    readonly stranger: Editor,
  ) {}

  static async create(names: string[]): Promise<RealDeskBuilder> {
    const [stranger, ...roster] = await editors('Stranger', ...names);
    return new RealDeskBuilder(roster, stranger!);
  }

  /** A new source (a mailbox): its tips and follow-ups form one thread, named by `mailbox`. `entropy` (16 bytes) for a fixed one. */
  source(entropy?: Uint8Array): Promise<MailboxKeys> {
    return entropy ? mailboxKeysFromEntropy(entropy) : source();
  }

  /** A tip or follow-up sealed to the whole roster; returns its record id (the thread's id when it names no mailbox). */
  async tip(o: Tip): Promise<string> {
    const { message, ...options } = o;
    const made = await tipItems(this.roster, message, options);
    this.items.push(...made.items);
    return made.id;
  }

  /**
   * Events on one thread signed by roster editor `by` (an index into the roster; not 0, which
   * is this desk), at most 1000 per envelope. `forged`: signed by a key outside the roster;
   * `impersonate`: it names editor `by` but the stranger signed it. Both end up refused.
   */
  async events(by: number, thread: string, changes: DeskChange[], o: { forged?: 'unknown-signer' | 'impersonate' } = {}): Promise<void> {
    this.items.push(...(await this.sealEvents(by, thread, changes, o)));
  }

  /** The bundle lines of events(), without queueing them: for open()'s `extra`. */
  async sealEvents(by: number, thread: string, changes: DeskChange[], o: { forged?: 'unknown-signer' | 'impersonate' } = {}): Promise<BundleItem[]> {
    const items: BundleItem[] = [];
    const named = o.forged === 'unknown-signer' ? this.stranger : this.roster[by]!;
    const signer = o.forged ? this.stranger : named;
    for (let at = 0; at < changes.length; at += 1000) {
      const events: DeskEvent[] = [];
      for (const change of changes.slice(at, at + 1000)) events.push({ v: 1, id: await newEventId(), editor: toBase64Url(named.signPublicKey), thread, hlc: { ms: this.hlc++, c: 0 }, change });
      const signed = await signDeskEvents(events, { signPublicKey: named.signPublicKey, signSecretKey: signer.signSecretKey });
      const envelope = await sealDeskEvents(
        signed,
        this.roster.map((e) => e.publicKey),
      );
      items.push({ event: { id: newId(), received: '2026-11-29', envelope } });
    }
    return items;
  }

  /** Any other line of the inbox bundle (e.g. a colleague's reply, as their desk seals it). */
  record(item: BundleItem): void {
    this.items.push(item);
  }

  /**
   * Writes the inbox bundle (with `extra` lines for this desk only), opens a new desk on it as
   * roster[0] in a new folder and imports it; the desk closes at teardown. Call it once per
   * test that changes the desk: the sealing is done once, an open and import take well under a second.
   */
  async open(t: { teardown(fn: () => void | Promise<void>): void }, o: { lang?: string; extra?: BundleItem[]; now?: () => number } = {}): Promise<RealDesk> {
    const dir = tempDir(t, 'tipline-real-desk-');
    const usb = join(dir, 'usb');
    await toInbox(usb, '2026-11-30-fixture.bundle', [...this.items, ...(o.extra ?? [])]);
    const me = this.roster[0]!;
    const desk = await openDesk({
      key: me,
      recipients: recipientsText(this.roster),
      usb,
      deskDir: join(dir, 'desk'),
      exportDir: join(dir, 'export'),
      ...(o.lang ? { lang: o.lang } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
    t.teardown(() => desk.close());
    const imported = await desk.importInbox();
    const ids = await Promise.all(this.roster.map((e) => fingerprint(e)));
    const roster = this.roster;
    const read = new Set<string>();
    const mine = toBase64Url(me.signPublicKey);
    const sent = async (): Promise<Sent[]> => {
      const outbox = join(usb, 'outbox');
      // Names are event-/reply-<random>: the order of the changes is their events' clocks; replies
      // (which carry none) come after the changes.
      const fresh: { at: Hlc; what: Sent }[] = [];
      for (const name of readdirSync(outbox).filter((n) => /^(event|reply)-/.test(n) && !read.has(n))) {
        read.add(name);
        const path = join(outbox, name);
        for await (const item of readVerifiedRecords(path, await verifyBundle(path))) {
          if (item.kind === 'event') {
            const opened = await openDeskEvents(
              item.event.envelope,
              me.seed,
              roster.map((e) => e.signPublicKey),
            );
            if (!opened.ok || opened.refused.length) throw new Error(`the desk queued an event it cannot open: ${JSON.stringify(opened)}`);
            for (const e of opened.events) {
              if (e.event.editor !== mine) throw new Error('an outbox event not signed by this desk');
              fresh.push({ at: e.event.hlc, what: { thread: e.event.thread, change: e.event.change as DeskChange } });
            }
          } else if (item.kind === 'record') {
            const opened = await openRecord(item.record, me.seed, { editorSignKeys: roster.map((e) => e.signPublicKey) });
            if (!opened.ok || opened.kind !== 'reply' || !opened.signer || toBase64Url(opened.signer) !== mine)
              throw new Error(`the desk queued a record that is not its own signed reply: ${JSON.stringify(opened)}`);
            fresh.push({ at: { ms: Number.MAX_SAFE_INTEGER, c: 0 }, what: { thread: item.record.mailbox!, reply: opened.body.message } });
          }
        }
      }
      return fresh.sort((a, b) => compareHlc(a.at, b.at)).map((f) => f.what);
    };
    return { desk, roster, ids, dir, usb, imported, sent };
  }
}
