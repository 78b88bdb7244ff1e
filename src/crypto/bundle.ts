// Export bundle format v1 (docs/BUNDLE.md): JSON Lines, one header line, one line per record,
// one manifest line with a BLAKE2b-256 hash of every record line. The server host writes it
// (`npm run export`), the editor workstation fetches it, the air-gapped machine reads it
// (`npm run decrypt`) and writes replies in it. This module is the format only: each line's
// exact bytes, its strict parser, the checked sequence of lines a writer emits, and the
// all-or-nothing reader of a whole bundle held in memory (the editor API). No I/O: the file
// writer is src/files/bundle.ts, the streaming file reader src/offline/bundle.ts.
import { fromBase64Url, toBase64Url, toHex, utf8 } from './bytes.js';
import { parseJsonStrict } from './json.js';
import { loadSodium, type Sodium } from './sodium.js';
import { TiplineError } from '../shared/errors.js';

export const BUNDLE_FORMAT = 'tipline-bundle';
export const BUNDLE_VERSION = 1;
export const HASH_ALGORITHM = 'blake2b-256';
/** Longest line of any kind (the manifest is the long one), line end not counted. */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** Longest tip line: room for the largest envelope the server accepts, in base64url. */
export const MAX_TIP_LINE_BYTES = 2 * 1024 * 1024;
/** Most records in one bundle, so the manifest line stays under MAX_LINE_BYTES. */
export const MAX_RECORDS = 250_000;

const ID_RE = /^[0-9a-f]{32}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const LF = 0x0a;

/** A real calendar date written YYYY-MM-DD (no time of day, ever). */
export function isBundleDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}

export interface TipRecord {
  /** 32 lowercase hex digits: the server's random row id. */
  id: string;
  /** The UTC date the server received the tip, YYYY-MM-DD. */
  received: string;
  envelope: Uint8Array;
  /** Reply records only (conversations): the mailbox the reply is for, 32 lowercase hex digits. */
  mailbox?: string;
}

/**
 * Attachments (docs/BUNDLE.md, "File and chunk records"): an encrypted upload attached to the
 * tip `tip`, announced by a file line and followed by its chunk lines in index order, right
 * after its tip line. They are not in the manifest: each chunk authenticates itself (AES-GCM
 * under the file key inside the tip's envelope, its index and final flag in the nonce).
 */
export interface FileRecord {
  tip: string;
  upload: string;
  chunks: number;
  lastChunkBytes: number;
}

export interface ChunkRecord {
  tip: string;
  upload: string;
  index: number;
  data: Uint8Array;
}

/**
 * Desk events (docs/BUNDLE.md, "Event record"): an envelope of kind `deskEvent` sealed to every
 * editor of the roster, holding one or more signed desk events. A record like a tip: in the
 * manifest, its id unique in the bundle among tips, replies and events. `id` is random, chosen by
 * the desk that queued it, and kept by the server, so a resent event is recognised.
 */
export interface EventRecord {
  /** 32 lowercase hex digits, chosen at random by the desk that wrote the event. */
  id: string;
  /** The UTC day: when the desk queued it (outbox), when the server received it (inbox). */
  received: string;
  envelope: Uint8Array;
}

/**
 * A desk export for a colleague (docs/BUNDLE.md, "Seed record"): the same three members as an
 * event record; its envelope, of kind `deskSeed`, is sealed to the one colleague. A bundle that
 * holds one holds nothing else, and its last seed line is the exporter's signed seal.
 */
export type SeedRecord = EventRecord;

/** Longest seed line: a sealed piece of an attachment (512 KiB) or a thread's record, in base64url. */
export const MAX_SEED_LINE_BYTES = 8 * 1024 * 1024;

/** What a bundle writer takes: tip (or reply) records, desk events, desk export records, and attachments after their tip. */
export type BundleItem = TipRecord | { event: EventRecord } | { seed: SeedRecord } | { file: FileRecord } | { chunk: ChunkRecord };

