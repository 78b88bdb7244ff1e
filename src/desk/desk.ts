// The desk's model (docs/EDITORS.md): `openDesk` returns the `Desk` of src/desk/api.ts. It holds
// the editor key (unlocked by the caller), the roster (the recipients file), the encrypted store
// (src/desk/store.ts), and in memory the threads, the merged desk events (src/desk/merge.ts) and
// the folded search text. Every change is applied at once and queued in `<usb>/outbox/` as a
// signed, sealed desk event; replies are sealed to the source and every editor and queued too;
// imported tips are acknowledged with a signed ack in the outbox.
import { closeSync, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ACK_VALID_DAYS, addDays, signAck } from '../crypto/ack.js';
import type { Body } from '../crypto/body.js';
import { todayUtc } from '../crypto/bundle.js';
import { equalBytes, fromBase64Url, toBase64Url, toHex, utf8 } from '../crypto/bytes.js';
import { canonicalChange, DeskEventError, newEventId, observeHlc, sealDeskEvents, signDeskEvent, tickHlc, type DeskEvent, type Hlc, type KnownEvent } from '../crypto/desk-event.js';
import { fingerprint, parseRecipients, XWING_PUBLIC_KEY_BYTES, type EditorKeyPair, type EditorPublicKey } from '../crypto/keys.js';
import { loadSodium, type Sodium } from '../crypto/sodium.js';
import { writeBundle } from '../files/bundle.js';
import { fsyncPath } from '../files/sync.js';
import { BUILT_IN_FORMS, textFor } from '../forms/schema.js';
import { writeAckFile } from '../offline/decrypt.js';
import { CREATE_FLAGS, childPath, fileLabel, numberedName, sanitiseFileName } from '../offline/files.js';
import { sealReply } from '../offline/reply.js';
import type { Desk, DeskChange, ElectionTip, FileSummary, FormAnswer, ImportProgress, InboxQuery, RefusedEvent, RosterEditor, ThreadDetail, ThreadItem, ThreadSummary, Verification } from './api.js';
import { designation } from './designation.js';
import { importInbox, type ImportTarget, type StoreJson, type StoreWrite } from './import.js';
import { DeskMerge, FINAL_STATUSES } from './merge.js';
import { foldText, matches, queryWords } from './search.js';
import { DeskStore, deriveStoreKey, type RecordPosition } from './store.js';
import { seedItems, type SeedFile, type SeedItem } from './seed.js';

export interface OpenDeskOptions {
  /** The editor key, unlocked. The desk keeps it until close(). */
  key: EditorKeyPair;
  /** The recipients file's text (TIPLINE_RECIPIENTS): the roster. This editor must be in it. */
  recipients: string;
  /** The USB folder: inbox/, outbox/, sent/. */
  usb: string;
  /** The desk folder (the encrypted store); created 0700. */
  deskDir: string;
  /** Where exportFile writes; created 0700 when needed. */
  exportDir: string;
  /** The editor's language for form labels (en, ru, tk, kk). */
  lang?: string;
  /** The wall clock in ms (tests pass their own). */
  now?: () => number;
}

/** The default desk folder: beside the key file, `<key file>.desk`. */
export function defaultDeskDir(keyPath: string): string {
  return `${resolve(keyPath)}.desk`;
}

export class DeskError extends Error {
  override name = 'DeskError';
}

interface Item {
  id: string;
  kind: 'tip' | 'followUp' | 'reply';
  received: string;
  thread: string;
  receipt?: string;
  body?: Body;
  message: string;
  unverified?: string;
  /** Reply: signing key (base64url) of the editor. */
  signer?: string;
  pending: boolean;
  eh: string;
  arrived: Hlc;
  files: string[];
  /** From a colleague's desk export: their signing key (base64url) and the export's date. */
  seeded?: { by: string; on: string };
}

interface StoredFile {
  id: string;
  tip: string;
  n: number;
  name: string;
  type: string;
  size: number;
  complete: boolean;
  chunks: RecordPosition[];
  /** Whether its first bytes are an image's, once looked at. */
  image?: boolean;
}

interface Thread {
  id: string;
  items: Item[];
  /** The folded search text, built on open and again after a change to the thread. */
  text?: string;
  designation?: string;
}

