// Attachment encryption, cipher "aes-256-gcm-chunked-1" (docs/PROTOCOL.md, "Attachments").
// One isomorphic implementation, WebCrypto only (globalThis.crypto.subtle: browsers in secure
// contexts, Web Workers, Node >= 20), used by the browser worker, the server's no-JS path and
// the offline decrypt. No node: imports.
//
//   P = the file's bytes, size = len(P)
//   Q = P || zero bytes up to paddedLength(size)            (Padmé, 1024-byte floor)
//   Q is split into n = ceil(len(Q) / C) chunks of C = 1 MiB (the last may be shorter)
//   chunk i = AES-256-GCM(key, nonce = u64be(i) || 00 00 00 || last, ad = "tipline-file-1", Q_i)
//             = ciphertext || 16-byte tag, last = 0x01 for i = n - 1, else 0x00
//
// The per-file key (32 random bytes) travels inside the sealed envelope (FileRef.key), so the
// server holds only ciphertext whose length reveals a size class.
import { concat, utf8 } from './bytes.js';
import { paddedLength } from './padding.js';
import { CodedError } from '../shared/errors.js';

// WebCrypto's types as both sides declare them (the DOM's in a browser, @types/node in Node).
type SubtleCrypto = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<SubtleCrypto['importKey']>>;

export const FILE_CIPHER = 'aes-256-gcm-chunked-1';
export const FILE_CHUNK_SIZE = 1_048_576;
export const FILE_TAG_BYTES = 16;
export const FILE_KEY_BYTES = 32;
export const FILE_NONCE_BYTES = 12;
/** Ciphertext bytes of every chunk but the last. */
export const FILE_CHUNK_CIPHERTEXT_BYTES = FILE_CHUNK_SIZE + FILE_TAG_BYTES;
export const FILE_AD = utf8('tipline-file-1');

export type AttachmentErrorCode = 'cipher' | 'key' | 'size' | 'count' | 'length' | 'truncated' | 'reordered' | 'tampered' | 'padding' | 'extra';

export class AttachmentError extends CodedError<AttachmentErrorCode> {
  override name = 'AttachmentError';
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new AttachmentError('cipher', 'WebCrypto (crypto.subtle) is not available here');
  return s;
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new AttachmentError('size', 'file size must be a non-negative integer');
}

/** len(Q): the padded plaintext length of a file of `size` bytes. */
export function paddedFileLength(size: number): number {
  checkSize(size);
  return paddedLength(size);
}

/** n: how many chunks a file of `size` bytes is split into. */
export function fileChunkCount(size: number): number {
  return Math.ceil(paddedFileLength(size) / FILE_CHUNK_SIZE);
}

