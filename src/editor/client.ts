// The editor's ONLINE workstation: fetch new ciphertext, acknowledge it, upload replies, all
// through the signed editor API (src/crypto/editor-request.ts). It holds a fetch key, never a
// decryption key. Plain HTTP to the server (an onion service: Tor encrypts and authenticates),
// optionally through Tor's SOCKS5 port (--socks host:port), implemented here on node:net.
//
// Attachments: the records answer lists each tip's uploads (file lines); fetch then streams each
// upload's chunks (GET /api/editor/uploads/:id?from=N) into a private spool file next to the
// bundle, resuming a broken connection at the first incomplete chunk, and finally writes one
// bundle exactly as `npm run export` does (writeBundle), reading the chunks back one at a time.
// Memory stays constant for any file size; the disk needs the attachments twice (spool and
// bundle) until the spool is removed. If a transfer cannot be completed, no bundle is written
// and the spool stays (ciphertext only, mode 0700): the next fetch to the same --out continues
// each attachment at its first chunk not yet spooled, so a 2 GiB file over an unreliable Tor
// circuit is never fetched from the start again. The spool goes once the bundle is written.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AckError, parseAck } from '../crypto/ack.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../crypto/attachment.js';
import { signRequest } from '../crypto/editor-request.js';
import { BundleError, parseBundleStrict, type BundleHeader, type BundleItem, type EventRecord, type FileRecord, type TipRecord } from '../crypto/bundle.js';
import { writeBundle } from '../files/bundle.js';
import { readFetchKeyFile } from './fetch-key.js';
import { TiplineError } from '../shared/errors.js';

export class EditorClientError extends TiplineError {
  override name = 'EditorClientError';
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface Endpoint {
  server: string;
  keyPath: string;
  /** host:port of a SOCKS5 proxy (Tor), or undefined for a direct connection. */
  socks?: string;
}

function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new EditorClientError(`${what} must be host:port, e.g. 127.0.0.1:9050`);
  return { host: m[1]!, port };
}

/** Opens a TCP connection to host:port through a SOCKS5 proxy (RFC 1928, no authentication, names resolved by the proxy). */
export function socks5Connect(proxy: { host: string; port: number }, host: string, port: number, timeoutMs = 60_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.port, proxy.host);
    let buffered = Buffer.alloc(0);
    let stage: 'greeting' | 'connect' = 'greeting';
    const fail = (message: string) => {
      socket.destroy();
      reject(new EditorClientError(message));
    };
    socket.setTimeout(timeoutMs, () => fail('the SOCKS proxy did not answer in time'));
    socket.once('error', (err) => fail(`cannot reach the SOCKS proxy ${proxy.host}:${proxy.port} (${(err as NodeJS.ErrnoException).code ?? err.message})`));
    socket.once('connect', () => socket.write(Buffer.from([5, 1, 0])));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === 'greeting') {
        if (buffered.length < 2) return;
        if (buffered[0] !== 5 || buffered[1] !== 0) return fail('the SOCKS proxy refused a connection without authentication');
        buffered = buffered.subarray(2);
        stage = 'connect';
        const name = Buffer.from(host, 'utf8');
        if (name.length > 255) return fail('the server name is too long for SOCKS');
        socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 0xff])]));
        return;
      }
      if (buffered.length < 5) return;
      if (buffered[0] !== 5) return fail('the SOCKS proxy answered something else than SOCKS5');
      if (buffered[1] !== 0) return fail(`the SOCKS proxy could not connect to ${host}:${port} (SOCKS reply ${buffered[1]})`);
      const atyp = buffered[3];
      const length = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buffered[4]! : -1;
      if (length < 0) return fail('the SOCKS proxy sent a malformed answer');
      if (buffered.length < 4 + length + 2) return;
      socket.off('data', onData);
      socket.removeAllListeners('error');
      socket.removeAllListeners('timeout');
      socket.setTimeout(0);
      const rest = buffered.subarray(4 + length + 2);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

export interface Response {
  status: number;
  body: Buffer;
}

