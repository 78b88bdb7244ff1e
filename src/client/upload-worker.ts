// The attachment Web Worker: strips a file's metadata (src/client/strip-metadata.ts) and
// encrypts it chunk by chunk (src/crypto/attachment.ts, AES-256-GCM through WebCrypto, which
// stays native without JIT or WebAssembly), off the page's main thread. Bundled on its own as
// /assets/upload-worker.<hash>.js (scripts/build-client.ts).
//
// A chunk is encrypted only when the page asks for it, so at most the (stripped) image or one
// chunk of any other file is in memory; asking again for a chunk gives the same bytes (same key,
// same nonce, same plaintext), which is what resuming after a dropped connection needs.
//
// Messages in:  { type: 'prepare', id, file: File, strip, key? }  (key: resuming an upload)
//               { type: 'chunk', id, index }
//               { type: 'forget', id }
// Messages out: { type: 'prepared', id, … }, { type: 'chunk', id, index, data }, { type: 'error', id, message }
import { chunkSourceRange, encryptFileChunk, fileChunkCount, generateFileKey, importFileKey, lastChunkCiphertextLength } from '../crypto/attachment.js';
import { detectFormat, stripMetadata, type StripStatus } from './strip-metadata.js';

/** Images above this size are not read whole to be stripped: they are sent as they are, with a warning. */
export const MAX_STRIP_BYTES = 256 * 1024 * 1024;

export type UploadWorkerRequest = { type: 'prepare'; id: number; file: File; strip: boolean; key?: Uint8Array } | { type: 'chunk'; id: number; index: number } | { type: 'forget'; id: number };

export interface Prepared {
  type: 'prepared';
  id: number;
  format: 'jpeg' | 'png' | 'other';
  /** 'kept' when the source chose to keep metadata; 'too-large' for an image over MAX_STRIP_BYTES. */
  status: StripStatus | 'kept' | 'too-large';
  removed: string[];
  reason?: string;
  /** Bytes that will be encrypted (after stripping). */
  size: number;
  chunks: number;
  lastChunkBytes: number;
  key: Uint8Array;
}

export type UploadWorkerMessage = Prepared | { type: 'chunk'; id: number; index: number; data: Uint8Array } | { type: 'error'; id: number; message: string };

interface Entry {
  source: Uint8Array | Blob;
  size: number;
  key: CryptoKey;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const entries = new Map<number, Entry>();

async function prepare(request: Extract<UploadWorkerRequest, { type: 'prepare' }>): Promise<Prepared> {
  const { file, id } = request;
  const format = detectFormat(new Uint8Array(await file.slice(0, 8).arrayBuffer()));
  let source: Uint8Array | Blob = file;
  let status: Prepared['status'];
  let removed: string[] = [];
  let reason: string | undefined;
  if (!request.strip) status = 'kept';
  else if (format === 'other') status = 'unsupported';
  else if (file.size > MAX_STRIP_BYTES) status = 'too-large';
  else {
    const result = stripMetadata(new Uint8Array(await file.arrayBuffer()));
    ({ status, removed, reason } = result);
    source = result.bytes;
  }
  const size = source instanceof Uint8Array ? source.length : source.size;
  const raw = request.key ?? generateFileKey();
  entries.set(id, { source, size, key: await importFileKey(raw) });
  return {
    type: 'prepared',
    id,
    format,
    status,
    removed,
    ...(reason === undefined ? {} : { reason }),
    size,
    chunks: fileChunkCount(size),
    lastChunkBytes: lastChunkCiphertextLength(size),
    key: raw,
  };
}

async function chunk(id: number, index: number): Promise<Uint8Array> {
  const entry = entries.get(id);
  if (!entry) throw new Error('unknown file');
  const { start, end } = chunkSourceRange(entry.size, index);
  const plain = entry.source instanceof Uint8Array ? entry.source.subarray(start, end) : new Uint8Array(await entry.source.slice(start, end).arrayBuffer());
  return encryptFileChunk(entry.key, entry.size, index, plain);
}

scope.onmessage = async (event: MessageEvent<UploadWorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'prepare') {
      scope.postMessage(await prepare(request));
    } else if (request.type === 'chunk') {
      const data = await chunk(request.id, request.index);
      const message: UploadWorkerMessage = { type: 'chunk', id: request.id, index: request.index, data };
      scope.postMessage(message, [data.buffer]);
    } else if (request.type === 'forget') {
      entries.delete(request.id);
    }
  } catch (err) {
    const message: UploadWorkerMessage = { type: 'error', id: request.id, message: err instanceof Error ? err.message : 'failed' };
    scope.postMessage(message);
  }
};
