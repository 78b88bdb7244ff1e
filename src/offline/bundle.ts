// Export bundle files, the air-gapped side: a streaming reader of the format in
// src/crypto/bundle.ts (docs/BUNDLE.md). Node built-ins and libsodium only.
//
// The reader streams: it never holds more than one line (at most MAX_LINE_BYTES) plus the
// ids and hashes. It reads the file twice — once to check every line against the manifest,
// once to hand out the records that passed — and re-hashes each line on the second pass, so
// a file that changes in between is caught too. Every problem is named (line, tip id when one
// can be read, reason) and costs only the record it touches.
import { createReadStream, statSync } from 'node:fs';
import { toHex } from '../crypto/bytes.js';
import {
  BundleError,
  MAX_LINE_BYTES,
  MAX_RECORDS,
  guessId,
  parseBundleLine,
  parseHeaderLine,
  type BundleHeader,
  type BundleProblem,
  type ChunkRecord,
  type EventRecord,
  type FileRecord,
  type Manifest,
  type ProblemCode,
  type TipRecord,
} from '../crypto/bundle.js';
import { loadSodium } from '../crypto/sodium.js';

const LF = 0x0a;

// ---------------------------------------------------------------------------------------------
// Streaming line reader. Not node:readline: we need each line's exact bytes (the manifest hashes
// bytes, and readline would decode and re-split on CR), LF as the only line end, and a bound
// enforced while reading, so a hostile file cannot make us buffer a gigabyte-long line.

interface RawLine {
  number: number;
  /** The line's bytes without the LF; undefined when the line is longer than the bound. */
  bytes: Uint8Array | undefined;
  length: number;
  /** False for a last line that has no LF (the file was cut short). */
  terminated: boolean;
  /** The first bytes of the line, kept even for lines that are too long. */
  prefix: Uint8Array;
}

async function* readLines(path: string, maxBytes = MAX_LINE_BYTES): AsyncGenerator<RawLine> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  let parts: Buffer[] = [];
  let size = 0;
  let prefix: Uint8Array | undefined;
  let number = 0;
  const finish = (terminated: boolean): RawLine => {
    number++;
    const bytes = prefix ? undefined : Buffer.concat(parts, size);
    const line: RawLine = { number, bytes, length: size, terminated, prefix: prefix ?? bytes!.subarray(0, 128) };
    parts = [];
    size = 0;
    prefix = undefined;
    return line;
  };
  const append = (piece: Buffer) => {
    if (piece.length === 0) return;
    if (!prefix && size + piece.length > maxBytes) {
      prefix = Buffer.concat([...parts, piece]).subarray(0, 128);
      parts = [];
    }
    if (!prefix) parts.push(piece);
    size += piece.length;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(LF, start);
        append(chunk.subarray(start, nl === -1 ? chunk.length : nl));
        if (nl === -1) break;
        yield finish(true);
        start = nl + 1;
      }
    }
    if (size > 0 || parts.length > 0 || prefix) yield finish(false);
  } finally {
    stream.destroy();
  }
}

