// The desk's encrypted store at rest (docs/EDITORS.md, "The desk folder"). Everything the desk
// keeps — opened tips, follow-ups and replies, file metadata and decrypted attachment chunks,
// merged desk events and the desk's own — is sealed under a key derived from the editor key's
// seed and appended to segment files. Nothing readable is ever written:
//
//   store key = BLAKE2b-256(key = editor seed, message = "tipline desk store v1")
//   segment   = "TLDESK1\n" (8 bytes), then records
//   record    = part(head) || part(tail), the tail only when it is not empty
//   part(p) at offset o = u32be(n) || nonce(24, random) || XChaCha20-Poly1305(store key, nonce,
//                 ad = "tipline desk store v1" || u32be(segment number) || u64be(o),
//                 plaintext = u32be(len(p)) || p || zeros to a Padmé size class)   (n bytes)
//   head      = u32be(json length) || JSON || u32be(tail length)
//   tail      = a decrypted attachment chunk's bytes
//
// Open reads every head but skips the tails of every segment but the last (a tail authenticates
// when it is read: a thumbnail, an export), so opening does not decrypt every attachment.
// Segments are named 000001.seg, 000002.seg…: names carry no content. Each batch of records is
// one write() then fsync(); a new segment's folder entry is fsynced too. A crash can leave only
// a torn tail: a record whose length runs past the end or whose tag fails. On open, the last
// segment is cut back to its last whole record (nothing before it changes); a bad record in an
// earlier segment is damage, not a crash, and opening stops with an error rather than guess.
// The offset in the associated data keeps records from being moved or swapped on disk.
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { concat, equalBytes, fromUtf8, readU32, utf8, writeU32 } from '../crypto/bytes.js';
import { padBody } from '../crypto/envelope.js';
import { paddedLength } from '../crypto/padding.js';
import { loadSodium, type Sodium } from '../crypto/sodium.js';
import { fsyncPath } from '../files/sync.js';

export const STORE_CONTEXT = 'tipline desk store v1';
const MAGIC = utf8('TLDESK1\n');
const NONCE = 24;
const TAG = 16;
const SEGMENT_RE = /^(\d{6})\.seg$/;
/** A new segment starts when the current one is larger than this. */
export const SEGMENT_BYTES = 64 * 1024 * 1024;
/** Largest record (a 1 MiB chunk and its metadata fit). */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export class StoreError extends Error {
  override name = 'StoreError';
}

/** The store key: from the editor seed under its own context; never the seed itself. */
export async function deriveStoreKey(seed: Uint8Array): Promise<Uint8Array> {
  if (seed.length !== 32) throw new Error('an editor key seed is 32 bytes');
  const sodium = await loadSodium();
  return sodium.crypto_generichash(32, utf8(STORE_CONTEXT), seed);
}

/** Where a record lives, to read its binary tail again later (attachments are not kept in memory). */
export interface RecordPosition {
  segment: number;
  offset: number;
}

export interface StoredRecord {
  json: unknown;
  tail: Uint8Array;
  at: RecordPosition;
}

function ad(segment: number, offset: number): Uint8Array {
  const out = new Uint8Array(STORE_CONTEXT.length + 12);
  out.set(utf8(STORE_CONTEXT), 0);
  const view = new DataView(out.buffer);
  view.setUint32(STORE_CONTEXT.length, segment, false);
  view.setUint32(STORE_CONTEXT.length + 4, Math.floor(offset / 2 ** 32), false);
  view.setUint32(STORE_CONTEXT.length + 8, offset >>> 0, false);
  return out;
}

function readExactly(fd: number, length: number, position: number): Uint8Array | undefined {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) return undefined;
    off += n;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, length);
}

/** The sealed part at `offset` of segment 1 lies wholly within the file but does not authenticate under `key`. */
function wholeButNotAuthentic(sodium: Sodium, key: Uint8Array, fd: number, offset: number, end: number): boolean {
  if (offset + 4 > end) return false;
  const n = readU32(readExactly(fd, 4, offset)!, 0);
  if (n < NONCE + TAG || n > MAX_RECORD_BYTES || offset + 4 + n > end) return false;
  const sealed = readExactly(fd, n, offset + 4)!;
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.subarray(NONCE), ad(1, offset), sealed.subarray(0, NONCE), key);
    return false;
  } catch {
    return true;
  }
}