/** Plaintext (padded) bytes in chunk `index` of a file of `size` bytes. */
export function chunkPlainLength(size: number, index: number): number {
  const n = fileChunkCount(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw new AttachmentError('count', `chunk index ${index} is out of range`);
  return index < n - 1 ? FILE_CHUNK_SIZE : paddedFileLength(size) - (n - 1) * FILE_CHUNK_SIZE;
}

/** Ciphertext bytes of chunk `index` of a file of `size` bytes. */
export function chunkCiphertextLength(size: number, index: number): number {
  return chunkPlainLength(size, index) + FILE_TAG_BYTES;
}

/** m: ciphertext bytes of the last chunk (what POST /api/uploads calls lastChunkBytes). */
export function lastChunkCiphertextLength(size: number): number {
  return chunkCiphertextLength(size, fileChunkCount(size) - 1);
}

/** Total ciphertext bytes of a file of `size` bytes. */
export function fileCiphertextLength(size: number): number {
  const n = fileChunkCount(size);
  return uploadCiphertextLength(n, lastChunkCiphertextLength(size));
}

/** Total ciphertext of an upload of `chunks` chunks whose last has `lastChunkBytes` bytes. */
export function uploadCiphertextLength(chunks: number, lastChunkBytes: number): number {
  return (chunks - 1) * FILE_CHUNK_CIPHERTEXT_BYTES + lastChunkBytes;
}

/** The byte range [start, end) of P that chunk `index` holds (end may equal start for pure padding). */
export function chunkSourceRange(size: number, index: number): { start: number; end: number } {
  chunkPlainLength(size, index);
  const start = Math.min(index * FILE_CHUNK_SIZE, size);
  const end = Math.min((index + 1) * FILE_CHUNK_SIZE, size);
  return { start, end };
}

/**
 * Q_i from the file bytes of chunk `index` (exactly P[start, end) of chunkSourceRange): appends
 * the zero padding the chunk needs. Returns `data` itself when no padding is needed.
 */
export function padChunk(data: Uint8Array, size: number, index: number): Uint8Array {
  const { start, end } = chunkSourceRange(size, index);
  if (data.length !== end - start) throw new AttachmentError('length', `chunk ${index} needs ${end - start} file bytes, got ${data.length}`);
  const length = chunkPlainLength(size, index);
  if (data.length === length) return data;
  const out = new Uint8Array(length);
  out.set(data);
  return out;
}

/** The 12-byte nonce of chunk `index`: u64be(index) || 00 00 00 || last. */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw new AttachmentError('count', 'chunk index must be a non-negative integer');
  const nonce = new Uint8Array(FILE_NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, Math.floor(index / 2 ** 32), false);
  view.setUint32(4, index >>> 0, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A fresh random 32-byte file key. Never reuse one for a second file. */
export function generateFileKey(): Uint8Array {
  const key = new Uint8Array(FILE_KEY_BYTES);
  globalThis.crypto.getRandomValues(key);
  return key;
}

export type FileKey = Uint8Array | CryptoKey;

/** Imports a raw 32-byte key for AES-GCM (non-extractable). */
export async function importFileKey(raw: Uint8Array): Promise<CryptoKey> {
  if (!(raw instanceof Uint8Array) || raw.length !== FILE_KEY_BYTES) throw new AttachmentError('key', 'a file key is 32 bytes');
  return subtle().importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

async function asCryptoKey(key: FileKey): Promise<CryptoKey> {
  return key instanceof Uint8Array ? importFileKey(key) : key;
}

/** Encrypts Q_i (already padded, see padChunk) as chunk `index`. */
export async function encryptChunk(key: FileKey, index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
  if (plaintext.length > FILE_CHUNK_SIZE) throw new AttachmentError('length', 'a chunk holds at most 1 MiB of plaintext');
  const out = await subtle().encrypt(
    { name: 'AES-GCM', iv: chunkNonce(index, last) as Uint8Array<ArrayBuffer>, additionalData: FILE_AD as Uint8Array<ArrayBuffer>, tagLength: 128 },
    await asCryptoKey(key),
    plaintext as Uint8Array<ArrayBuffer>,
  );
  return new Uint8Array(out);
}

/** Decrypts chunk `index`; undefined when the tag does not verify. */
export async function tryDecryptChunk(key: FileKey, index: number, last: boolean, ciphertext: Uint8Array): Promise<Uint8Array | undefined> {
  const cryptoKey = await asCryptoKey(key);
  if (ciphertext.length < FILE_TAG_BYTES) return undefined;
  try {
    const out = await subtle().decrypt(
      { name: 'AES-GCM', iv: chunkNonce(index, last) as Uint8Array<ArrayBuffer>, additionalData: FILE_AD as Uint8Array<ArrayBuffer>, tagLength: 128 },
      cryptoKey,
      ciphertext as Uint8Array<ArrayBuffer>,
    );
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}

/** Decrypts chunk `index`, throwing AttachmentError('tampered') when it does not verify. */
export async function decryptChunk(key: FileKey, index: number, last: boolean, ciphertext: Uint8Array): Promise<Uint8Array> {
  const plain = await tryDecryptChunk(key, index, last, ciphertext);
  if (!plain) throw new AttachmentError('tampered', `chunk ${index} does not authenticate (tampered or wrong key)`);
  return plain;
}

/**
 * Encrypts chunk `index` of a file of `size` bytes from its file bytes (exactly P[start, end)
 * of chunkSourceRange): pads it and marks the last chunk. The one place a chunk is made: the
 * browser's upload worker asks for chunks by index (resuming asks again, and gets the same
 * bytes), FileStreamEncryptor below streams them. A padded copy it makes is zeroed after use.
 */
export async function encryptFileChunk(key: FileKey, size: number, index: number, data: Uint8Array): Promise<Uint8Array> {
  const plain = padChunk(data, size, index);
  try {
    return await encryptChunk(key, index, index === fileChunkCount(size) - 1, plain);
  } finally {
    if (plain !== data) plain.fill(0);
  }
}

/**
 * Encrypts a file whose size is known only at its end (the no-JavaScript form post, streaming
 * in): holds at most one chunk of plaintext, in a buffer `wipe` zeroes. A full buffer is
 * encrypted only when more bytes follow (so it is not the last chunk); `finish` encrypts the
 * rest and the padding, the last chunk marked final, exactly as encryptFileChunk does.
 */
export class FileStreamEncryptor {
  private readonly buffer = new Uint8Array(FILE_CHUNK_SIZE);
  private filled = 0;
  private index = 0;
  /** File bytes pushed so far. */
  size = 0;

  constructor(private readonly key: FileKey) {}

  /** Takes the next file bytes; `put` receives each whole chunk they complete. */
  async push(data: Uint8Array, put: (index: number, ciphertext: Uint8Array) => void): Promise<void> {
    this.size += data.length;
    let offset = 0;
    while (offset < data.length) {
      if (this.filled === FILE_CHUNK_SIZE) {
        put(this.index, await encryptChunk(this.key, this.index, false, this.buffer));
        this.index++;
        this.filled = 0;
      }
      const n = Math.min(FILE_CHUNK_SIZE - this.filled, data.length - offset);
      this.buffer.set(data.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
    }
  }

  /** The file has ended: `put` receives the remaining chunks, `last` on the final one. Returns the chunk count. */
  async finish(put: (index: number, ciphertext: Uint8Array, last: boolean) => void): Promise<number> {
    const chunks = fileChunkCount(this.size);
    for (let i = this.index; i < chunks; i++) {
      const ciphertext = await encryptFileChunk(this.key, this.size, i, i === this.index ? this.buffer.subarray(0, this.filled) : new Uint8Array(0));
      put(i, ciphertext, i === chunks - 1);
    }
    return chunks;
  }

  wipe(): void {
    this.buffer.fill(0);
  }
}

/** Encrypts a whole in-memory file into its n ciphertext chunks (tests). */
export async function* encryptFileChunks(key: FileKey, file: Uint8Array): AsyncGenerator<Uint8Array> {
  const size = file.length;
  const n = fileChunkCount(size);
  const cryptoKey = await asCryptoKey(key);
  for (let i = 0; i < n; i++) {
    const { start, end } = chunkSourceRange(size, i);
    yield encryptFileChunk(cryptoKey, size, i, file.subarray(start, end));
  }
}

export async function encryptFile(key: FileKey, file: Uint8Array): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const c of encryptFileChunks(key, file)) chunks.push(c);
  return chunks;
}

/** How far around a failing position the decryptor looks to tell reordering from tampering. */
const REORDER_WINDOW = 16;

/**
 * Streaming decryptor for one file: feed the ciphertext chunks in stored order with push(),
 * write what it returns (the file's bytes, padding removed), then call finish(). Holds one chunk
 * at a time. Any problem throws AttachmentError naming the chunk and what is wrong; a caller
 * must then treat everything it wrote as incomplete.
 */
export class FileDecryptor {
  readonly chunks: number;
  private next = 0;
  private cryptoKey: Promise<CryptoKey>;

  constructor(
    key: FileKey,
    readonly size: number,
    options: { cipher?: string; chunkSize?: number; chunks?: number } = {},
  ) {
    if (options.cipher !== undefined && options.cipher !== FILE_CIPHER) throw new AttachmentError('cipher', `unknown file cipher ${JSON.stringify(options.cipher).slice(0, 60)}`);
    if (options.chunkSize !== undefined && options.chunkSize !== FILE_CHUNK_SIZE) throw new AttachmentError('cipher', `unsupported chunk size ${options.chunkSize}`);
    checkSize(size);
    this.chunks = fileChunkCount(size);
    if (options.chunks !== undefined && options.chunks !== this.chunks) {
      throw new AttachmentError('count', `the upload has ${options.chunks} chunks, a file of this size needs ${this.chunks}`);
    }
    this.cryptoKey = asCryptoKey(key);
    this.cryptoKey.catch(() => undefined);
  }

  /** How many chunks have been accepted so far. */
  get received(): number {
    return this.next;
  }

  async push(ciphertext: Uint8Array): Promise<Uint8Array> {
    const i = this.next;
    const n = this.chunks;
    if (i >= n) throw new AttachmentError('extra', `more chunks than the ${n} a file of this size has`);
    const key = await this.cryptoKey;
    const last = i === n - 1;
    const expected = chunkCiphertextLength(this.size, i);
    const plain = ciphertext.length === expected ? await tryDecryptChunk(key, i, last, ciphertext) : undefined;
    if (!plain) throw await this.diagnose(key, i, ciphertext);
    this.next++;
    const { start, end } = chunkSourceRange(this.size, i);
    const keep = end - start;
    for (let b = keep; b < plain.length; b++) {
      if (plain[b] !== 0) throw new AttachmentError('padding', `chunk ${i} has non-zero padding`);
    }
    return keep === plain.length ? plain : plain.subarray(0, keep);
  }

  /** Throws unless every chunk arrived. */
  finish(): void {
    if (this.next < this.chunks) {
      throw new AttachmentError('truncated', `truncated: ${this.next} of ${this.chunks} chunks, the final chunk is missing`);
    }
  }

  private async diagnose(key: CryptoKey, i: number, ciphertext: Uint8Array): Promise<AttachmentError> {
    const n = this.chunks;
    // Is this a final chunk arriving early (the stream was cut and its end spliced on)?
    if (i < n - 1 && (await tryDecryptChunk(key, i, true, ciphertext))) {
      return new AttachmentError('truncated', `truncated: chunk ${i} is marked final but the file has ${n} chunks`);
    }
    // Does it belong at another position (chunks reordered)?
    const from = Math.max(0, i - REORDER_WINDOW);
    const to = Math.min(n - 1, i + REORDER_WINDOW);
    const candidates = new Set<number>();
    for (let j = from; j <= to; j++) candidates.add(j);
    candidates.add(n - 1);
    candidates.delete(i);
    for (const j of candidates) {
      if (ciphertext.length !== chunkCiphertextLength(this.size, j)) continue;
      if (await tryDecryptChunk(key, j, j === n - 1, ciphertext)) {
        return new AttachmentError('reordered', `chunks reordered: position ${i} holds chunk ${j}`);
      }
    }
    if (ciphertext.length !== chunkCiphertextLength(this.size, i)) {
      return new AttachmentError('length', `chunk ${i} has ${ciphertext.length} bytes, expected ${chunkCiphertextLength(this.size, i)}`);
    }
    return new AttachmentError('tampered', `chunk ${i} does not authenticate (tampered, or the wrong key)`);
  }
}

/** Decrypts a whole in-memory file (tests, small files). */
export async function decryptFile(key: FileKey, size: number, chunks: Iterable<Uint8Array>): Promise<Uint8Array> {
  const d = new FileDecryptor(key, size);
  const parts: Uint8Array[] = [];
  for (const c of chunks) parts.push(await d.push(c));
  d.finish();
  return concat(...parts);
}