/** Sends one signed request to the editor API; resolves with the response as it starts to arrive. */
async function signedRequest(endpoint: Endpoint, method: 'GET' | 'POST', path: string, body?: { bytes: Uint8Array; type: string }): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  let url: URL;
  try {
    url = new URL(endpoint.server);
  } catch {
    throw new EditorClientError(`--server must be a URL such as http://abc…xyz.onion`);
  }
  if (url.protocol !== 'http:') throw new EditorClientError('--server must be an http:// URL (an onion service; Tor encrypts the connection)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 80;
  const fullPath = `${url.pathname.replace(/\/$/, '')}${path}`;
  const key = await readFetchKeyFile(endpoint.keyPath);
  const bytes = body?.bytes ?? new Uint8Array(0);
  // Signed for the server as addressed (URL.host: the onion name, ":port" unless 80), sent as Host.
  const headers: Record<string, string> = await signRequest(key.secretKey, url.host, method, fullPath, bytes);
  headers.host = url.host;
  key.secretKey.fill(0);
  if (body) headers['content-type'] = body.type;
  headers['content-length'] = String(bytes.length);
  const socket = endpoint.socks ? await socks5Connect(parseHostPort(endpoint.socks, '--socks'), host, port) : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      // Through SOCKS: no agent at all, so Node uses our tunnel and never resolves the host
      // itself (an agent, even a fresh one, would look the .onion name up in DNS).
      { host, port, method, path: fullPath, headers, ...(socket ? { createConnection: () => socket } : { agent: false }) },
      (res: IncomingMessage) => resolve({ req, res }),
    );
    // Idle timeout: no byte for two minutes (a transfer that keeps moving may take longer).
    req.setTimeout(120_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new EditorClientError(`cannot reach ${url.origin} (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end(Buffer.from(bytes));
  });
}

/** One signed request to the editor API, its whole answer in memory (at most 64 MiB). */
export async function editorCall(endpoint: Endpoint, method: 'GET' | 'POST', path: string, body?: { bytes: Uint8Array; type: string }): Promise<Response> {
  const { req, res } = await signedRequest(endpoint, method, path, body);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        req.destroy();
        reject(new EditorClientError('the server answered with more than 64 MiB'));
      } else parts.push(chunk);
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    res.on('error', (err) => reject(new EditorClientError(`the connection broke (${err.message})`)));
    req.on('error', (err) => reject(new EditorClientError(`the connection broke (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
  });
}

export function refused(response: Response): EditorClientError {
  let detail = `HTTP ${response.status}`;
  try {
    const error = (JSON.parse(response.body.toString('utf8')) as { error?: unknown }).error;
    if (typeof error === 'string') detail = `${error} (HTTP ${response.status})`;
  } catch {
    // not JSON
  }
  if (response.status === 401) detail += ": is this fetch key listed in the server's TIPLINE_EDITORS, and is this computer's clock right?";
  return new EditorClientError(`the server refused: ${detail}`);
}

/** How many times in a row a transfer may break without a single new chunk before fetch gives up. */
export const MAX_STALLED_ATTEMPTS = 3;

function fileBytes(file: FileRecord, from = 0): number {
  return (file.chunks - 1 - from) * FILE_CHUNK_CIPHERTEXT_BYTES + file.lastChunkBytes;
}

class Retryable extends Error {}

/** One attempt: chunks `from`… of `file` written into `fd` at their offsets; returns how many bytes came. */
async function streamUpload(endpoint: Endpoint, file: FileRecord, from: number, fd: number): Promise<number> {
  let opened;
  try {
    opened = await signedRequest(endpoint, 'GET', `/api/editor/uploads/${file.upload}?from=${from}`);
  } catch (err) {
    if (err instanceof EditorClientError) throw new Retryable(err.message);
    throw err;
  }
  const { req, res } = opened;
  if (res.statusCode !== 200) {
    const parts: Buffer[] = [];
    for await (const part of res as AsyncIterable<Buffer>) if (parts.length < 64) parts.push(part);
    throw refused({ status: res.statusCode ?? 0, body: Buffer.concat(parts) });
  }
  const expected = fileBytes(file, from);
  if (res.headers['content-length'] !== String(expected)) {
    req.destroy();
    throw new EditorClientError(`the server announced ${res.headers['content-length'] ?? 'no'} bytes for upload ${file.upload} from chunk ${from}, not ${expected}`);
  }
  let position = from * FILE_CHUNK_CIPHERTEXT_BYTES;
  let received = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    res.on('data', (part: Buffer) => {
      if (failed) return;
      if (received + part.length > expected) {
        failed = true;
        req.destroy();
        return reject(new EditorClientError(`the server sent more bytes than upload ${file.upload} holds`));
      }
      try {
        let off = 0;
        while (off < part.length) off += writeSync(fd, part, off, part.length - off, position + off);
      } catch (err) {
        failed = true;
        req.destroy();
        return reject(new EditorClientError(`cannot write the attachment spool file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`));
      }
      position += part.length;
      received += part.length;
    });
    // 'close' comes after 'end' and after a broken connection alike: the count tells them apart.
    res.on('close', () => {
      if (!failed) resolve(received);
    });
    res.on('error', () => undefined);
    req.on('error', () => undefined);
  });
}