const UPLOAD_RE = /^[A-Za-z0-9_-]{43}$/;
/** Most chunks in one upload (2^31 chunks of 1 MiB is far beyond any limit a server sets). */
const MAX_CHUNKS = 2 ** 31;
/** Longest chunk line: a 1 MiB + 16-byte chunk in base64url and the members around it. */
export const MAX_CHUNK_LINE_BYTES = 1_500_000;

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  created: string;
}

export interface ManifestEntry {
  id: string;
  hash: string;
}

export interface Manifest {
  count: number;
  entries: ManifestEntry[];
}

/** A whole-file failure: nothing in the file can be trusted to be a bundle. */
export class BundleError extends TiplineError {
  override name = 'BundleError';
}

export type ProblemCode =
  | 'truncated-line' // the last line has no line end: the file was cut short
  | 'too-long' // a line longer than its type allows
  | 'malformed' // not a well-formed line of a known type
  | 'unknown-type' // a record type this version does not know
  | 'duplicate-id' // a tip id on more than one line
  | 'not-in-manifest' // a tip line the manifest does not list
  | 'hash-mismatch' // a tip line whose bytes differ from what the manifest lists
  | 'missing' // listed in the manifest, absent from the file
  | 'no-manifest' // the file ends without a manifest: truncated
  | 'after-manifest' // a line after the manifest
  | 'changed'; // the file changed between the check and the read

export interface BundleProblem {
  code: ProblemCode;
  /** 1-based line number, when the problem is on one line. */
  line?: number;
  /** The tip id, when it could be read (for naming only: it is not trusted). */
  id?: string;
  message: string;
}

