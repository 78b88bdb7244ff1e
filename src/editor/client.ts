// The editor's ONLINE workstation: fetch new ciphertext, acknowledge it, upload replies, all
// through the signed editor API (src/crypto/editor-request.ts). It holds a fetch key, never a
// decryption key. Plain HTTP to the server (an onion service: Tor encrypts and authenticates),
// optionally through Tor's SOCKS5 port (--socks host:port), implemented here on node:net.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { signRequest } from '../crypto/editor-request.js';
import { BundleError, parseBundleStrict, readVerifiedRecords, verifyBundle, writeBundle } from '../offline/bundle.js';
import { readFetchKeyFile } from '../offline/fetch-key.js';

export class EditorClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditorClientError';
  }
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

/** One signed request to the editor API. */
export async function editorCall(endpoint: Endpoint, method: 'GET' | 'POST', path: string, body?: { bytes: Uint8Array; type: string }): Promise<Response> {
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
  const headers: Record<string, string> = await signRequest(key.secretKey, method, fullPath, bytes);
  key.secretKey.fill(0);
  if (body) headers['content-type'] = body.type;
  headers['content-length'] = String(bytes.length);
  const socket = endpoint.socks ? await socks5Connect(parseHostPort(endpoint.socks, '--socks'), host, port) : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      // Through SOCKS: no agent at all, so Node uses our tunnel and never resolves the host
      // itself (an agent, even a fresh one, would look the .onion name up in DNS).
      { host, port, method, path: fullPath, headers, ...(socket ? { createConnection: () => socket } : { agent: false }) },
      (res: IncomingMessage) => {
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
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new EditorClientError(`cannot reach ${url.origin} (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    req.end(Buffer.from(bytes));
  });
}

function refused(response: Response): EditorClientError {
  let detail = `HTTP ${response.status}`;
  try {
    const error = (JSON.parse(response.body.toString('utf8')) as { error?: unknown }).error;
    if (typeof error === 'string') detail = `${error} (HTTP ${response.status})`;
  } catch {
    // not JSON
  }
  if (response.status === 401) detail += ': is this fetch key listed in the server\'s TIPLINE_EDITORS, and is this computer\'s clock right?';
  return new EditorClientError(`the server refused: ${detail}`);
}

/** Downloads the records no editor acknowledged yet into a new bundle file. */
export async function fetchRecords(endpoint: Endpoint, outPath: string): Promise<{ count: number }> {
  const response = await editorCall(endpoint, 'GET', '/api/editor/records');
  if (response.status !== 200) throw refused(response);
  let parsed;
  try {
    parsed = await parseBundleStrict(new Uint8Array(response.body));
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(`the server sent a broken bundle: ${err.message}`);
    throw err;
  }
  try {
    return await writeBundle(outPath, parsed.records, { created: parsed.header.created });
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(err.message);
    throw err;
  }
}

/** Tells the server every record of a bundle was imported (retention then purges them sooner). */
export async function ackBundle(endpoint: Endpoint, bundlePath: string): Promise<{ acknowledged: number; listed: number }> {
  const ids: string[] = [];
  try {
    const verification = await verifyBundle(bundlePath);
    if (verification.problems.length) throw new EditorClientError(`the bundle ${bundlePath} has problems (run verify); nothing was acknowledged`);
    for await (const item of readVerifiedRecords(bundlePath, verification)) {
      if (item.kind === 'problem') throw new EditorClientError(`the bundle ${bundlePath} changed while it was read; nothing was acknowledged`);
      if (item.record.mailbox === undefined) ids.push(item.record.id);
    }
  } catch (err) {
    if (err instanceof BundleError) throw new EditorClientError(err.message);
    throw err;
  }
  const response = await editorCall(endpoint, 'POST', '/api/editor/ack', { bytes: new TextEncoder().encode(JSON.stringify({ ids })), type: 'application/json' });
  if (response.status !== 200) throw refused(response);
  return { acknowledged: (JSON.parse(response.body.toString('utf8')) as { acknowledged: number }).acknowledged, listed: ids.length };
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