export class DeskStore {
  private fd = -1;
  private segment = 0;
  private size = 0;
  private segmentBytes = SEGMENT_BYTES;

  private constructor(
    private readonly sodium: Sodium,
    readonly dir: string,
    private readonly key: Uint8Array,
  ) {}

  /**
   * Opens (creating it, mode 0700) the store in `dir` and hands every record to `visit`, in the
   * order written. Returns the store, ready to append, and how many bytes of torn tail it dropped.
   */
  static async open(dir: string, key: Uint8Array, visit: (record: StoredRecord) => void, options: { segmentBytes?: number } = {}): Promise<{ store: DeskStore; dropped: number }> {
    const sodium = await loadSodium();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StoreError(`cannot create the desk folder ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) throw new StoreError(`the desk folder ${dir} is not a folder`);
    const store = new DeskStore(sodium, dir, Uint8Array.from(key));
    // Tests make small segments to have several.
    if (options.segmentBytes) store.segmentBytes = options.segmentBytes;
    const segments = readdirSync(dir)
      .map((name) => SEGMENT_RE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    segments.forEach((n, i) => {
      if (n !== i + 1) throw new StoreError(`the desk folder ${dir} is missing segment ${String(i + 1).padStart(6, '0')}.seg: it is damaged`);
    });
    let dropped = 0;
    for (const n of segments) {
      const last = n === segments[segments.length - 1];
      const fd = openSync(store.path(n), (last ? constants.O_RDWR : constants.O_RDONLY) | constants.O_NOFOLLOW);
      try {
        const end = fstatSync(fd).size;
        const magic = readExactly(fd, MAGIC.length, 0);
        let offset = MAGIC.length;
        if (!magic || !equalBytes(magic, MAGIC)) {
          if (!last || end > MAGIC.length) throw new StoreError(`${store.path(n)} is not a desk segment: the desk folder is damaged`);
          // A crash while the segment was being created: start it again.
          offset = 0;
        }
        while (offset > 0 && offset < end) {
          const record = store.readAt(fd, n, offset, end, last);
          if (!record) {
            if (!last) throw new StoreError(`${store.path(n)} has a damaged record at byte ${offset}: the desk folder was altered or the disk is failing`);
            // The store's first record, whole but not authentic: another key (or an altered file), not
            // a torn tail. Cutting it would erase the whole desk; stop instead.
            if (n === 1 && offset === MAGIC.length && wholeButNotAuthentic(sodium, key, fd, offset, end)) {
              throw new StoreError(`the desk folder ${dir} does not open with this key: it is another editor's desk folder, or it was altered (nothing in it was changed)`);
            }
            break;
          }
          visit(record.record);
          offset = record.next;
        }
        if (last) {
          if (offset === 0) {
            ftruncateSync(fd, 0);
            writeSync(fd, MAGIC, 0, MAGIC.length, 0);
            offset = MAGIC.length;
            fsyncSync(fd);
          } else if (offset < end) {
            // A torn tail: cut it, so new records follow the last whole one.
            dropped = end - offset;
            ftruncateSync(fd, offset);
            fsyncSync(fd);
          }
          store.fd = fd;
          store.segment = n;
          store.size = offset;
        }
      } finally {
        if (!last || store.fd !== fd) closeSync(fd);
      }
    }
    if (store.fd < 0) store.newSegment(1);
    return { store, dropped };
  }

  private path(n: number): string {
    return join(this.dir, `${String(n).padStart(6, '0')}.seg`);
  }

  private newSegment(n: number): void {
    if (this.fd >= 0) closeSync(this.fd);
    const fd = openSync(this.path(n), constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    writeSync(fd, MAGIC, 0, MAGIC.length, 0);
    fsyncSync(fd);
    fsyncPath(this.dir);
    this.fd = fd;
    this.segment = n;
    this.size = MAGIC.length;
  }

  /** One sealed part at `offset`: its plaintext payload (padding removed) and where the next part starts; undefined when torn or not authentic. */
  private part(fd: number, segment: number, offset: number, end: number, open = true): { payload?: Uint8Array; next: number } | undefined {
    if (offset + 4 > end) return undefined;
    const n = readU32(readExactly(fd, 4, offset)!, 0);
    if (n < NONCE + TAG || n > MAX_RECORD_BYTES || offset + 4 + n > end) return undefined;
    if (!open) return { next: offset + 4 + n };
    const sealed = readExactly(fd, n, offset + 4);
    if (!sealed) return undefined;
    let plain: Uint8Array;
    try {
      plain = this.sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.subarray(NONCE), ad(segment, offset), sealed.subarray(0, NONCE), this.key);
    } catch {
      return undefined;
    }
    const length = readU32(plain, 0);
    if (length + 4 > plain.length || paddedLength(4 + length) !== plain.length) return undefined;
    return { payload: plain.subarray(4, 4 + length), next: offset + 4 + n };
  }

  /**
   * One record at `offset`, or undefined when it is torn or does not authenticate. Its tail (an
   * attachment chunk) is a part of its own after the head; `tail: false` skips it without
   * decrypting (it authenticates when read), which is how open avoids reading every chunk.
   */
  private readAt(fd: number, segment: number, offset: number, end: number, tail = true): { record: StoredRecord; next: number } | undefined {
    const head = this.part(fd, segment, offset, end);
    if (!head?.payload || head.payload.length < 8) return undefined;
    const jsonLength = readU32(head.payload, 0);
    if (jsonLength + 8 !== head.payload.length) return undefined;
    const tailLength = readU32(head.payload, 4 + jsonLength);
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(head.payload.subarray(4, 4 + jsonLength)));
    } catch {
      return undefined;
    }
    let next = head.next;
    let bytes = new Uint8Array(0);
    if (tailLength > 0) {
      const part = this.part(fd, segment, head.next, end, tail);
      if (!part || (tail && part.payload!.length !== tailLength)) return undefined;
      if (tail) bytes = part.payload!.slice();
      next = part.next;
    }
    return { record: { json, tail: bytes, at: { segment, offset } }, next };
  }

  /** Reads a record again (a chunk's bytes for a thumbnail or an export). */
  read(at: RecordPosition): StoredRecord {
    const fd = at.segment === this.segment ? this.fd : openSync(this.path(at.segment), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const record = this.readAt(fd, at.segment, at.offset, fstatSync(fd).size);
      if (!record) throw new StoreError('a record of the desk folder does not authenticate: it was altered');
      return record.record;
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
  }

  /**
   * Appends records durably: one write, then fsync. When this returns, they survive a crash;
   * if it throws or the process dies inside it, at most a torn tail remains, dropped on open.
   */
  append(records: { json: unknown; tail?: Uint8Array }[]): RecordPosition[] {
    if (records.length === 0) return [];
    if (this.size > this.segmentBytes) this.newSegment(this.segment + 1);
    const parts: Uint8Array[] = [];
    const positions: RecordPosition[] = [];
    let offset = this.size;
    const seal = (payload: Uint8Array, at: number): void => {
      const plain = padBody(payload);
      const nonce = this.sodium.randombytes_buf(NONCE);
      const sealed = this.sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad(this.segment, at), null, nonce, this.key);
      plain.fill(0);
      const n = NONCE + sealed.length;
      if (n > MAX_RECORD_BYTES) throw new StoreError('a record is too large for the desk store');
      parts.push(writeU32(n), nonce, sealed);
      offset = at + 4 + n;
    };
    for (const r of records) {
      const json = utf8(JSON.stringify(r.json));
      const tail = r.tail ?? new Uint8Array(0);
      positions.push({ segment: this.segment, offset });
      const head = concat(writeU32(json.length), json, writeU32(tail.length));
      seal(head, offset);
      head.fill(0);
      if (tail.length > 0) seal(tail, offset);
    }
    const bytes = concat(...parts);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, this.size + off);
    fsyncSync(this.fd);
    this.size = offset;
    return positions;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.key.fill(0);
  }
}
