// Sending attachments from the page: the upload Web Worker strips and encrypts each file chunk
// by chunk (src/client/upload-worker.ts); this module creates each upload with a proof of work
// (POST /api/uploads), PUTs its chunks, and when the connection drops waits (back-off), asks the
// server which chunks it holds (GET /api/uploads/:id) and continues with the missing ones. It
// reports progress (bytes, rate, time left) and stops on cancel. docs/PROTOCOL.md, "Attachments".
//
// What survives a reload (sessionStorage, this tab only, cleared once the tip is stored, on
// discard and on cancel): per file, the upload id, its key and the file's name, size and
// modification time, so that choosing the same file again continues where it stopped. Never
// the message, never localStorage or IndexedDB (docs/THREAT-MODEL.md, T27).
import { fromBase64Url } from '../crypto/bytes.js';
import type { Prepared, UploadWorkerMessage, UploadWorkerRequest } from './upload-worker.js';
import { FETCH_OPTIONS, NetworkError, postWithPow } from './shared.js';

/** The files a tip may carry, and the largest file, unless the page's configuration says otherwise. */
export const DEFAULT_MAX_FILES = 10;
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;

/** Thrown when the source cancels. */
export class Cancelled extends Error {}
/** The server refused an upload or a chunk for good (not a dropped connection). */
export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

// --- the worker, from the page's side -----------------------------------------------------

export class FileEncryptor {
  private pending = new Map<string, { resolve: (value: never) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private started: Worker | undefined;

  /** The worker starts when the first file is chosen, not at page load (one request less for every visit). */
  constructor(private readonly workerUrl: string) {}

  private get worker(): Worker {
    if (this.started) return this.started;
    const worker = new Worker(this.workerUrl);
    worker.onmessage = (event: MessageEvent<UploadWorkerMessage>) => {
      const message = event.data;
      if (message.type === 'error') {
        for (const [key, waiter] of this.pending) {
          if (key.endsWith(`:${message.id}`) || key.includes(`:${message.id}:`)) {
            this.pending.delete(key);
            waiter.reject(new Error(message.message));
          }
        }
        return;
      }
      const key = message.type === 'prepared' ? `prepared:${message.id}` : `chunk:${message.id}:${message.index}`;
      const waiter = this.pending.get(key);
      this.pending.delete(key);
      waiter?.resolve((message.type === 'prepared' ? message : message.data) as never);
    };
    worker.onerror = () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the upload worker failed'));
      this.pending.clear();
    };
    this.started = worker;
    return worker;
  }

  private request<T>(key: string, message: UploadWorkerRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(key, { resolve: resolve as (value: never) => void, reject });
      this.worker.postMessage(message);
    });
  }

  /** Strips (when `strip`) and keys one file; `key` continues an earlier upload of the same file. */
  prepare(file: File, strip: boolean, key?: Uint8Array): Promise<Prepared> {
    const id = this.nextId++;
    return this.request<Prepared>(`prepared:${id}`, { type: 'prepare', id, file, strip, ...(key ? { key } : {}) });
  }

  chunk(id: number, index: number): Promise<Uint8Array> {
    return this.request<Uint8Array>(`chunk:${id}:${index}`, { type: 'chunk', id, index });
  }

  forget(id: number): void {
    this.started?.postMessage({ type: 'forget', id } satisfies UploadWorkerRequest);
  }
}

// --- progress ---------------------------------------------------------------------------

export interface ProgressSnapshot {
  sent: number;
  total: number;
  /** Bytes per second over the last few seconds; 0 until measured. */
  rate: number;
  /** Seconds left at that rate; undefined until measured. */
  left: number | undefined;
}

/** Bytes acknowledged by the server, with a rate over a sliding window of `windowMs`. */
export class Progress {
  private sent = 0;
  private samples: { at: number; sent: number }[] = [];

  constructor(
    readonly total: number,
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 10_000,
  ) {
    this.samples.push({ at: now(), sent: 0 });
  }

  add(bytes: number): void {
    this.sent += bytes;
    const at = this.now();
    this.samples.push({ at, sent: this.sent });
    while (this.samples.length > 2 && at - this.samples[1]!.at > this.windowMs) this.samples.shift();
  }

  /** A pause (waiting for the connection) should not count as slow sending. */
  restartRate(): void {
    this.samples = [{ at: this.now(), sent: this.sent }];
  }

  snapshot(): ProgressSnapshot {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    const rate = seconds > 0.2 && last.sent > first.sent ? (last.sent - first.sent) / seconds : 0;
    return { sent: this.sent, total: this.total, rate, left: rate > 0 ? Math.ceil((this.total - this.sent) / rate) : undefined };
  }
}

// --- what survives a reload (sessionStorage only) ----------------------------------------

export const PENDING_KEY = 'tipline-pending-uploads-v1';

