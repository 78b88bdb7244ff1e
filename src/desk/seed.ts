// A new editor's desk seeded from a colleague's export (docs/EDITORS.md, "A new editor joins";
// format: src/crypto/desk-seed.ts, docs/BUNDLE.md "Seed record"). The colleague's desk writes
// every thread it holds (tips, follow-ups, replies, their files) and every desk event record it
// merged, sealed to the newcomer alone and sealed off by the exporter's signature; the newcomer's
// desk imports the file from `<usb>/inbox/` like any bundle.
//
// All or nothing before anything is written: the bundle must be whole (manifest, no problem), hold
// only seed lines, and end with a seal that opens with this editor's key, names this editor, is
// signed by an editor of the roster and covers the hash of every other line. Then the records are
// imported as any import is (src/desk/import.ts): each under a random attempt tag, counted once its
// `done` is durable, a record id already here skipped. So the same export twice changes nothing,
// a killed import resumes, and a tip or a desk event record that also comes from the server is
// one record (the export keeps the server's record ids). Desk events keep their authors'
// signatures and are verified here against the roster; what the exporter re-sealed (tips,
// follow-ups, replies, files) is marked as coming from that export.
import { validateBody, type Body } from '../crypto/body.js';
import { BundleError, describeProblem, eventLine, isBundleDate, type BundleItem } from '../crypto/bundle.js';
import { toBase64Url, toHex, utf8 } from '../crypto/bytes.js';
import { DeskEventError, replayVerdict, verifyDeskEvent } from '../crypto/desk-event.js';
import { checkSeal, encodeSeedPart, openSeedPart, SEED_PIECE_BYTES, SeedError, sealBody, sealSeedPart, seedHash, type OpenedPart } from '../crypto/desk-seed.js';
import type { SealRandomness } from '../crypto/envelope.js';
import { loadSodium, type Sodium } from '../crypto/sodium.js';
import { readVerifiedRecords, type BundleVerification } from '../offline/bundle.js';
import type { ImportProgress, RefusedEvent } from './api.js';
import { addChunk, type FiledItem, type ImportTarget, type StoreJson, type StoreWrite } from './import.js';

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Event records per events part: a part is flushed once its lines pass this many bytes. */
const EVENTS_PART_BYTES = 1024 * 1024;

/** One thread item as the export carries it: as the desk files it. */
export type SeedItem = FiledItem;

export interface SeedFile {
  /** 1-based, the file's place in the item's body.files. */
  n: number;
  name: string;
  type: string;
  size: number;
  complete: boolean;
  /** The file's bytes, in order (only read for a complete file). */
  bytes: () => Iterable<Uint8Array>;
}

export interface SeedSource {
  items: Iterable<{ item: SeedItem; files: SeedFile[] }>;
  events: Iterable<{ id: string; received: string; lines: string[] }>;
}

export interface SeedOptions {
  exportId: string;
  created: string;
  /** The colleague: X-Wing public key and fingerprint. */
  recipient: { publicKey: Uint8Array; id: string };
  signer: { signPublicKey: Uint8Array; signSecretKey: Uint8Array };
  /** Fixed record ids and sealing randomness (the test vector); random otherwise. */
  fixed?: { id(): string; seal(): SealRandomness };
}

/** A file's bytes again, in pieces of exactly SEED_PIECE_BYTES (the last shorter). */
function* pieces(chunks: Iterable<Uint8Array>): Generator<Uint8Array> {
  let buffer = new Uint8Array(SEED_PIECE_BYTES);
  let used = 0;
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, SEED_PIECE_BYTES - used);
      buffer.set(chunk.subarray(at, at + n), used);
      used += n;
      at += n;
      if (used === SEED_PIECE_BYTES) {
        yield buffer;
        buffer = new Uint8Array(SEED_PIECE_BYTES);
        used = 0;
      }
    }
  }
  if (used > 0) yield buffer.subarray(0, used);
}