/**
 * Opens `path`, the spool file of `file`: new, or left by an earlier fetch that broke off.
 * Returns its descriptor and how many chunks it already holds completely (the chunks are
 * written in order, so every byte below the file's size came from the server; a damaged one
 * would still be caught by its AES-GCM tag when the bundle is decrypted).
 */
function openSpoolFile(path: string, file: FileRecord): { fd: number; done: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EditorClientError(`cannot open the attachment spool file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return { fd: openSync(path, 'wx', 0o600), done: 0 };
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new EditorClientError(`${path} is not a regular file: remove it and run fetch again`);
  }
  const done = stat.size >= fileBytes(file) ? file.chunks : Math.min(Math.floor(stat.size / FILE_CHUNK_CIPHERTEXT_BYTES), file.chunks - 1);
  return { fd, done };
}

/** Downloads every chunk of `file` from chunk `start` on into `fd`, resuming at the first incomplete chunk. */
async function downloadUpload(endpoint: Endpoint, file: FileRecord, fd: number, start: number, describe: string): Promise<void> {
  let done = start;
  let stalled = 0;
  let lastReason = '';
  while (done < file.chunks) {
    let received = 0;
    try {
      received = await streamUpload(endpoint, file, done, fd);
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      lastReason = ` (${err.message})`;
    }
    const complete = received === fileBytes(file, done) ? file.chunks - done : Math.floor(received / FILE_CHUNK_CIPHERTEXT_BYTES);
    done += complete;
    if (done >= file.chunks) break;
    stalled = complete > 0 ? 0 : stalled + 1;
    if (stalled >= MAX_STALLED_ATTEMPTS) {
      throw new EditorClientError(
        `the connection broke while fetching ${describe} at chunk ${done + 1} of ${file.chunks}, ${MAX_STALLED_ATTEMPTS} times in a row${lastReason}; no bundle was written: run fetch again with the same --out to continue from there`,
      );
    }
    // A moment before trying again (Tor builds a new circuit meanwhile), longer each time.
    await new Promise((resolve) => setTimeout(resolve, 1000 * stalled));
  }
}

/** The spool folder of a bundle: `.<name>.fetching` beside it, made 0700, reused when a fetch broke off. */
function spoolFolder(outPath: string): string {
  const path = join(dirname(outPath), `.${basename(outPath)}.fetching`);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new EditorClientError(`cannot write in ${dirname(outPath)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    const stat = lstatSync(path);
    if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) {
      throw new EditorClientError(`${path} exists but is not a private folder of this user: remove it and run fetch again`);
    }
  }
  return path;
}

/** The chunks of a spooled upload, read back one at a time. */
function* spooledChunks(file: FileRecord, path: string): Generator<BundleItem> {
  const fd = openSync(path, 'r');
  try {
    for (let index = 0; index < file.chunks; index++) {
      const data = Buffer.alloc(index === file.chunks - 1 ? file.lastChunkBytes : FILE_CHUNK_CIPHERTEXT_BYTES);
      let off = 0;
      while (off < data.length) {
        const n = readSync(fd, data, off, data.length - off, index * FILE_CHUNK_CIPHERTEXT_BYTES + off);
        if (n === 0) throw new EditorClientError(`the attachment spool file of upload ${file.upload} is short`);
        off += n;
      }
      yield { chunk: { tip: file.tip, upload: file.upload, index, data } };
    }
  } finally {
    closeSync(fd);
  }
}

export interface FetchProgress {
  /** Called before each attachment is fetched (1-based), with its ciphertext size and the bytes an earlier fetch already spooled. */
  attachment?: (n: number, of: number, bytes: number, spooled: number) => void;
}

/**
 * Downloads the records no editor acknowledged yet, with their attachments, into a new bundle
 * file: the same bundle `npm run export` writes for them. All or nothing: when an attachment
 * cannot be fetched, no bundle is written.
 */
export async function fetchRecords(endpoint: Endpoint, outPath: string, progress: FetchProgress = {}): Promise<{ count: number; attachments: number }> {
  if (existsSync(outPath)) throw new EditorClientError(`${outPath} already exists; refusing to overwrite it`);
  return writeFetchedBundle(endpoint, outPath, await fetchRecordList(endpoint), progress);
}

/**
 * The records answer and its attached uploads' file lines: the records no editor acknowledged
 * yet, or with `query` (`?since=YYYY-MM-DD[&after=<id>]`) one page of those received since a day.
 */