export interface PendingFile {
  upload: string;
  /** base64url file key. */
  key: string;
  name: string;
  /** The file as chosen (before stripping): with name and lastModified, how a re-chosen file is recognised. */
  fileSize: number;
  lastModified: number;
  strip: boolean;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage blocked: resuming after a reload is then not offered
  }
}

export function loadPending(): PendingFile[] {
  try {
    const value = JSON.parse(storage()?.getItem(PENDING_KEY) ?? '[]') as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter(
      (p): p is PendingFile =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.upload === 'string' &&
        typeof p.key === 'string' &&
        typeof p.name === 'string' &&
        Number.isSafeInteger(p.fileSize) &&
        typeof p.lastModified === 'number' &&
        typeof p.strip === 'boolean',
    );
  } catch {
    return [];
  }
}

export function savePending(files: PendingFile[]): void {
  try {
    if (files.length === 0) storage()?.removeItem(PENDING_KEY);
    else storage()?.setItem(PENDING_KEY, JSON.stringify(files));
  } catch {
    // storage full or blocked: the upload still works, only resuming after a reload does not
  }
}

export function clearPending(): void {
  savePending([]);
}

/** The stored entry for `file`, if it is the same file chosen again with the same choice about metadata. */
export function findPending(pending: PendingFile[], file: File, strip: boolean): PendingFile | undefined {
  return pending.find((p) => p.name === file.name && p.fileSize === file.size && p.lastModified === file.lastModified && p.strip === strip);
}

/** The stored file key; undefined when it is not a 32-byte key. */
export function pendingKey(entry: PendingFile): Uint8Array | undefined {
  const key = fromBase64Url(entry.key);
  return key?.length === 32 ? key : undefined;
}

// --- the server's upload API ------------------------------------------------------------

export interface UploadCallbacks {
  powWorker: () => Worker;
  signal: AbortSignal;
  onWorking: (percent: number) => void;
  onSending: () => void;
  /** The connection dropped; the next attempt is in `seconds`. */
  onRetry: (seconds: number) => void;
  onProgress: (progress: ProgressSnapshot) => void;
}

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new Cancelled('cancelled');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Cancelled('cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const answer = (await response.json()) as { error?: unknown };
    if (typeof answer.error === 'string') return answer.error;
  } catch {
    // not JSON
  }
  return `HTTP ${response.status}`;
}

/** POST /api/uploads with a proof of work bound to `upload:<n>:<m>`; returns the upload id. */
export async function createUpload(chunks: number, lastChunkBytes: number, callbacks: UploadCallbacks): Promise<string> {
  checkCancelled(callbacks.signal);
  const { response, answer } = await postWithPow({
    worker: callbacks.powWorker,
    url: '/api/uploads',
    bound: `upload:${chunks}:${lastChunkBytes}`,
    body: (pow) => ({ chunks, lastChunkBytes, pow }),
    credentials: 'omit',
    onWorking: callbacks.onWorking,
    onSending: callbacks.onSending,
  });
  if (response.status !== 201 || typeof answer.upload !== 'string') {
    throw new UploadRefused(response.status, typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`);
  }
  return answer.upload;
}

/** GET /api/uploads/:id → the missing chunks; undefined when the server does not know the upload (purged). */
export async function missingChunks(upload: string, signal: AbortSignal): Promise<number[] | undefined> {
  let response: Response;
  try {
    response = await fetch(`/api/uploads/${encodeURIComponent(upload)}`, { credentials: 'omit', signal, ...FETCH_OPTIONS });
  } catch {
    checkCancelled(signal);
    throw new NetworkError('unreachable');
  }
  if (response.status === 404) return undefined;
  if (!response.ok) {
    if (response.status >= 500) throw new NetworkError(`HTTP ${response.status}`);
    throw new UploadRefused(response.status, await errorDetail(response));
  }
  const answer = (await response.json()) as { missing?: unknown };
  if (!Array.isArray(answer.missing) || !answer.missing.every((i) => Number.isSafeInteger(i) && i >= 0)) throw new NetworkError('bad answer');
  return answer.missing as number[];
}

/** PUT one chunk. 'conflict' (409): the server holds different bytes for it (not the same file). */
async function putChunk(upload: string, index: number, data: Uint8Array, signal: AbortSignal): Promise<'stored' | 'conflict' | 'unknown'> {
  let response: Response;
  try {
    response = await fetch(`/api/uploads/${encodeURIComponent(upload)}/chunks/${index}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: data as Uint8Array<ArrayBuffer>,
      credentials: 'omit',
      signal,
      ...FETCH_OPTIONS,
    });
  } catch {
    checkCancelled(signal);
    throw new NetworkError('unreachable');
  }
  if (response.status === 204 || response.status === 200) return 'stored';
  if (response.status === 409) return 'conflict';
  if (response.status === 404) return 'unknown';
  if (response.status >= 500 || response.status === 429) throw new NetworkError(`HTTP ${response.status}`);
  throw new UploadRefused(response.status, await errorDetail(response));
}