/** Formats a problem as one line: `line 7 (tip 0123…): reason`. */
export function describeProblem(p: Pick<BundleProblem, 'line' | 'id' | 'message'>): string {
  const where = [p.line !== undefined ? `line ${p.line}` : undefined, p.id !== undefined ? `tip ${p.id}` : undefined].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${p.message}` : p.message;
}

// ---------------------------------------------------------------------------------------------
// Lines

export type ParsedLine =
  | { ok: true; type: 'tip' | 'reply'; record: TipRecord }
  | { ok: true; type: 'event'; event: EventRecord }
  | { ok: true; type: 'seed'; seed: SeedRecord }
  | { ok: true; type: 'file'; file: FileRecord }
  | { ok: true; type: 'chunk'; chunk: ChunkRecord }
  | { ok: true; type: 'manifest'; manifest: Manifest }
  | { ok: false; code: 'malformed' | 'unknown-type' | 'too-long'; message: string };

function bad(message: string, code: 'malformed' | 'unknown-type' | 'too-long' = 'malformed'): ParsedLine {
  return { ok: false, code, message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The exact bytes the writer produces for a tip record, or a reply record when it has a mailbox (without the line end). */
export function tipLine(record: TipRecord): string {
  if (record.mailbox !== undefined) {
    return JSON.stringify({ type: 'reply', id: record.id, received: record.received, mailbox: record.mailbox, envelope: toBase64Url(record.envelope) });
  }
  return JSON.stringify({ type: 'tip', id: record.id, received: record.received, envelope: toBase64Url(record.envelope) });
}

/** The exact bytes of an event line, or of a seed line (without the line end). */
export function eventLine(event: EventRecord, type: 'event' | 'seed' = 'event'): string {
  return JSON.stringify({ type, id: event.id, received: event.received, envelope: toBase64Url(event.envelope) });
}

export function fileLine(file: FileRecord): string {
  return JSON.stringify({ type: 'file', id: file.tip, upload: file.upload, chunks: file.chunks, lastChunkBytes: file.lastChunkBytes });
}

export function chunkLine(chunk: ChunkRecord): string {
  return JSON.stringify({ type: 'chunk', id: chunk.tip, upload: chunk.upload, index: chunk.index, data: toBase64Url(chunk.data) });
}

export function manifestLine(entries: ManifestEntry[]): string {
  return JSON.stringify({ type: 'manifest', count: entries.length, hash: HASH_ALGORITHM, records: entries.map((e) => ({ id: e.id, hash: e.hash })) });
}

export function headerLine(created: string): string {
  return JSON.stringify({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION, created });
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | string {
  if (bytes.length === 0) return 'the line is empty';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'the line starts with a byte-order mark';
  if (bytes[0] !== 0x7b /* { */) return 'the line is not a JSON object';
  let value: unknown;
  try {
    value = parseJsonStrict(bytes);
  } catch (err) {
    return `the line is not ${(err as Error).message === 'not valid UTF-8' ? 'valid UTF-8' : `strict JSON: ${(err as Error).message}`}`;
  }
  if (!isPlainObject(value)) return 'the line is not a JSON object';
  return value;
}

/** Same bytes as the canonical form? Rules out extra keys, other key orders, whitespace, escapes. */
function isCanonical(bytes: Uint8Array, canonical: string): boolean {
  const expected = utf8(canonical);
  if (expected.length !== bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== bytes[i]) return false;
  return true;
}

/**
 * Parses one record line (tip or manifest; not the header), without its line end. Never throws:
 * anything wrong is a named error.
 */
export function parseBundleLine(bytes: Uint8Array): ParsedLine {
  if (bytes.length > MAX_LINE_BYTES) return bad(`the line is longer than ${MAX_LINE_BYTES} bytes`, 'too-long');
  const json = parseJsonObject(bytes);
  if (typeof json === 'string') return bad(json);
  const type = json.type;
  if (typeof type !== 'string') return bad('the line has no "type"');
  if (type === 'tip' || type === 'reply') {
    if (bytes.length > MAX_TIP_LINE_BYTES) return bad(`the ${type} line is longer than ${MAX_TIP_LINE_BYTES} bytes`, 'too-long');
    const { id, received, envelope, mailbox } = json;
    if (!isRecordId(id)) return bad(`the ${type} id is not 32 lowercase hex digits`);
    if (!isBundleDate(received)) return bad('the received date is not a date written YYYY-MM-DD');
    if (type === 'reply' && !isRecordId(mailbox)) return bad('the reply mailbox is not 32 lowercase hex digits');
    if (typeof envelope !== 'string' || envelope.length === 0) return bad(`the ${type} has no envelope`);
    const bytesOfEnvelope = fromBase64Url(envelope);
    if (!bytesOfEnvelope) return bad('the envelope is not strict base64url');
    const record: TipRecord = { id, received, envelope: bytesOfEnvelope, ...(type === 'reply' ? { mailbox: mailbox as string } : {}) };
    if (!isCanonical(bytes, tipLine(record))) return bad(`the ${type} line is not in canonical form (extra members, order or spacing)`);
    return { ok: true, type, record };
  }
  if (type === 'event' || type === 'seed') {
    const max = type === 'seed' ? MAX_SEED_LINE_BYTES : MAX_TIP_LINE_BYTES;
    if (bytes.length > max) return bad(`the ${type} line is longer than ${max} bytes`, 'too-long');
    const { id, received, envelope } = json;
    if (!isRecordId(id)) return bad(`the ${type} id is not 32 lowercase hex digits`);
    if (!isBundleDate(received)) return bad('the received date is not a date written YYYY-MM-DD');
    if (typeof envelope !== 'string' || envelope.length === 0) return bad(`the ${type} has no envelope`);
    const bytesOfEnvelope = fromBase64Url(envelope);
    if (!bytesOfEnvelope) return bad('the envelope is not strict base64url');
    const event: EventRecord = { id, received, envelope: bytesOfEnvelope };
    if (!isCanonical(bytes, eventLine(event, type))) return bad(`the ${type} line is not in canonical form (extra members, order or spacing)`);
    return type === 'seed' ? { ok: true, type, seed: event } : { ok: true, type, event };
  }
  if (type === 'file') {
    const { id, upload, chunks, lastChunkBytes } = json;
    if (!isRecordId(id)) return bad("the file line's tip id is not 32 lowercase hex digits");
    if (typeof upload !== 'string' || !UPLOAD_RE.test(upload)) return bad("the file line's upload id is not 43 base64url characters");
    if (!Number.isSafeInteger(chunks) || (chunks as number) < 1 || (chunks as number) > MAX_CHUNKS) return bad("the file line's chunk count is not a positive integer");
    if (!Number.isSafeInteger(lastChunkBytes) || (lastChunkBytes as number) < 17 || (lastChunkBytes as number) > 1_048_592) return bad("the file line's lastChunkBytes is out of range");
    const file: FileRecord = { tip: id, upload, chunks: chunks as number, lastChunkBytes: lastChunkBytes as number };
    if (!isCanonical(bytes, fileLine(file))) return bad('the file line is not in canonical form (extra members, order or spacing)');
    return { ok: true, type: 'file', file };
  }
  if (type === 'chunk') {
    if (bytes.length > MAX_CHUNK_LINE_BYTES) return bad(`the chunk line is longer than ${MAX_CHUNK_LINE_BYTES} bytes`, 'too-long');
    const { id, upload, index, data } = json;
    if (!isRecordId(id)) return bad("the chunk line's tip id is not 32 lowercase hex digits");
    if (typeof upload !== 'string' || !UPLOAD_RE.test(upload)) return bad("the chunk line's upload id is not 43 base64url characters");
    if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= MAX_CHUNKS) return bad('the chunk index is not a non-negative integer');
    const decoded = typeof data === 'string' && data.length > 0 ? fromBase64Url(data) : undefined;
    if (!decoded) return bad('the chunk data is not strict base64url');
    const chunk: ChunkRecord = { tip: id, upload, index: index as number, data: decoded };
    if (!isCanonical(bytes, chunkLine(chunk))) return bad('the chunk line is not in canonical form (extra members, order or spacing)');
    return { ok: true, type: 'chunk', chunk };
  }
  if (type === 'manifest') {
    const { count, hash, records } = json;
    if (hash !== HASH_ALGORITHM) return bad(`the manifest hash must be "${HASH_ALGORITHM}"`);
    if (!Number.isSafeInteger(count) || (count as number) < 0 || (count as number) > MAX_RECORDS) return bad(`the manifest count must be an integer from 0 to ${MAX_RECORDS}`);
    if (!Array.isArray(records) || records.length !== count) return bad('the manifest lists a different number of records than its count');
    const entries: ManifestEntry[] = [];
    const seen = new Set<string>();
    for (const entry of records as unknown[]) {
      if (!isPlainObject(entry) || !isRecordId(entry.id) || typeof entry.hash !== 'string' || !HASH_RE.test(entry.hash)) {
        return bad('a manifest entry is not {id: 32 hex, hash: 64 hex}');
      }
      if (seen.has(entry.id)) return bad(`the manifest lists tip ${entry.id} twice`);
      seen.add(entry.id);
      entries.push({ id: entry.id, hash: entry.hash });
    }
    if (!isCanonical(bytes, manifestLine(entries))) return bad('the manifest line is not in canonical form (extra members, order or spacing)');
    return { ok: true, type: 'manifest', manifest: { count: count as number, entries } };
  }
  // Quoted with every character outside printable ASCII escaped: the summary never carries a
  // bundle's bidi or invisible characters to the editor's terminal.
  const shown = JSON.stringify(type.slice(0, 40)).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return bad(`unknown record type ${shown}`, 'unknown-type');
}

/** Parses the first line. Throws BundleError: a file whose header is wrong is not read at all. */
export function parseHeaderLine(bytes: Uint8Array): BundleHeader {
  const json = parseJsonObject(bytes.length > 4096 ? bytes.subarray(0, 0) : bytes);
  if (typeof json === 'string' && /byte-order mark/.test(json)) throw new BundleError('the bundle starts with a byte-order mark (was it re-saved by an editor program?): refused');
  if (typeof json === 'string' || json.format !== BUNDLE_FORMAT) throw new BundleError('this is not a Tipline bundle (its first line is not a bundle header)');
  if (json.version !== BUNDLE_VERSION) throw new BundleError(`unsupported bundle version ${JSON.stringify(json.version)} (this tool reads version ${BUNDLE_VERSION})`);
  if (!isBundleDate(json.created) || !isCanonical(bytes, headerLine(json.created))) throw new BundleError('the bundle header is malformed');
  return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, created: json.created };
}

/** For naming a broken line only: the id a writer would have put near its start. */
export function guessId(prefix: Uint8Array): string | undefined {
  const text = new TextDecoder('utf-8').decode(prefix.subarray(0, 128));
  return /^\{"type":"(?:tip|reply|event|seed)","id":"([0-9a-f]{32})"/.exec(text)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Writer's lines

/** Today's date in UTC, the bundle's `created`. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * The lines of a bundle for `records` (without line ends): the header, each record checked as
 * it goes (attachments right after their tip), the manifest last. Throws BundleError at the
 * first record that cannot be written, so a writer that stops there has written nothing whole.
 */
export function* bundleLines(sodium: Sodium, records: Iterable<BundleItem>, created: string): Generator<string, number> {
  // Returns the number of tip, reply and event records (the manifest's count).
  if (!isBundleDate(created)) throw new BundleError('the bundle date must be written YYYY-MM-DD');
  yield headerLine(created);
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  let lastTip: string | undefined;
  for (const item of records) {
    if ('file' in item || 'chunk' in item) {
      // Attachments follow their tip's line (the reader streams them into that tip's folder).
      const line = 'file' in item ? fileLine(item.file) : chunkLine(item.chunk);
      const tip = 'file' in item ? item.file.tip : item.chunk.tip;
      if (tip !== lastTip) throw new BundleError(`an attachment of tip ${JSON.stringify(String(tip).slice(0, 40))} does not follow its tip`);
      const parsed = parseBundleLine(utf8(line));
      if (!parsed.ok) throw new BundleError(`an attachment of tip ${tip}: ${parsed.message}`);
      yield line;
      continue;
    }
    // A tip, reply or event: a record in the manifest. Attachments may follow a tip or reply, never an event.
    const [what, record] = 'event' in item ? (['event', item.event] as const) : 'seed' in item ? (['seed', item.seed] as const) : (['record', item] as const);
    lastTip = 'event' in item || 'seed' in item ? undefined : record.id;
    if (!isRecordId(record.id)) throw new BundleError(`${what} ${JSON.stringify(String(record.id).slice(0, 40))}: the id is not 32 lowercase hex digits`);
    if (!isBundleDate(record.received)) throw new BundleError(`${what} ${record.id}: the received date is not YYYY-MM-DD`);
    if (!(record.envelope instanceof Uint8Array) || record.envelope.length === 0) throw new BundleError(`${what} ${record.id}: the envelope is empty`);
    if ('mailbox' in record && record.mailbox !== undefined && !isRecordId(record.mailbox)) throw new BundleError(`${what} ${record.id}: the mailbox is not 32 lowercase hex digits`);
    if (seen.has(record.id)) throw new BundleError(`${what} ${record.id}: the id appears twice`);
    if (entries.length >= MAX_RECORDS) throw new BundleError(`more than ${MAX_RECORDS} records: this bundle format holds at most ${MAX_RECORDS}`);
    seen.add(record.id);
    const line = 'event' in item ? eventLine(item.event) : 'seed' in item ? eventLine(item.seed, 'seed') : tipLine(item);
    if (utf8(line).length > ('seed' in item ? MAX_SEED_LINE_BYTES : MAX_TIP_LINE_BYTES)) throw new BundleError(`${what} ${record.id}: the envelope is too large for a bundle line`);
    entries.push({ id: record.id, hash: toHex(sodium.crypto_generichash(32, utf8(line), null)) });
    yield line;
  }
  yield manifestLine(entries);
  return entries.length;
}

// ---------------------------------------------------------------------------------------------
// In memory (the editor API): a whole bundle as text, and a strict all-or-nothing reader.

/** The bundle's bytes for `records`, exactly as writeBundle would write them. */
export async function bundleText(records: Iterable<TipRecord | { file: FileRecord } | { event: EventRecord }>, created: string = todayUtc()): Promise<string> {
  const sodium = await loadSodium();
  if (!isBundleDate(created)) throw new BundleError('the bundle date must be written YYYY-MM-DD');
  const lines = [headerLine(created)];
  const entries: ManifestEntry[] = [];
  for (const record of records) {
    if ('file' in record) {
      // The editor API's records answer: a file line (no chunks) after its tip's line.
      lines.push(fileLine(record.file));
      continue;
    }
    const line = 'event' in record ? eventLine(record.event) : tipLine(record);
    const id = 'event' in record ? record.event.id : record.id;
    entries.push({ id, hash: toHex(sodium.crypto_generichash(32, utf8(line), null)) });
    lines.push(line);
  }
  lines.push(manifestLine(entries));
  return lines.join('\n') + '\n';
}

/**
 * Reads a whole bundle held in memory and returns its records only if every line is sound and
 * matches the manifest (no problem of any kind is tolerated). Throws BundleError naming the
 * first problem. For uploads, where a partial bundle must change nothing. Event lines are
 * refused unless `events` is set (then they come back in `events`, tips and replies in `records`).
 */
export async function parseBundleStrict(
  bytes: Uint8Array,
  options: { files?: boolean; events?: boolean } = {},
): Promise<{ header: BundleHeader; records: TipRecord[]; files: FileRecord[]; events: EventRecord[] }> {
  const sodium = await loadSodium();
  if (bytes.length === 0 || bytes[bytes.length - 1] !== LF) throw new BundleError('the bundle is empty or cut short (it must end with a line end)');
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (lines.length < 2) throw new BundleError('the bundle has no manifest: it is truncated');
  const header = parseHeaderLine(lines[0]!);
  const last = parseBundleLine(lines[lines.length - 1]!);
  if (!last.ok || last.type !== 'manifest') throw new BundleError('the bundle does not end with its manifest: it is truncated');
  const entries = last.manifest.entries;
  const records: TipRecord[] = [];
  const events: EventRecord[] = [];
  const ids = new Set<string>();
  let lastTip: string | undefined;
  // With `files` (the editor API's records answer): file lines, without their chunks, right
  // after their tip's line; they are not in the manifest (their chunks authenticate themselves).
  const files: FileRecord[] = [];
  const uploads = new Set<string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const parsed = parseBundleLine(lines[i]!);
    if (!parsed.ok) throw new BundleError(`line ${i + 1}: ${parsed.message}`);
    if (parsed.type === 'manifest') throw new BundleError(`line ${i + 1}: a second manifest`);
    if (parsed.type === 'file' && options.files) {
      if (parsed.file.tip !== lastTip) throw new BundleError(`line ${i + 1}: a file line that does not follow its tip`);
      if (uploads.has(parsed.file.upload)) throw new BundleError(`line ${i + 1}: the same upload twice`);
      uploads.add(parsed.file.upload);
      files.push(parsed.file);
      continue;
    }
    if (parsed.type === 'file' || parsed.type === 'chunk') throw new BundleError(`line ${i + 1}: attachments are not accepted here`);
    if (parsed.type === 'event' && !options.events) throw new BundleError(`line ${i + 1}: desk events are not accepted here`);
    if (parsed.type === 'seed') throw new BundleError(`line ${i + 1}: a desk export for a colleague is carried by hand, never uploaded`);
    const entry = entries[ids.size];
    if (!entry) throw new BundleError('the manifest lists a different number of records than the bundle holds');
    const id = parsed.type === 'event' ? parsed.event.id : parsed.record.id;
    if (entry.id !== id || entry.hash !== toHex(sodium.crypto_generichash(32, lines[i]!, null))) {
      throw new BundleError(`line ${i + 1}: the line differs from its manifest entry`);
    }
    ids.add(id);
    if (parsed.type === 'event') {
      events.push(parsed.event);
      lastTip = undefined;
    } else {
      records.push(parsed.record);
      lastTip = parsed.record.id;
    }
  }
  if (entries.length !== ids.size) throw new BundleError('the manifest lists a different number of records than the bundle holds');
  return { header, records, files, events };
}
