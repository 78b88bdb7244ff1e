// Import from the USB inbox (docs/EDITORS.md, "Import"): every `*.bundle` of `<usb>/inbox/` is
// checked against its manifest (src/offline/bundle.ts), its tips, follow-ups and replies opened
// and filed exactly as `decrypt` files them (src/offline/open-record.ts), their attachments
// decrypted into the encrypted store, and its desk event records opened, verified against the
// roster and checked for replays (src/crypto/desk-event.ts).
//
// Idempotent: a record id already imported is skipped ("already"), so the same record twice is
// one record. Resumable: each record is written to the store under a random attempt tag and
// counts only once its `done` record is durable; a run killed half way leaves an attempt without
// `done`, which the next open ignores and the next import does again.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AttachmentError, FILE_KEY_BYTES, FileDecryptor, lastChunkCiphertextLength } from '../crypto/attachment.js';
import type { Body, FileRef } from '../crypto/body.js';
import { BundleError, describeProblem, type ChunkRecord, type FileRecord } from '../crypto/bundle.js';
import { fromBase64Url, toBase64Url, toHex } from '../crypto/bytes.js';
import { openDeskEvents, replayVerdict, type Hlc, type KnownEvent } from '../crypto/desk-event.js';
import { loadSodium } from '../crypto/sodium.js';
import { readVerifiedRecords, verifyBundle } from '../offline/bundle.js';
import { openRecord } from '../offline/open-record.js';
import type { ImportProgress, RefusedEvent } from './api.js';
import { importSeed } from './seed.js';

/** A tip, follow-up or reply as the desk files it (and as a desk export carries it, src/desk/seed.ts). */
export interface FiledItem {
  id: string;
  kind: 'tip' | 'followUp' | 'reply';
  received: string;
  thread: string;
  receipt: string;
  eh: string;
  body: Body;
  unverified?: string;
  signer?: string;
}

/** What the store holds, one JSON object per record (src/desk/store.ts). `a` is the import attempt. */
export type StoreJson =
  | (FiledItem & {
      t: 'item';
      a: string;
      arrived: Hlc;
      /** Seeded from a colleague's desk export (src/desk/seed.ts): the exporter's signing key and the export's date. */
      seeded?: { by: string; on: string };
    })
  | { t: 'file'; id: string; a: string; n: number; upload: string; name: string; type: string; size: number; complete: boolean; problem?: string }
  | { t: 'chunk'; id: string; a: string; n: number; i: number }
  | { t: 'events'; id: string; a: string; received: string; lines: string[]; refused: { index: number; id?: string; reason: string }[]; own?: true }
  | { t: 'done'; id: string; a: string; skipped?: string }
  | { t: 'refused'; id: string; reason: string }
  | { t: 'bundle'; key: string }
  | { t: 'pending'; id: string; thread: string; message: string; received: string; envelope: string; eh: string; hlc: Hlc }
  | { t: 'queued'; id: string }
  | { t: 'acked'; ids: string[] };

export interface StoreWrite {
  json: StoreJson;
  tail?: Uint8Array;
}

/** What import needs of the desk: its key, the roster, what it already holds, and a durable write. */
export interface ImportTarget {
  readonly seed: Uint8Array;
  /** This editor's id (its fingerprint): a desk export must name it. */
  readonly meId: string;
  readonly rosterSignKeys: Uint8Array[];
  isImported(recordId: string): boolean;
  knownEvent(eventId: string): KnownEvent | undefined;
  bundleDone(key: string): boolean;
  /** Appends durably (fsync) and applies to the desk's memory. */
  commit(writes: StoreWrite[]): void;
  /** The desk's clock for the arrival of an item (unread markers compare with it). */
  arrival(): Hlc;
}

/** Chunks are written in batches of about this many bytes (a tip's record counts once `done` is written). */
const BATCH_BYTES = 8 * 1024 * 1024;
const BUNDLE_NAME = /^[^/\\]+\.bundle$/;

/** Queues one chunk's write in a record's batch, committing the batch every BATCH_BYTES (the record counts once its `done` is written). */
export function addChunk(target: ImportTarget, open: { batch: StoreWrite[]; bytes: number }, write: StoreWrite): void {
  open.batch.push(write);
  open.bytes += write.tail!.length;
  if (open.bytes >= BATCH_BYTES) {
    target.commit(open.batch);
    open.batch = [];
    open.bytes = 0;
  }
}

async function randomTag(): Promise<string> {
  const sodium = await loadSodium();
  return toHex(sodium.randombytes_buf(8));
}

async function envelopeHash(envelope: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  return toHex(sodium.crypto_generichash(32, envelope, null));
}