/** Back-off after a dropped connection: 1, 2, 4, 8, 16, then every 30 seconds. */
export function retryDelay(attempt: number): number {
  return Math.min(30, 2 ** Math.min(attempt, 5)) * 1000;
}

export interface FileJob {
  prepared: Prepared;
  /** The upload id when continuing one (after a reload or a restart); created when undefined. */
  upload?: string;
  /** Encrypts chunk `index` (the same bytes each time). */
  chunk: (index: number) => Promise<Uint8Array>;
  /** Called once the upload exists (to remember it for a reload). */
  onCreated: (upload: string) => void;
}

/** Why a file could not be continued: the server holds other bytes for it, or forgot it. */
export class RestartFile extends Error {}

/**
 * Sends one file's chunks; resolves with the upload id once the server holds every chunk.
 * Rejects with Cancelled, UploadRefused, or RestartFile (a continued upload that does not match).
 */
export async function sendFile(job: FileJob, progress: Progress, callbacks: UploadCallbacks): Promise<string> {
  const { chunks, lastChunkBytes } = job.prepared;
  const { signal } = callbacks;
  const chunkBytes = (index: number) => (index === chunks - 1 ? lastChunkBytes : 1_048_576 + 16);
  let upload = job.upload;
  let missing: number[];
  const continuing = upload !== undefined;
  if (upload === undefined) {
    upload = await withRetries(() => createUpload(chunks, lastChunkBytes, callbacks), progress, callbacks);
    job.onCreated(upload);
    missing = Array.from({ length: chunks }, (_, i) => i);
  } else {
    missing = await withRetries(() => missingChunks(upload!, signal), progress, callbacks).then((m) => {
      if (!m) throw new RestartFile('the server no longer holds this upload');
      return m;
    });
    // Already-sent chunks count as sent; one of them is sent again to check it is the same file
    // (the server answers 409 when the bytes differ).
    const held = Array.from({ length: chunks }, (_, i) => i).filter((i) => !missing.includes(i));
    if (held.length > 0) {
      const answer = await withRetries(async () => putChunk(upload!, held[0]!, await job.chunk(held[0]!), signal), progress, callbacks);
      if (answer !== 'stored') throw new RestartFile('this is not the file sent before');
    }
    progress.add(held.reduce((sum, i) => sum + chunkBytes(i), 0));
    callbacks.onProgress(progress.snapshot());
  }
  progress.restartRate();
  for (let attempt = 0; ; ) {
    try {
      // Encrypt the next chunk while the current one is on its way.
      let next = missing.length ? prefetch(job, missing[0]!) : undefined;
      while (missing.length) {
        checkCancelled(signal);
        const index = missing[0]!;
        const data = await next!;
        next = missing.length > 1 ? prefetch(job, missing[1]!) : undefined;
        const answer = await putChunk(upload, index, data, signal);
        if (answer === 'conflict') throw new RestartFile('the server holds other bytes for this file');
        if (answer === 'unknown') {
          if (continuing) throw new RestartFile('the server no longer holds this upload');
          throw new UploadRefused(404, 'the upload is gone');
        }
        missing.shift();
        attempt = 0;
        progress.add(data.length);
        callbacks.onProgress(progress.snapshot());
      }
      // Every chunk acknowledged; ask once more, so that "complete" is the server's word.
      const left = await withRetries(() => missingChunks(upload!, signal), progress, callbacks);
      if (left === undefined) throw new UploadRefused(404, 'the upload is gone');
      if (left.length === 0) return upload;
      missing = left;
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      // The connection dropped: wait, then ask the server what it holds and continue from there.
      await waitToRetry(attempt++, callbacks);
      progress.restartRate();
      const left = await withRetries(() => missingChunks(upload!, signal), progress, callbacks);
      if (left === undefined) throw new UploadRefused(404, 'the upload is gone');
      missing = left;
    }
  }
}

/** Starts encrypting a chunk; a failure surfaces where it is awaited, never as an unhandled rejection. */
function prefetch(job: FileJob, index: number): Promise<Uint8Array> {
  const promise = job.chunk(index);
  promise.catch(() => undefined);
  return promise;
}

async function waitToRetry(attempt: number, callbacks: UploadCallbacks): Promise<void> {
  const ms = retryDelay(attempt);
  callbacks.onRetry(ms / 1000);
  await sleep(ms, callbacks.signal);
}

/** Runs `step` until it does not fail with NetworkError, waiting between attempts. */
async function withRetries<T>(step: () => Promise<T>, progress: Progress, callbacks: UploadCallbacks): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    checkCancelled(callbacks.signal);
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      await waitToRetry(attempt, callbacks);
      progress.restartRate();
    }
  }
}