/**
 * The bundle items of a desk export, the seal last: synchronous, so writeBundle streams them
 * (a file's pieces are read from the store as they are written, never held all at once).
 */
export function* seedItems(sodium: Sodium, source: SeedSource, o: SeedOptions): Generator<BundleItem> {
  const hashes: string[] = [];
  const line = (body: Uint8Array): BundleItem => {
    const id = o.fixed ? o.fixed.id() : toHex(sodium.randombytes_buf(16));
    const seed = { id, received: o.created, envelope: sealSeedPart(sodium, body, o.recipient.publicKey, o.fixed?.seal()) };
    body.fill(0);
    hashes.push(toHex(sodium.crypto_generichash(32, utf8(eventLine(seed, 'seed')), null)));
    return { seed };
  };
  for (const { item, files } of source.items) {
    const described = files.map((f) => ({ n: f.n, name: f.name, type: f.type, size: f.size, complete: f.complete, pieces: f.complete ? Math.ceil(f.size / SEED_PIECE_BYTES) : 0 }));
    yield line(encodeSeedPart(o.exportId, { t: 'item', item, files: described }));
    for (const f of files) {
      if (!f.complete) continue;
      let i = 0;
      for (const piece of pieces(f.bytes())) yield line(encodeSeedPart(o.exportId, { t: 'piece', tip: item.id, n: f.n, i: i++ }, piece));
    }
  }
  let records: { id: string; received: string; lines: string[] }[] = [];
  let bytes = 0;
  for (const r of source.events) {
    if (r.lines.length === 0) continue;
    records.push(r);
    bytes += r.lines.reduce((n, l) => n + l.length, 0);
    if (bytes >= EVENTS_PART_BYTES) {
      yield line(encodeSeedPart(o.exportId, { t: 'events', records }));
      records = [];
      bytes = 0;
    }
  }
  if (records.length > 0) yield line(encodeSeedPart(o.exportId, { t: 'events', records }));
  const seal = sealBody(
    sodium,
    { export: o.exportId, from: toBase64Url(o.signer.signPublicKey), for: o.recipient.id, created: o.created, count: hashes.length, hash: seedHash(sodium, hashes) },
    o.signer.signSecretKey,
  );
  yield line(seal);
}

function itemOf(value: unknown): SeedItem {
  const o = value as Record<string, unknown>;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    HEX32.test(o.id) &&
    (o.kind === 'tip' || o.kind === 'followUp' || o.kind === 'reply') &&
    isBundleDate(o.received) &&
    typeof o.thread === 'string' &&
    HEX32.test(o.thread) &&
    typeof o.receipt === 'string' &&
    typeof o.eh === 'string' &&
    HEX64.test(o.eh) &&
    (o.unverified === undefined || typeof o.unverified === 'string') &&
    (o.signer === undefined || typeof o.signer === 'string');
  if (!ok) throw new SeedError('a thread record of this desk export is malformed');
  try {
    validateBody(o.body);
  } catch {
    throw new SeedError('a message of this desk export is malformed');
  }
  return o as unknown as SeedItem;
}

interface FileState {
  n: number;
  upload: string;
  name: string;
  type: string;
  size: number;
  complete: boolean;
  pieces: number;
  got: number;
  bytes: number;
}

function filesOf(value: unknown, body: Body): FileState[] {
  if (!Array.isArray(value)) throw new SeedError('a thread record of this desk export is malformed');
  return value.map((f: Record<string, unknown>) => {
    const ok =
      typeof f === 'object' &&
      f !== null &&
      Number.isSafeInteger(f.n) &&
      (f.n as number) >= 1 &&
      (f.n as number) <= (body.files?.length ?? 0) &&
      typeof f.name === 'string' &&
      typeof f.type === 'string' &&
      Number.isSafeInteger(f.size) &&
      (f.size as number) >= 0 &&
      typeof f.complete === 'boolean' &&
      Number.isSafeInteger(f.pieces) &&
      (f.pieces as number) >= 0;
    if (!ok) throw new SeedError('a file record of this desk export is malformed');
    const n = f.n as number;
    return {
      n,
      upload: body.files![n - 1]!.upload,
      name: f.name as string,
      type: f.type as string,
      size: f.size as number,
      complete: f.complete as boolean,
      pieces: f.pieces as number,
      got: 0,
      bytes: 0,
    };
  });
}