/** The bundles of the inbox, oldest name first; names only, never following a symbolic link. */
export function inboxBundles(usb: string): { name: string; path: string; key: string }[] {
  const dir = join(usb, 'inbox');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read the inbox ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const out: { name: string; path: string; key: string }[] = [];
  for (const name of names.sort()) {
    if (!BUNDLE_NAME.test(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (!stat.isFile()) continue;
    out.push({ name, path, key: `${name}\u0000${stat.size}\u0000${stat.mtimeMs}` });
  }
  return out;
}

/** One tip's attachments, decrypted chunk by chunk into store writes. */
class Attachments {
  private readonly files: { ref: FileRef; n: number; decryptor?: FileDecryptor; failed?: string; announced: boolean; received: number }[];
  private current: (typeof this.files)[number] | undefined;

  constructor(
    readonly tip: string,
    readonly attempt: string,
    refs: FileRef[],
  ) {
    const uploads = new Set<string>();
    this.files = refs.map((ref, i) => {
      const f: (typeof this.files)[number] = { ref, n: i + 1, announced: false, received: 0 };
      if (uploads.has(ref.upload)) f.failed = 'the tip names the same upload twice';
      uploads.add(ref.upload);
      return f;
    });
  }

  onFile(file: FileRecord): void {
    this.current = undefined;
    if (file.tip !== this.tip) return;
    const f = this.files.find((x) => x.ref.upload === file.upload && !x.announced && !x.failed);
    if (!f) return;
    f.announced = true;
    const key = typeof f.ref.key === 'string' ? fromBase64Url(f.ref.key) : undefined;
    if (!key || key.length !== FILE_KEY_BYTES) {
      f.failed = 'its key in the tip is malformed';
      return;
    }
    try {
      f.decryptor = new FileDecryptor(key, f.ref.size, { cipher: f.ref.cipher, chunkSize: f.ref.chunkSize, chunks: file.chunks });
    } catch (err) {
      f.failed = err instanceof AttachmentError ? err.message : 'it cannot be decrypted';
      return;
    }
    if (file.lastChunkBytes !== lastChunkCiphertextLength(f.ref.size)) {
      f.failed = "the upload's last chunk length does not match the file size";
      return;
    }
    this.current = f;
  }

  async onChunk(chunk: ChunkRecord): Promise<StoreWrite | undefined> {
    const f = this.current;
    if (!f || chunk.tip !== this.tip || chunk.upload !== f.ref.upload || f.failed || !f.decryptor) return undefined;
    try {
      const plain = await f.decryptor.push(chunk.data);
      const write: StoreWrite = { json: { t: 'chunk', id: this.tip, a: this.attempt, n: f.n, i: f.received }, tail: Uint8Array.from(plain) };
      f.received++;
      return write;
    } catch (err) {
      f.failed = err instanceof AttachmentError ? err.message : 'it cannot be decrypted';
      return undefined;
    }
  }

  finish(): StoreWrite[] {
    return this.files.map((f) => {
      if (!f.failed && !f.announced) f.failed = 'the bundle does not carry this file (missing upload)';
      if (!f.failed && f.decryptor) {
        try {
          f.decryptor.finish();
        } catch (err) {
          f.failed = err instanceof AttachmentError ? err.message : 'incomplete';
        }
      }
      const name = typeof f.ref.name === 'string' ? f.ref.name : '';
      const type = typeof f.ref.type === 'string' ? f.ref.type : '';
      return {
        json: { t: 'file', id: this.tip, a: this.attempt, n: f.n, upload: f.ref.upload, name, type, size: f.ref.size, complete: !f.failed, ...(f.failed ? { problem: f.failed } : {}) },
      };
    });
  }
}

/**
 * Imports every bundle of `<usb>/inbox/`. Returns the counts; `newTips` are the tip and
 * follow-up ids imported in this run (the caller acknowledges them).
 */
export async function importInbox(target: ImportTarget, usb: string, onProgress?: (p: ImportProgress) => void): Promise<ImportProgress & { newTips: string[] }> {
  const progress: ImportProgress & { newTips: string[] } = { bundles: 0, records: 0, imported: 0, already: 0, refused: [], newTips: [] };
  const refuse = (r: RefusedEvent) => progress.refused.push(r);
  for (const bundle of inboxBundles(usb)) {
    progress.bundles++;
    if (target.bundleDone(bundle.key)) continue;
    let verification;
    try {
      verification = await verifyBundle(bundle.path);
    } catch (err) {
      if (err instanceof BundleError) {
        refuse({ record: bundle.name, reason: err.message });
        continue;
      }
      throw err;
    }
    if (verification.seedLines) {
      // A colleague's desk export: all or nothing, checked whole before a record is written.
      if (await importSeed(target, bundle, verification, progress, refuse, onProgress)) target.commit([{ json: { t: 'bundle', key: bundle.key } }]);
      onProgress?.(progress);
      continue;
    }
    for (const p of verification.problems) if (p.code !== 'no-manifest') refuse({ record: p.id ?? `${bundle.name}`, reason: describeProblem(p) });
    let open: { session: Attachments; batch: StoreWrite[]; bytes: number } | undefined;
    const finishOpen = (): void => {
      if (!open) return;
      const { session, batch } = open;
      open = undefined;
      target.commit([...batch, ...session.finish(), { json: { t: 'done', id: session.tip, a: session.attempt } }]);
    };
    try {
      for await (const item of readVerifiedRecords(bundle.path, verification)) {
        if (item.kind === 'problem') {
          refuse({ record: item.problem.id ?? bundle.name, reason: describeProblem(item.problem) });
          continue;
        }
        if (item.kind === 'file' || item.kind === 'chunk') {
          if (!open) continue;
          if (item.kind === 'file') open.session.onFile(item.file);
          else {
            const write = await open.session.onChunk(item.chunk);
            if (write) addChunk(target, open, write);
          }
          continue;
        }
        finishOpen();
        if (item.kind === 'seed') continue;
        progress.records++;
        const id = item.kind === 'event' ? item.event.id : item.record.id;
        if (target.isImported(id)) {
          progress.already++;
          onProgress?.(progress);
          continue;
        }
        const a = await randomTag();
        if (item.kind === 'event') {
          const opened = await openDeskEvents(item.event.envelope, target.seed, target.rosterSignKeys);
          if (!opened.ok) {
            refuse({ record: id, reason: opened.reason });
            target.commit([{ json: { t: 'refused', id, reason: opened.reason } }, { json: { t: 'done', id, a, skipped: opened.reason } }]);
          } else {
            const lines: string[] = [];
            const refused = opened.refused.map((r) => ({ ...r, reason: r.reason }));
            for (const e of opened.events) {
              const verdict = replayVerdict(target.knownEvent(e.event.id), id, e.hash);
              if (verdict === 'new') lines.push(Buffer.from(e.signed).toString('utf8'));
              else if (verdict !== 'already') refused.push({ index: -1, id: e.event.id, reason: verdict.refused });
            }
            for (const r of refused) refuse({ record: id, reason: `event ${r.id ?? `#${r.index + 1}`}: ${r.reason}` });
            target.commit([{ json: { t: 'events', id, a, received: item.event.received, lines, refused } }, { json: { t: 'done', id, a } }]);
            progress.imported++;
          }
          onProgress?.(progress);
          continue;
        }
        const record = item.record;
        const opened = await openRecord(record, target.seed, { editorSignKeys: target.rosterSignKeys });
        if (!opened.ok) {
          refuse({ record: id, reason: opened.reason });
          target.commit([{ json: { t: 'done', id, a, skipped: opened.reason } }]);
          onProgress?.(progress);
          continue;
        }
        if (opened.kind === 'reply' && !opened.mailbox) {
          const reason = `a reply ${opened.unverified ? opened.unverified.reason : 'that names no mailbox'}: not shown`;
          refuse({ record: id, reason });
          target.commit([{ json: { t: 'refused', id, reason } }, { json: { t: 'done', id, a, skipped: reason } }]);
          onProgress?.(progress);
          continue;
        }
        const json: StoreJson = {
          t: 'item',
          id,
          a,
          kind: opened.kind,
          received: record.received,
          thread: opened.mailbox ?? id,
          receipt: opened.receipt,
          eh: await envelopeHash(record.envelope),
          body: opened.body,
          ...(opened.unverified ? { unverified: `${opened.unverified.reason}: not filed in the thread of mailbox ${opened.unverified.mailbox}` } : {}),
          ...(opened.signer ? { signer: toBase64Url(opened.signer) } : {}),
          arrived: target.arrival(),
        };
        progress.imported++;
        if (opened.kind !== 'reply') progress.newTips.push(id);
        const files = Array.isArray(opened.body.files) ? opened.body.files : [];
        if (files.length > 0) {
          open = { session: new Attachments(id, a, files), batch: [{ json }], bytes: 0 };
        } else {
          target.commit([{ json }, { json: { t: 'done', id, a } }]);
        }
        onProgress?.(progress);
      }
      finishOpen();
    } catch (err) {
      if (err instanceof BundleError) {
        refuse({ record: bundle.name, reason: err.message });
        continue;
      }
      throw err;
    }
    // A bundle that changed while it was read is looked at again next time (its records stay idempotent).
    if (!progress.refused.some((r) => /changed while it was being read/.test(r.reason))) target.commit([{ json: { t: 'bundle', key: bundle.key } }]);
    onProgress?.(progress);
  }
  return progress;
}