const IMAGE_MAGIC: [string, (b: Uint8Array) => boolean][] = [
  ['image/png', (b) => b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x)],
  ['image/jpeg', (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.length >= 6 && (String.fromCharCode(...b.subarray(0, 6)) === 'GIF87a' || String.fromCharCode(...b.subarray(0, 6)) === 'GIF89a')],
  ['image/webp', (b) => b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'],
];

/** PNG, JPEG, GIF or WebP by the first bytes alone (the declared type and the name count for nothing), else undefined. */
export function imageType(firstBytes: Uint8Array): string | undefined {
  return IMAGE_MAGIC.find(([, test]) => test(firstBytes))?.[0];
}

/** When the sender sealed it, by their own clock (the body's clientTime); a reply not yet back from the server: when this desk queued it. */
function sentMs(i: Item): number {
  const ms = i.body ? Date.parse(i.body.clientTime) : Number.NaN;
  return Number.isFinite(ms) ? ms : i.arrived.ms;
}

/**
 * A thread's order, the same on every desk: the day the server received each record, then its
 * sender's own clock, then (the same millisecond) the arrival here. The arrival alone differed from
 * desk to desk (a sync may bring a reply in a bundle read before the tip it answers).
 */
function byThreadOrder(a: Item, b: Item): number {
  if (a.received !== b.received) return a.received < b.received ? -1 : 1;
  return sentMs(a) - sentMs(b) || a.arrived.ms - b.arrived.ms || a.arrived.c - b.arrived.c;
}

/** Largest image shown as a thumbnail (bigger ones are only exported). */
export const MAX_THUMBNAIL_BYTES = 16 * 1024 * 1024;

const isoOf = (hlc: Hlc): string => new Date(hlc.ms).toISOString();

function eventOf(line: string): DeskEvent {
  const o = JSON.parse(line) as DeskEvent & { signature?: string };
  return { v: 1, id: o.id, editor: o.editor, thread: o.thread, hlc: o.hlc, change: o.change };
}

class DeskModel implements Desk, ImportTarget {
  readonly me: RosterEditor;
  readonly seed: Uint8Array;
  readonly rosterSignKeys: Uint8Array[];
  private readonly editors: (RosterEditor & { key: EditorPublicKey; sign: string })[];
  private readonly bySign = new Map<string, RosterEditor>();
  private store!: DeskStore;
  private readonly merge = new DeskMerge();
  private readonly threads = new Map<string, Thread>();
  private readonly items = new Map<string, Item>();
  private readonly files = new Map<string, StoredFile>();
  private readonly done = new Set<string>();
  private readonly bundles = new Set<string>();
  private readonly events = new Map<string, KnownEvent>();
  /** Where each merged desk event record lies in the store (a desk export reads its signed lines again). */
  private readonly eventRecords = new Map<string, RecordPosition>();
  private readonly refusals: RefusedEvent[] = [];
  private readonly acked = new Set<string>();
  private readonly staged = new Map<string, { json: StoreJson; at: RecordPosition }[]>();
  /** Own records (events, replies) not yet written to the outbox. */
  private readonly unqueued = new Map<string, StoreJson>();
  private readonly queued = new Set<string>();
  private clock: Hlc = { ms: 0, c: 0 };
  /** Changes, replies, imports and exports run one at a time (the local server may ask for two at once). */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sodium: Sodium;
  private closed = false;

  constructor(
    private readonly options: OpenDeskOptions,
    sodium: Sodium,
    editors: (RosterEditor & { key: EditorPublicKey; sign: string })[],
  ) {
    this.sodium = sodium;
    this.editors = editors;
    this.me = editors.find((e) => e.me)!;
    this.seed = options.key.seed;
    this.rosterSignKeys = editors.map((e) => e.key.signPublicKey);
    for (const e of editors) this.bySign.set(e.sign, e);
  }

  async load(): Promise<void> {
    const key = await deriveStoreKey(this.seed);
    const { store } = await DeskStore.open(this.options.deskDir, key, (r) => this.apply(r.json as StoreJson, r.at));
    key.fill(0);
    this.store = store;
    // Attempts without `done` were cut by a crash: they do not count (the next import redoes them).
    this.staged.clear();
    // The search index: each thread's folded text, built now so the first search is as quick as the next.
    for (const t of this.threads.values()) this.threadText(t);
    await this.flushOutbox();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private tick(): Hlc {
    this.clock = tickHlc(this.clock, this.now());
    return this.clock;
  }

  arrival(): Hlc {
    return this.tick();
  }

  get meId(): string {
    return this.me.id;
  }

  // ---- applying store records (on open, and after each durable write) ----------------------

  private apply(json: StoreJson, at: RecordPosition): void {
    switch (json.t) {
      case 'item':
      case 'file':
      case 'chunk':
      case 'events': {
        let list = this.staged.get(json.a);
        if (!list) {
          list = [];
          this.staged.set(json.a, list);
        }
        list.push({ json, at });
        return;
      }
      case 'done': {
        const list = this.staged.get(json.a) ?? [];
        this.staged.delete(json.a);
        this.done.add(json.id);
        if (json.skipped) return;
        for (const s of list) this.promote(s.json, s.at);
        return;
      }
      case 'refused':
        this.refusals.push({ record: json.id, reason: json.reason });
        return;
      case 'bundle':
        this.bundles.add(json.key);
        return;
      case 'pending': {
        const returned = [...this.items.values()].find((i) => i.kind === 'reply' && i.eh === json.eh);
        if (!returned) {
          this.addItem({
            id: json.id,
            kind: 'reply',
            received: json.received,
            thread: json.thread,
            message: json.message,
            signer: toBase64Url(this.options.key.signPublicKey),
            pending: true,
            eh: json.eh,
            arrived: json.hlc,
            files: [],
          });
        }
        if (!this.queued.has(json.id)) this.unqueued.set(json.id, json);
        return;
      }
      case 'queued':
        this.queued.add(json.id);
        this.unqueued.delete(json.id);
        return;
      case 'acked':
        for (const id of json.ids) this.acked.add(id);
        return;
    }
  }

  private promote(json: StoreJson, at: RecordPosition): void {
    if (json.t === 'item') {
      if (json.arrived && (json.arrived.ms > this.clock.ms || (json.arrived.ms === this.clock.ms && json.arrived.c > this.clock.c))) this.clock = json.arrived;
      // A reply that comes back from the server is the pending one it was: one item, now sent.
      if (json.kind === 'reply') {
        const pending = [...(this.threads.get(json.thread)?.items ?? [])].find((i) => i.pending && i.eh === json.eh);
        if (pending) {
          pending.pending = false;
          pending.body = json.body; // its sender's time, for the thread's order (byThreadOrder)
          return;
        }
      }
      this.addItem({
        id: json.id,
        kind: json.kind,
        received: json.received,
        thread: json.thread,
        receipt: json.receipt,
        body: json.body,
        message: json.body.message,
        ...(json.unverified ? { unverified: json.unverified } : {}),
        ...(json.signer ? { signer: json.signer } : {}),
        pending: false,
        eh: json.eh,
        arrived: json.arrived,
        files: [],
        ...(json.seeded ? { seeded: json.seeded } : {}),
      });
    } else if (json.t === 'file') {
      // `<tip>-<n>`: only characters the server routes (src/desk/server.ts FILE_ID_RE; a '.' was refused there).
      const id = `${json.id}-${json.n}`;
      const existing = this.files.get(id);
      // Its chunks come before it (the file record is written when the last chunk authenticated).
      const file: StoredFile = Object.assign(existing ?? { id, tip: json.id, n: json.n, chunks: [] }, { name: json.name, type: json.type, size: json.size, complete: json.complete });
      this.files.set(id, file);
      const item = this.items.get(json.id);
      if (item && !item.files.includes(id)) item.files.push(id);
    } else if (json.t === 'chunk') {
      const id = `${json.id}-${json.n}`;
      let file = this.files.get(id);
      if (!file) {
        file = { id, tip: json.id, n: json.n, name: '', type: '', size: 0, complete: false, chunks: [] };
        this.files.set(id, file);
      }
      file.chunks[json.i] = at;
    } else if (json.t === 'events') {
      this.eventRecords.set(json.id, at);
      for (const line of json.lines) {
        const event = eventOf(line);
        this.events.set(event.id, { record: json.id, hash: toHex(this.sodium.crypto_generichash(32, utf8(line), null)) });
        this.clock = observeHlc(this.clock, event.hlc);
        if (this.merge.add(event)) {
          const t = this.threads.get(event.thread);
          if (t) t.text = undefined;
        }
      }
      for (const r of json.refused) this.refusals.push({ record: json.id, reason: `event ${r.id ?? `#${r.index + 1}`}: ${r.reason}` });
      if (json.own && !this.queued.has(json.id)) this.unqueued.set(json.id, json);
    }
  }

  private addItem(item: Item): void {
    this.items.set(item.id, item);
    let t = this.threads.get(item.thread);
    if (!t) {
      t = { id: item.thread, items: [] };
      this.threads.set(item.thread, t);
    }
    t.items.push(item);
    t.text = undefined;
  }

  // ---- ImportTarget ------------------------------------------------------------------------

  isImported(id: string): boolean {
    return this.done.has(id);
  }

  knownEvent(id: string): KnownEvent | undefined {
    return this.events.get(id);
  }

  bundleDone(key: string): boolean {
    return this.bundles.has(key);
  }

  commit(writes: StoreWrite[]): void {
    const positions = this.store.append(writes.map((w) => ({ json: w.json, ...(w.tail ? { tail: w.tail } : {}) })));
    writes.forEach((w, i) => {
      this.apply(w.json, positions[i]!);
    });
  }

  // ---- Desk ----------------------------------------------------------------------------------

  roster(): RosterEditor[] {
    return this.editors.map(({ id, name, me }) => ({ id, name, me }));
  }

  private editorId(sign: string | undefined): string {
    return (sign && this.bySign.get(sign)?.id) ?? 'unknown';
  }

  private threadText(t: Thread): string {
    if (t.text !== undefined) return t.text;
    const parts: string[] = [];
    for (const item of t.items) {
      parts.push(item.message);
      for (const a of this.answers(item)) parts.push(a.label, a.value);
      for (const f of item.files) parts.push(this.files.get(f)?.name ?? '');
    }
    const state = this.merge.thread(t.id);
    for (const n of state.notes) parts.push(n.text);
    parts.push(...state.labels);
    t.text = foldText(parts.join('\n'));
    return t.text;
  }

  private answers(item: Item): FormAnswer[] {
    const body = item.body;
    if (!body?.fields || typeof body.fields !== 'object') return [];
    const schema = body.form && Object.hasOwn(BUILT_IN_FORMS, body.form.id) ? BUILT_IN_FORMS[body.form.id] : undefined;
    const lang = this.options.lang;
    return Object.entries(body.fields).map(([field, value]) => {
      const def = schema?.fields.find((f) => f.name === field);
      const show = (v: unknown): string => {
        const choice = def?.choices?.find((c) => c.value === v);
        return choice ? textFor(choice.label, lang) : String(v);
      };
      return { field, label: def ? textFor(def.label, lang) : field, value: Array.isArray(value) ? value.map(show).join('; ') : show(value) };
    });
  }

  private unread(t: Thread): boolean {
    const seen = this.merge.thread(t.id).seen.get(toBase64Url(this.options.key.signPublicKey));
    const others = t.items.filter((i) => !(i.kind === 'reply' && i.signer === toBase64Url(this.options.key.signPublicKey)));
    if (others.length === 0) return false;
    if (!seen) return true;
    if (seen.unread) return true;
    return others.some((i) => i.arrived.ms > seen.hlc.ms || (i.arrived.ms === seen.hlc.ms && i.arrived.c > seen.hlc.c));
  }

  private summary(t: Thread): ThreadSummary {
    const state = this.merge.thread(t.id);
    const first = t.items.find((i) => i.kind !== 'reply');
    const newest = t.items.reduce((a, b) => (byThreadOrder(b, a) >= 0 ? b : a));
    let attachments = 0;
    for (const i of t.items) attachments += i.files.length || (Array.isArray(i.body?.files) ? i.body!.files!.length : 0);
    t.designation ??= designation(this.sodium, t.id);
    return {
      id: t.id,
      designation: t.designation,
      lastActivity: t.items.reduce((d, i) => (i.received > d ? i.received : d), ''),
      unread: this.unread(t),
      starred: state.starred,
      status: state.status,
      labels: [...state.labels],
      ...(state.assignee ? { assignee: state.assignee } : {}),
      attachments,
      sealedByServer: t.items.some((i) => i.body?.sealedByServer === true),
      ...(first?.body?.form ? { form: first.body.form.id } : {}),
      preview: newest.message.slice(0, 200),
    };
  }

  private selected(query: InboxQuery): Thread[] {
    const words = query.text ? queryWords(query.text) : [];
    const out: Thread[] = [];
    for (const t of this.threads.values()) {
      if (t.items.length === 0) continue;
      const state = this.merge.thread(t.id);
      if (query.status && state.status !== query.status) continue;
      if (query.label !== undefined && !state.labels.includes(query.label)) continue;
      if (query.assignee !== undefined && (query.assignee === 'none' ? state.assignee !== null : state.assignee !== query.assignee)) continue;
      if (query.starred !== undefined && state.starred !== query.starred) continue;
      if (query.form !== undefined) {
        const form = t.items.find((i) => i.kind !== 'reply')?.body?.form?.id;
        if (query.form === 'none' ? form !== undefined : form !== query.form) continue;
      }
      if (query.unread !== undefined && this.unread(t) !== query.unread) continue;
      if (words.length > 0 && !matches(this.threadText(t), words)) continue;
      out.push(t);
    }
    return out;
  }

  inbox(query: InboxQuery): ThreadSummary[] {
    const list = this.selected(query).map((t) => this.summary(t));
    const byId = (a: ThreadSummary, b: ThreadSummary) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const sort = query.sort ?? 'activity';
    if (sort === 'designation') list.sort((a, b) => (a.designation < b.designation ? -1 : a.designation > b.designation ? 1 : byId(a, b)));
    else if (sort === 'status') {
      const order = ['new', 'in-progress', 'waiting', 'verified', 'rejected', 'closed'];
      list.sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || (a.lastActivity > b.lastActivity ? -1 : a.lastActivity < b.lastActivity ? 1 : byId(a, b)));
    } else list.sort((a, b) => (a.lastActivity > b.lastActivity ? -1 : a.lastActivity < b.lastActivity ? 1 : byId(a, b)));
    return list;
  }

  electionTips(query: InboxQuery): ElectionTip[] {
    const out: ElectionTip[] = [];
    for (const t of this.selected(query)) {
      const state = this.merge.thread(t.id);
      for (const i of t.items) {
        if (i.kind !== 'tip' || !i.body?.form) continue;
        const v = state.verification.get(i.id);
        out.push({
          id: i.id,
          thread: t.id,
          received: i.received,
          ...(i.receipt ? { receipt: i.receipt } : {}),
          form: { id: i.body.form.id, version: i.body.form.version },
          fields: (i.body.fields ?? {}) as Record<string, unknown>,
          ...(i.body.protocol !== undefined ? { protocol: i.body.protocol } : {}),
          message: i.message,
          verification: v ? { state: v.state, note: v.note, editor: this.editorId(v.editor) } : { state: 'unverified', note: '' },
        });
      }
    }
    return out;
  }

  private fileSummary(id: string): FileSummary | undefined {
    const f = this.files.get(id);
    if (!f) return undefined;
    return { id, name: fileLabel(f.name), type: f.type, size: f.size, complete: f.complete, thumbnail: this.isThumbnail(f) };
  }

  private firstBytes(f: StoredFile): Uint8Array | undefined {
    const at = f.chunks[0];
    return at ? this.store.read(at).tail.subarray(0, 16) : undefined;
  }

  private isThumbnail(f: StoredFile): boolean {
    if (!f.complete || f.size > MAX_THUMBNAIL_BYTES) return false;
    if (f.image === undefined) {
      const head = this.firstBytes(f);
      f.image = head !== undefined && imageType(head) !== undefined;
    }
    return f.image;
  }

  thread(id: string): ThreadDetail | undefined {
    const t = this.threads.get(id);
    if (!t || t.items.length === 0) return undefined;
    const state = this.merge.thread(id);
    const sorted = [...t.items].sort(byThreadOrder);
    const items: ThreadItem[] = sorted.map((i) => {
      const seeded = i.seeded ? { seeded: { from: this.editorId(i.seeded.by), date: i.seeded.on } } : {};
      if (i.kind === 'reply') return { kind: 'reply', id: i.id, date: i.received, message: i.message, from: this.editorId(i.signer), pending: i.pending, ...seeded };
      const answers = this.answers(i);
      return {
        ...seeded,
        kind: i.kind,
        id: i.id,
        date: i.received,
        ...(i.body?.clientTime ? { clientTime: i.body.clientTime } : {}),
        message: i.message,
        ...(i.body?.form ? { form: { id: i.body.form.id, answers } } : {}),
        files: i.files.map((f) => this.fileSummary(f)).filter((f): f is FileSummary => f !== undefined),
        sealedByServer: i.body?.sealedByServer === true,
        ...(i.unverified ? { unverified: i.unverified } : {}),
      };
    });
    const verification: ThreadDetail['verification'] = {};
    for (const i of t.items) {
      if (i.kind !== 'tip' || !i.body?.form) continue;
      const v = state.verification.get(i.id);
      verification[i.id] = v ? { state: v.state, note: v.note, editor: this.editorId(v.editor) } : { state: 'unverified' as Verification, note: '' };
    }
    return {
      ...this.summary(t),
      items,
      notes: state.notes.map((n) => ({ id: n.id, editor: this.editorId(n.editor), time: isoOf(n.hlc), text: n.text })),
      log: state.log.map((l) => ({ editor: this.editorId(l.editor), time: isoOf(l.hlc), what: this.named(l.what) })),
      verification,
    };
  }

  /** The merge logs an assignment by the assignee's fingerprint (merge.ts); the log shows the roster's name. */
  private named(what: string): string {
    const m = /^assigned to ([0-9A-F]{4}(?: [0-9A-F]{4}){7})$/.exec(what);
    const editor = m ? this.editors.find((e) => e.id === m[1]) : undefined;
    return editor ? `assigned to ${editor.name}` : what;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.closed) throw new DeskError('the desk is closed');
  }

  private outbox(): string {
    const dir = join(this.options.usb, 'outbox');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private inOutbox(name: string): boolean {
    return existsSync(join(this.options.usb, 'outbox', name)) || existsSync(join(this.options.usb, 'sent', name));
  }

  /** Writes to the outbox every own record the store holds but the outbox does not (after a crash between the two). */
  private async flushOutbox(): Promise<void> {
    for (const [id, json] of [...this.unqueued]) {
      if (json.t === 'events') {
        const name = `event-${id}.bundle`;
        if (!this.inOutbox(name)) {
          const envelope = await sealDeskEvents(
            json.lines.map((l) => utf8(l)),
            this.editors.map((e) => e.key.publicKey),
          );
          await writeBundle(join(this.outbox(), name), [{ event: { id, received: json.received, envelope } }], { created: json.received });
        }
      } else if (json.t === 'pending') {
        const name = `reply-${id}.bundle`;
        if (!this.inOutbox(name))
          await writeBundle(join(this.outbox(), name), [{ id, received: json.received, mailbox: json.thread, envelope: fromBase64Url(json.envelope)! }], { created: json.received });
      }
      this.commit([{ json: { t: 'queued', id } }]);
    }
  }

  change(threadId: string, input: DeskChange): Promise<void> {
    return this.serial(() => this.changeNow(threadId, input));
  }

  private async changeNow(threadId: string, input: DeskChange): Promise<void> {
    this.checkOpen();
    const t = this.threads.get(threadId);
    if (!t || t.items.length === 0) throw new DeskError('there is no such thread');
    let change: DeskChange;
    try {
      const normalised = input.kind === 'label' ? { ...input, label: input.label.normalize('NFC').trim() } : input.kind === 'note' ? { ...input, text: input.text.normalize('NFC') } : input;
      change = canonicalChange(normalised) as DeskChange;
    } catch (err) {
      throw new DeskError(err instanceof DeskEventError ? err.message : 'not a valid change');
    }
    const state = this.merge.thread(threadId);
    if (change.kind === 'status' && FINAL_STATUSES.includes(state.status) && !FINAL_STATUSES.includes(change.status) && !change.reason?.trim()) {
      throw new DeskError(`leaving ${state.status} needs a reason`);
    }
    if (change.kind === 'assign' && change.editor !== null && !this.editors.some((e) => e.id === change.editor)) throw new DeskError('assign to an editor of the roster');
    if (change.kind === 'verify' && !t.items.some((i) => i.id === change.tip && i.kind === 'tip')) throw new DeskError('that report is not in this thread');
    const event: DeskEvent = { v: 1, id: await newEventId(), editor: toBase64Url(this.options.key.signPublicKey), thread: threadId, hlc: this.tick(), change };
    const signed = await signDeskEvent(event, this.options.key);
    const record = await newEventId();
    const received = todayUtc(new Date(this.now()));
    const a = await newEventId();
    // Durable in the store first (applied at once), then queued in the outbox.
    this.commit([{ json: { t: 'events', id: record, a, received, lines: [Buffer.from(signed).toString('utf8')], refused: [], own: true } }, { json: { t: 'done', id: record, a } }]);
    await this.flushOutbox();
  }

  reply(threadId: string, text: string): Promise<void> {
    return this.serial(() => this.replyNow(threadId, text));
  }

  private async replyNow(threadId: string, text: string): Promise<void> {
    this.checkOpen();
    const t = this.threads.get(threadId);
    if (!t) throw new DeskError('there is no such thread');
    let key: Uint8Array | undefined;
    for (const i of t.items) {
      if (i.kind === 'reply' || i.unverified || i.body?.reply?.mailbox !== threadId) continue;
      const k = fromBase64Url(i.body.reply.kemPublicKey);
      if (!k || k.length !== XWING_PUBLIC_KEY_BYTES) continue;
      if (key && !k.every((b, j) => b === key![j])) throw new DeskError('two records of this thread name different reply keys; not replying');
      key = k;
    }
    if (!key) throw new DeskError('this thread has no verified message with a reply key: the source cannot be answered');
    const own = this.options.key.publicKey;
    const editorKeys = [own, ...this.editors.map((e) => e.key.publicKey).filter((k) => !k.every((b, j) => b === own[j]))];
    const envelope = await sealReply({ mailbox: threadId, message: text, sourceKey: key, editorKeys, signer: this.options.key });
    const id = await newEventId();
    const received = todayUtc(new Date(this.now()));
    const eh = toHex(this.sodium.crypto_generichash(32, envelope, null));
    this.commit([{ json: { t: 'pending', id, thread: threadId, message: text, received, envelope: toBase64Url(envelope), eh, hlc: this.tick() } }]);
    await this.flushOutbox();
  }

  importInbox(onProgress?: (p: ImportProgress) => void): Promise<ImportProgress> {
    return this.serial(() => this.importInboxNow(onProgress));
  }

  private async importInboxNow(onProgress?: (p: ImportProgress) => void): Promise<ImportProgress> {
    this.checkOpen();
    const result = await importInbox(this, this.options.usb, onProgress);
    // Records seeded from a colleague's export were not fetched by this desk: nothing to acknowledge.
    const ids = [...this.done].filter((id) => !this.acked.has(id) && this.items.get(id) && this.items.get(id)!.kind !== 'reply' && !this.items.get(id)!.pending && !this.items.get(id)!.seeded);
    if (ids.length > 0) {
      const today = todayUtc(new Date(this.now()));
      const signed = await signAck(ids, addDays(today, ACK_VALID_DAYS), this.options.key);
      const name = `ack-${await newEventId()}.ack`;
      writeAckFile(join(this.outbox(), name), signed);
      this.commit([{ json: { t: 'acked', ids } }]);
    }
    const { newTips: _newTips, ...progress } = result;
    return progress;
  }

  private fileBytes(f: StoredFile): Uint8Array {
    const out = new Uint8Array(f.size);
    let off = 0;
    for (const at of f.chunks) {
      const tail = this.store.read(at).tail;
      out.set(tail.subarray(0, Math.min(tail.length, f.size - off)), off);
      off += tail.length;
    }
    return out;
  }

  thumbnail(fileId: string): Uint8Array | undefined {
    const f = this.files.get(fileId);
    if (!f || !this.isThumbnail(f)) return undefined;
    return this.fileBytes(f);
  }

  exportFile(fileId: string): Promise<string> {
    return this.serial(() => this.exportFileNow(fileId));
  }

  private async exportFileNow(fileId: string): Promise<string> {
    this.checkOpen();
    const f = this.files.get(fileId);
    if (!f) throw new DeskError('there is no such file');
    if (!f.complete) throw new DeskError('the file is incomplete: it did not arrive whole or did not authenticate');
    mkdirSync(this.options.exportDir, { recursive: true, mode: 0o700 });
    const root = realpathSync(this.options.exportDir);
    if (!lstatSync(root).isDirectory()) throw new DeskError('the export folder is not a folder');
    const name = numberedName(sanitiseFileName(f.name), (c) => existsSync(join(root, c)));
    const path = childPath(root, name);
    if (path === 'name' || path === 'outside') throw new DeskError('refusing that file name');
    const bytes = this.fileBytes(f);
    const fd = openSync(path, CREATE_FLAGS, 0o600);
    try {
      fchmodSync(fd, 0o600);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      bytes.fill(0);
    }
    fsyncPath(root);
    return path;
  }

  exportSeed(colleagueId: string): Promise<string> {
    return this.serial(() => this.exportSeedNow(colleagueId));
  }

  /** Every thread item with its files, in each thread's order: what a desk export carries (lazily: files are read as they are written). */
  private *seedThreadItems(): Generator<{ item: SeedItem; files: SeedFile[] }> {
    for (const t of this.threads.values()) {
      for (const i of [...t.items].sort(byThreadOrder)) {
        const item: SeedItem = {
          id: i.id,
          kind: i.kind,
          received: i.received,
          thread: i.thread,
          receipt: i.receipt ?? '',
          eh: i.eh,
          // A reply still in the outbox: its text and the time it was queued (its place in the thread).
          body: i.body ?? { v: 1, message: i.message, clientTime: isoOf(i.arrived) },
          ...(i.unverified ? { unverified: i.unverified } : {}),
          ...(i.signer ? { signer: i.signer } : {}),
        };
        const files: SeedFile[] = [];
        for (const id of i.files) {
          const f = this.files.get(id);
          if (f) files.push({ n: f.n, name: f.name, type: f.type, size: f.size, complete: f.complete, bytes: () => this.chunkBytes(f) });
        }
        yield { item, files };
      }
    }
  }

  /** Every merged desk event record, its lines as their authors signed them. */
  private *seedEventRecords(): Generator<{ id: string; received: string; lines: string[] }> {
    for (const at of this.eventRecords.values()) {
      const json = this.store.read(at).json as StoreJson;
      if (json.t === 'events') yield { id: json.id, received: json.received, lines: json.lines };
    }
  }

  private *chunkBytes(f: StoredFile): Generator<Uint8Array> {
    let left = f.size;
    for (const at of f.chunks) {
      const tail = this.store.read(at).tail;
      yield tail.subarray(0, Math.min(tail.length, left));
      left -= Math.min(tail.length, left);
    }
  }

  private async exportSeedNow(colleagueId: string): Promise<string> {
    this.checkOpen();
    const colleague = this.editors.find((e) => e.id === colleagueId && !e.me);
    if (!colleague) throw new DeskError('choose a colleague of the roster to export this desk for');
    const created = todayUtc(new Date(this.now()));
    mkdirSync(this.options.usb, { recursive: true, mode: 0o700 });
    const path = join(this.options.usb, `desk-export-${created}-${toHex(this.sodium.randombytes_buf(4))}.bundle`);
    const items = seedItems(
      this.sodium,
      { items: this.seedThreadItems(), events: this.seedEventRecords() },
      { exportId: toHex(this.sodium.randombytes_buf(16)), created, recipient: { publicKey: colleague.key.publicKey, id: colleague.id }, signer: this.options.key },
    );
    await writeBundle(path, items, { created });
    return path;
  }

  refused(): RefusedEvent[] {
    return [...this.refusals];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.store.close();
  }
}

/** Opens (creating when new) the desk in `deskDir` for the unlocked editor key. */
export async function openDesk(options: OpenDeskOptions): Promise<Desk> {
  const sodium = await loadSodium();
  let keys: EditorPublicKey[];
  try {
    keys = parseRecipients(options.recipients);
  } catch (err) {
    throw new DeskError(`the recipients file: ${(err as Error).message}`);
  }
  const mine = toBase64Url(options.key.signPublicKey);
  const editors: (RosterEditor & { key: EditorPublicKey; sign: string })[] = [];
  for (const key of keys) {
    const id = await fingerprint(key);
    const sign = toBase64Url(key.signPublicKey);
    editors.push({ id, name: key.name ?? id.slice(0, 9), me: sign === mine, key, sign });
  }
  const me = editors.find((e) => e.me);
  if (!me || !equalBytes(me.key.publicKey, options.key.publicKey)) {
    throw new DeskError('this editor key is not in the recipients file: add its public line (keygen --public) to it, as on the server');
  }
  const desk = new DeskModel(options, sodium, editors);
  await desk.load();
  return desk;
}

/** For tests and tools: the constants readers of the desk folder rely on. */
export const DESK_OUTBOX_NAMES = { event: /^event-[0-9a-f]{32}\.bundle$/, reply: /^reply-[0-9a-f]{32}\.bundle$/, ack: /^ack-[0-9a-f]{32}\.ack$/ };