export async function fetchRecordList(endpoint: Endpoint, query = ''): Promise<{ header: BundleHeader; records: TipRecord[]; files: FileRecord[] }> {
  const response = await editorCall(endpoint, 'GET', `/api/editor/records${query}`);
  if (response.status !== 200) throw refused(response);
  try {
    return await parseBundleStrict(new Uint8Array(response.body), { files: true });
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(`the server sent a broken bundle: ${err.message}`);
    throw err;
  }
}

/**
 * Fetches the attachments of `records` (through the resumable spool) and writes them, then
 * `events`, as one bundle at `outPath` (atomically, never over an existing file).
 */
export async function writeFetchedBundle(
  endpoint: Endpoint,
  outPath: string,
  parsed: { header: BundleHeader; records: TipRecord[]; files: FileRecord[]; events?: EventRecord[] },
  progress: FetchProgress = {},
): Promise<{ count: number; attachments: number }> {
  const { records, files } = parsed;
  const spool = files.length > 0 ? spoolFolder(outPath) : undefined;
  let written = false;
  try {
    const spoolPath = (file: FileRecord) => join(spool!, file.upload);
    for (const [i, file] of files.entries()) {
      const { fd, done } = openSpoolFile(spoolPath(file), file);
      try {
        progress.attachment?.(i + 1, files.length, fileBytes(file), done === file.chunks ? fileBytes(file) : done * FILE_CHUNK_CIPHERTEXT_BYTES);
        if (done < file.chunks) await downloadUpload(endpoint, file, fd, done, `attachment ${i + 1} of ${files.length} (tip ${file.tip})`);
      } finally {
        closeSync(fd);
      }
    }
    const byTip = new Map<string, FileRecord[]>();
    for (const file of files) byTip.set(file.tip, [...(byTip.get(file.tip) ?? []), file]);
    const items = function* (): Generator<BundleItem> {
      for (const record of records) {
        yield record;
        for (const file of byTip.get(record.id) ?? []) {
          yield { file };
          yield* spooledChunks(file, spoolPath(file));
        }
      }
      for (const event of parsed.events ?? []) yield { event };
    };
    const { count } = await writeBundle(outPath, items(), { created: parsed.header.created });
    written = true;
    return { count, attachments: files.length };
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(err.message);
    throw err;
  } finally {
    // Kept when the bundle could not be written: the next fetch continues from it.
    if (spool && written) rmSync(spool, { recursive: true, force: true });
  }
}

/**
 * Carries a signed acknowledgement (written by `decrypt` on the air-gapped machine, signed with
 * the editor signing key) to the server, which then purges those records sooner. The fetch key
 * only authorises the request: it cannot make or alter an acknowledgement (docs/THREAT-MODEL.md T46).
 */
export async function ackFile(endpoint: Endpoint, ackPath: string): Promise<{ acknowledged: number; listed: number; expires: string }> {
  let bytes: Uint8Array;
  try {
    if (statSync(ackPath).size > 16 * 1024 * 1024) throw new EditorClientError(`${ackPath} is too large to be an acknowledgement`);
    bytes = new Uint8Array(readFileSync(ackPath));
  } catch (err) {
    if (err instanceof EditorClientError) throw err;
    throw new EditorClientError(`cannot read ${ackPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.length - 1);
  let ack;
  try {
    ack = parseAck(bytes);
  } catch (err) {
    if (err instanceof AckError) throw new EditorClientError(`${ackPath}: ${err.message}; nothing was acknowledged`);
    throw err;
  }
  const response = await editorCall(endpoint, 'POST', '/api/editor/ack', { bytes, type: 'application/json' });
  if (response.status !== 200) throw refused(response);
  return { acknowledged: (JSON.parse(response.body.toString('utf8')) as { acknowledged: number }).acknowledged, listed: ack.ids.length, expires: ack.expires };
}

/** Uploads a reply bundle; the server stores every reply or none. */
export async function uploadReplies(endpoint: Endpoint, inPath: string): Promise<{ stored: number }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(inPath));
  } catch (err) {
    throw new EditorClientError(`cannot read ${inPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const { records } = await parseBundleStrict(bytes);
    if (records.length === 0 || records.some((r) => r.mailbox === undefined)) throw new EditorClientError(`${inPath} is not a reply bundle (made by npm run reply)`);
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(`${inPath}: ${err.message}`);
    throw err;
  }
  const response = await editorCall(endpoint, 'POST', '/api/editor/replies', { bytes, type: 'application/x-ndjson' });
  if (response.status !== 201) throw refused(response);
  return JSON.parse(response.body.toString('utf8')) as { stored: number };
}