function checkReadable(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new BundleError(`cannot read the bundle ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!stat.isFile()) throw new BundleError(`the bundle ${path} is not a file`);
}

async function lineHash(bytes: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  return toHex(sodium.crypto_generichash(32, bytes, null));
}

// ---------------------------------------------------------------------------------------------
// Verification (first pass)

export interface BundleVerification {
  header: BundleHeader;
  /** The manifest, or undefined when the file ends without one (truncated). */
  manifest: Manifest | undefined;
  /** Tip, reply and event lines that passed: line number → id and line hash. Read them with readVerifiedRecords. */
  accepted: Map<number, { id: string; hash: string }>;
  /** The last well-formed file or chunk line before the manifest (0 when none): the reader hands those out too. */
  lastAttachmentLine?: number;
  /** How many seed lines (a desk export for a colleague, src/desk/seed.ts) the bundle holds. */
  seedLines?: number;
  /**
   * The first MAX_LISTED_PROBLEMS problems found (and `no-manifest` always), in line order; those
   * without a line (missing records, no manifest) last. The others are only counted.
   */
  problems: BundleProblem[];
  /** Every problem found, listed or not, by kind (in the order each kind was first found). */
  counts: Partial<Record<ProblemCode, number>>;
}

/**
 * Problems kept with their message: a hostile bundle of a million bad lines must not cost a
 * million messages in memory (docs/BUNDLE.md); beyond this, problems are only counted by kind.
 */
export const MAX_LISTED_PROBLEMS = 300;

/** How many problems `counts` holds in all. */
export function countProblems(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce((a: number, b) => a + (b ?? 0), 0);
}

/** `malformed 666667, unknown-type 333333`: the counts by kind, as printed. */
export function describeCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

/**
 * Reads the whole bundle once, streaming, and decides which tip lines are sound. Throws
 * BundleError only when the file cannot be read or is not a bundle at all.
 */
export async function verifyBundle(path: string): Promise<BundleVerification> {
  checkReadable(path);
  const counts: Partial<Record<ProblemCode, number>> = {};
  const kept: BundleProblem[] = [];
  const problems = {
    push(p: BundleProblem): void {
      counts[p.code] = (counts[p.code] ?? 0) + 1;
      if (kept.length < MAX_LISTED_PROBLEMS) kept.push(p);
    },
  };
  const occurrences = new Map<string, { line: number; hash: string }[]>();
  let header: BundleHeader | undefined;
  let manifest: Manifest | undefined;
  let manifestLineNumber = 0;
  let tipLines = 0;
  let lastAttachmentLine = 0;
  let seedLines = 0;
  try {
    for await (const line of readLines(path)) {
      if (line.number === 1) {
        if (!line.bytes) throw new BundleError('this is not a Tipline bundle (its first line is not a bundle header)');
        header = parseHeaderLine(line.bytes);
        if (!line.terminated) throw new BundleError('the bundle ends inside its header: it is truncated');
        continue;
      }
      const named = (code: ProblemCode, message: string) => {
        const id = guessId(line.prefix);
        problems.push({ code, line: line.number, ...(id ? { id } : {}), message });
      };
      if (manifest) {
        named('after-manifest', `a line after the manifest (line ${manifestLineNumber}) is ignored`);
        continue;
      }
      if (!line.terminated) {
        named('truncated-line', 'the line is cut short (no line end): the bundle is truncated');
        continue;
      }
      if (!line.bytes) {
        named('too-long', `the line is longer than ${MAX_LINE_BYTES} bytes`);
        continue;
      }
      const parsed = parseBundleLine(line.bytes);
      if (!parsed.ok) {
        named(parsed.code, parsed.message);
        continue;
      }
      if (parsed.type === 'manifest') {
        manifest = parsed.manifest;
        manifestLineNumber = line.number;
        continue;
      }
      if (parsed.type === 'file' || parsed.type === 'chunk') {
        // Not in the manifest: each chunk authenticates itself when it is decrypted.
        lastAttachmentLine = line.number;
        continue;
      }
      if (++tipLines > MAX_RECORDS) {
        named('too-long', `more than ${MAX_RECORDS} records in one bundle`);
        continue;
      }
      if (parsed.type === 'seed') seedLines++;
      const id = parsed.type === 'event' ? parsed.event.id : parsed.type === 'seed' ? parsed.seed.id : parsed.record.id;
      const list = occurrences.get(id) ?? [];
      list.push({ line: line.number, hash: await lineHash(line.bytes) });
      occurrences.set(id, list);
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot read the bundle ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!header) throw new BundleError('the bundle is empty');

  const accepted = new Map<number, { id: string; hash: string }>();
  const tail = {
    list: [] as BundleProblem[],
    push(p: BundleProblem): void {
      counts[p.code] = (counts[p.code] ?? 0) + 1;
      // The missing manifest is always named: decrypt reports it as a warning, not a skip.
      if (p.code === 'no-manifest' || kept.length + this.list.length < MAX_LISTED_PROBLEMS) this.list.push(p);
    },
  };
  if (manifest) {
    const listed = new Map(manifest.entries.map((e) => [e.id, e.hash]));
    for (const [id, lines] of occurrences) {
      const expected = listed.get(id);
      if (expected === undefined) {
        for (const l of lines) problems.push({ code: 'not-in-manifest', line: l.line, id, message: 'the manifest does not list this tip' });
        continue;
      }
      const match = lines.find((l) => l.hash === expected);
      if (match) accepted.set(match.line, { id, hash: match.hash });
      for (const l of lines) {
        if (l === match) continue;
        if (lines.length > 1) {
          problems.push({ code: 'duplicate-id', line: l.line, id, message: `the same tip id is on lines ${lines.map((x) => x.line).join(', ')}; this line is not the one the manifest lists` });
        } else {
          problems.push({ code: 'hash-mismatch', line: l.line, id, message: 'the line differs from its manifest hash: it was altered' });
        }
      }
    }
    for (const entry of manifest.entries) {
      if (!occurrences.has(entry.id)) tail.push({ code: 'missing', id: entry.id, message: 'listed in the manifest but absent from the bundle' });
    }
  } else {
    tail.push({
      code: 'no-manifest',
      message: 'the bundle ends without its manifest: it is truncated; the records before the cut could not be checked against the manifest (each envelope still authenticates itself)',
    });
    for (const [id, lines] of occurrences) {
      if (lines.length === 1) accepted.set(lines[0]!.line, { id, hash: lines[0]!.hash });
      else
        for (const l of lines)
          problems.push({ code: 'duplicate-id', line: l.line, id, message: `the same tip id is on lines ${lines.map((x) => x.line).join(', ')} and there is no manifest to tell which is genuine` });
    }
  }
  kept.sort((a, b) => a.line! - b.line!);
  return { header, manifest, accepted, lastAttachmentLine, seedLines, problems: [...kept, ...tail.list], counts };
}

export type ReadItem =
  | { kind: 'record'; line: number; record: TipRecord }
  | { kind: 'event'; line: number; event: EventRecord }
  | { kind: 'seed'; line: number; seed: EventRecord }
  | { kind: 'file'; line: number; file: FileRecord }
  | { kind: 'chunk'; line: number; chunk: ChunkRecord }
  | { kind: 'problem'; problem: BundleProblem };

/**
 * Second pass: streams the records that verifyBundle accepted, re-hashing each line. A line
 * that no longer matches (the file changed in between) comes out as a 'changed' problem.
 */
export async function* readVerifiedRecords(path: string, verification: BundleVerification): AsyncGenerator<ReadItem> {
  const pending = new Map(verification.accepted);
  const lastAttachment = verification.lastAttachmentLine ?? 0;
  if (pending.size === 0 && lastAttachment === 0) return;
  let last = lastAttachment;
  for (const n of pending.keys()) if (n > last) last = n;
  const changed = (line: number, id: string): ReadItem => ({ kind: 'problem', problem: { code: 'changed', line, id, message: 'the bundle changed while it was being read; this record was skipped' } });
  try {
    for await (const line of readLines(path)) {
      const want = pending.get(line.number);
      if (want) {
        pending.delete(line.number);
        const parsed = line.bytes && line.terminated ? parseBundleLine(line.bytes) : undefined;
        const id = parsed?.ok
          ? parsed.type === 'event'
            ? parsed.event.id
            : parsed.type === 'seed'
              ? parsed.seed.id
              : parsed.type === 'tip' || parsed.type === 'reply'
                ? parsed.record.id
                : undefined
          : undefined;
        if (!line.bytes || !parsed?.ok || id !== want.id || (await lineHash(line.bytes)) !== want.hash) {
          yield changed(line.number, want.id);
        } else if (parsed.type === 'event') {
          yield { kind: 'event', line: line.number, event: parsed.event };
        } else if (parsed.type === 'seed') {
          yield { kind: 'seed', line: line.number, seed: parsed.seed };
        } else if (parsed.type === 'tip' || parsed.type === 'reply') {
          yield { kind: 'record', line: line.number, record: parsed.record };
        }
      } else if (line.number <= lastAttachment && line.bytes && line.terminated) {
        // File and chunk lines the first pass found well-formed (it named the others).
        const parsed = parseBundleLine(line.bytes);
        if (parsed.ok && parsed.type === 'file') yield { kind: 'file', line: line.number, file: parsed.file };
        else if (parsed.ok && parsed.type === 'chunk') yield { kind: 'chunk', line: line.number, chunk: parsed.chunk };
      }
      if (line.number >= last) break;
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot read the bundle ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  for (const [line, want] of pending) yield changed(line, want.id);
}