/**
 * Imports one desk export (a bundle whose records are seed lines). Everything is checked before
 * anything is written; a refusal names the bundle, imports nothing, and is kept in the desk's list
 * of refusals. Returns whether the bundle is done with (imported or refused), false when an import
 * stopped half way and should be tried again.
 */
export async function importSeed(
  target: ImportTarget,
  bundle: { name: string; path: string },
  verification: BundleVerification,
  progress: ImportProgress & { newTips: string[] },
  refuse: (r: RefusedEvent) => void,
  onProgress?: (p: ImportProgress) => void,
): Promise<boolean> {
  const sodium = await loadSodium();
  const refused = (why: string): true => {
    const reason = `desk export refused, nothing of it imported: ${why}`;
    refuse({ record: bundle.name, reason });
    target.commit([{ json: { t: 'refused', id: bundle.name, reason } }]);
    return true;
  };
  const problem = verification.problems[0];
  if (!verification.manifest || problem) return refused(`it is damaged or cut short (${problem ? describeProblem(problem) : 'no manifest'})`);
  if (verification.seedLines !== verification.accepted.size || verification.lastAttachmentLine) return refused('it holds other records than a desk export');
  const lines = [...verification.accepted.entries()].sort((a, b) => a[0] - b[0]);
  const last = lines.at(-1);
  if (!last) return refused('it is empty');
  let seal;
  try {
    let part: OpenedPart | undefined;
    for await (const item of readVerifiedRecords(bundle.path, { ...verification, accepted: new Map([last]), lastAttachmentLine: 0 })) {
      if (item.kind === 'seed') part = await openSeedPart(item.seed.envelope, target.seed);
    }
    if (!part) return false;
    seal = await checkSeal(part, target.rosterSignKeys, target.meId);
  } catch (err) {
    if (err instanceof SeedError) return refused(err.message);
    throw err;
  }
  if (
    seal.count !== lines.length - 1 ||
    seedHash(
      sodium,
      lines.slice(0, -1).map(([, l]) => l.hash),
    ) !== seal.hash
  )
    return refused('a record was altered, added or removed since the exporter sealed it');
  const seeded = { by: seal.from, on: seal.created };

  let open: { id: string; a: string; files: FileState[]; batch: StoreWrite[]; bytes: number } | undefined;
  let skipping: string | undefined;
  const finishOpen = (): void => {
    if (!open) return;
    const { id, a, files, batch } = open;
    open = undefined;
    const metas: StoreWrite[] = files.map((f) => {
      const whole = !f.complete || (f.got === f.pieces && f.bytes === f.size);
      return {
        json: {
          t: 'file',
          id,
          a,
          n: f.n,
          upload: f.upload,
          name: f.name,
          type: f.type,
          size: f.size,
          complete: f.complete && whole,
          ...(whole ? {} : { problem: 'the desk export did not carry it whole' }),
        },
      };
    });
    target.commit([...batch, ...metas, { json: { t: 'done', id, a } }]);
    // Counted once durable: a progress line never names an item a kill could still lose.
    progress.imported++;
    onProgress?.(progress);
  };
  try {
    for await (const read of readVerifiedRecords(bundle.path, verification)) {
      if (read.kind === 'problem') throw new SeedError(describeProblem(read.problem));
      if (read.kind !== 'seed' || read.line === last[0]) continue;
      const part = await openSeedPart(read.seed.envelope, target.seed);
      if (part.json.export !== seal.export) throw new SeedError('a record belongs to another desk export');
      const t = part.json.t;
      if (t === 'piece') {
        const { tip, n, i } = part.json as { tip: unknown; n: unknown; i: unknown };
        if (skipping !== undefined && tip === skipping) continue;
        const f = open && tip === open.id ? open.files.find((x) => x.n === n) : undefined;
        if (!open || !f || i !== f.got || f.got >= f.pieces) throw new SeedError('a piece of a file is out of its place');
        addChunk(target, open, { json: { t: 'chunk', id: open.id, a: open.a, n: f.n, i: f.got }, tail: Uint8Array.from(part.data) });
        f.got++;
        f.bytes += part.data.length;
        continue;
      }
      finishOpen();
      skipping = undefined;
      if (t === 'item') {
        const item = itemOf(part.json.item);
        const files = filesOf(part.json.files, item.body);
        progress.records++;
        if (target.isImported(item.id)) {
          progress.already++;
          skipping = item.id;
          onProgress?.(progress);
          continue;
        }
        const a = toHex(sodium.randombytes_buf(8));
        const json: StoreJson = {
          t: 'item',
          id: item.id,
          a,
          kind: item.kind,
          received: item.received,
          thread: item.thread,
          receipt: item.receipt,
          eh: item.eh,
          body: item.body,
          ...(item.unverified ? { unverified: item.unverified } : {}),
          ...(item.signer ? { signer: item.signer } : {}),
          arrived: target.arrival(),
          seeded,
        };
        open = { id: item.id, a, files, batch: [{ json }], bytes: 0 };
      } else if (t === 'events') {
        const records = part.json.records;
        if (!Array.isArray(records)) throw new SeedError('an events record of this desk export is malformed');
        for (const r of records as Record<string, unknown>[]) {
          if (
            typeof r !== 'object' ||
            r === null ||
            typeof r.id !== 'string' ||
            !HEX32.test(r.id) ||
            !isBundleDate(r.received) ||
            !Array.isArray(r.lines) ||
            !r.lines.every((l) => typeof l === 'string')
          ) {
            throw new SeedError('an events record of this desk export is malformed');
          }
          progress.records++;
          if (target.isImported(r.id)) {
            progress.already++;
            continue;
          }
          const accepted: string[] = [];
          const refusedHere: { index: number; id?: string; reason: string }[] = [];
          for (const [index, text] of (r.lines as string[]).entries()) {
            try {
              // Each event as its author signed it: the exporter cannot make one up or change one.
              const e = await verifyDeskEvent(utf8(text), target.rosterSignKeys);
              const verdict = replayVerdict(target.knownEvent(e.event.id), r.id, e.hash);
              if (verdict === 'new') accepted.push(text);
              else if (verdict !== 'already') refusedHere.push({ index, id: e.event.id, reason: verdict.refused });
            } catch (err) {
              if (!(err instanceof DeskEventError)) throw err;
              const id = /"id":"([0-9a-f]{32})"/.exec(text.slice(0, 200))?.[1];
              refusedHere.push({ index, ...(id ? { id } : {}), reason: `${err.message} (in a desk export)` });
            }
          }
          for (const x of refusedHere) refuse({ record: r.id, reason: `event ${x.id ?? `#${x.index + 1}`}: ${x.reason}` });
          const a = toHex(sodium.randombytes_buf(8));
          target.commit([{ json: { t: 'events', id: r.id, a, received: r.received as string, lines: accepted, refused: refusedHere } }, { json: { t: 'done', id: r.id, a } }]);
          progress.imported++;
        }
        onProgress?.(progress);
      } else {
        throw new SeedError('a record of this desk export is of an unknown kind');
      }
    }
    finishOpen();
  } catch (err) {
    // Only a file that changed between the checks and the import, or an exporter's desk that wrote
    // a record it should not have, gets here: what was done stays done (each record whole), the
    // rest is named; importing again resumes.
    if (err instanceof SeedError || err instanceof BundleError) {
      refuse({ record: bundle.name, reason: `desk export stopped: ${err.message}` });
      return false;
    }
    throw err;
  }
  return true;
}
