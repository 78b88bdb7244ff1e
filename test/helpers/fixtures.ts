// Shared test fixtures: temporary directories, editor keys, sealed tips, a real app on a real
// SQLite file. Nothing here is a mock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp, type AppConfig } from '../../src/server/app.js';
import { loadConfig, type PowConfig } from '../../src/server/config.js';
import type { FormSchema } from '../../src/forms/schema.js';
import { loggerOptions } from '../../src/server/logger.js';
import { DATABASE_FILE, openDatabase, type Db } from '../../src/server/store/db.js';
import { TipStore } from '../../src/server/store/tips.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { sealEnvelope, type Kind } from '../../src/crypto/envelope.js';
import { encodeBody } from '../../src/crypto/body.js';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { powBinding, solvePow } from '../../src/crypto/pow.js';
import { uploadPowText } from '../../src/server/plugins/uploads.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { clientDir } from './client-build.js';
import { startServer } from './server-process.js';

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'tipline-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function editorKeys(n: number): Promise<EditorKeyPair[]> {
  return Promise.all(Array.from({ length: n }, () => generateEditorKeyPair()));
}

export async function sealTip(recipients: Uint8Array[], message: string, kind: Kind = 'tip'): Promise<Uint8Array> {
  return sealEnvelope({ kind, recipients, body: encodeBody({ v: 1, message, clientTime: new Date().toISOString() }) });
}

export function tipRequest(envelope: Uint8Array, pow?: { challenge: string; nonce: string }) {
  return { method: 'POST' as const, url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ envelope: toBase64Url(envelope), ...(pow ? { pow } : {}) }) };
}

/** The proof-of-work difficulty test servers run at (TIPLINE_POW_MIN_BITS / MAX_BITS): quick to solve. */
export const TEST_POW_BITS = 4;

/**
 * Fetches a challenge from `origin` (an app to inject into, or a server URL) and solves it for
 * the bound text (the envelope as sent): the `pow` member of a submission.
 */
export async function solvedPow(origin: { inject: (req: { method: 'GET'; url: string }) => Promise<{ body: string }> } | string, boundText: string): Promise<{ challenge: string; nonce: string }> {
  const body = typeof origin === 'string' ? await (await fetch(`${origin}/api/pow`)).text() : (await origin.inject({ method: 'GET', url: '/api/pow' })).body;
  const { challenge } = JSON.parse(body) as { challenge: string };
  const sodium = await loadSodium();
  const nonce = solvePow(sodium, fromBase64Url(challenge)!, powBinding(sodium, boundText));
  return { challenge, nonce: toBase64Url(nonce) };
}

/** POST /api/uploads on the real server at `origin`, proof of work solved: an upload of
 * `chunks` chunks, the last `lastChunkBytes` long. Returns the response (201 and the id). */
export async function httpCreateUpload(origin: string, chunks: number, lastChunkBytes: number): Promise<Response> {
  const pow = await solvedPow(origin, uploadPowText(chunks, lastChunkBytes));
  return fetch(`${origin}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chunks, lastChunkBytes, pow }) });
}

/** PUT one chunk of an upload on the real server at `origin`. */
export function httpPutChunk(origin: string, upload: string, index: number, chunk: Uint8Array): Promise<Response> {
  return fetch(`${origin}/api/uploads/${upload}/chunks/${index}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(chunk) });
}

/** tipRequest with a freshly solved proof of work from `app`. */
export async function solvedTipRequest(app: Parameters<typeof solvedPow>[0], envelope: Uint8Array) {
  return tipRequest(envelope, await solvedPow(app, toBase64Url(envelope)));
}

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: Db;
  store: TipStore;
  keys: EditorKeyPair[];
  logs: string[];
  dbPath: string;
  /** The temporary directory holding the database. */
  dir: string;
}

/** The server's logger at debug level, every line it writes kept in `logs` (for "nothing of it was logged" checks). */
export function capturedLogs(): { logs: string[]; logger: pino.Logger } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return { logs, logger: pino(loggerOptions('debug'), sink) };
}

/** Editor keys as buildApp takes them: the key, its published line and its fingerprint. */
export function editorEntries(keys: EditorKeyPair[]): Promise<{ publicKey: Uint8Array; signPublicKey: Uint8Array; line: string; fingerprint: string }[]> {
  return Promise.all(keys.map(async (k) => ({ publicKey: k.publicKey, signPublicKey: k.signPublicKey, line: encodePublicKey(k), fingerprint: await fingerprint(k) })));
}

export interface TestAppOptions {
  /** How many editor keys (TIPLINE_RECIPIENTS); 1 by default. */
  editors?: number;
  demo?: boolean;
  /** Settings as an operator writes them (`TIPLINE_MAX_FILES: '0'`, …); proof of work at TEST_POW_BITS unless set. */
  env?: Record<string, string>;
  /** Proof-of-work bounds beyond what the environment allows (e.g. maxSpent 1). */
  pow?: Partial<PowConfig>;
  /** A setting no environment variable can carry in a test: a form built by the test. */
  form?: FormSchema;
  fetchKeys?: Uint8Array[];
  clock?: () => number;
  /** Tests only: a smaller largest padded body. */
  maxPaddedLength?: number;
}

/** The configuration a test app runs with: loadConfig's, from `env` over the test defaults. */
export async function testConfig(dir: string, options: TestAppOptions = {}): Promise<Readonly<AppConfig>> {
  const config = loadConfig(
    { TIPLINE_DATA_DIR: dir, TIPLINE_CLIENT_DIR: await clientDir(), TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS), TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS), ...options.env },
    dir,
  );
  return {
    ...config,
    pow: { ...config.pow, ...options.pow },
    ...(options.form ? { form: options.form } : {}),
    ...(options.fetchKeys ? { fetchKeys: options.fetchKeys } : {}),
  };
}

/** The whole application, as `npm start` builds it, on a fresh SQLite file; every log line kept in `logs`. */
export async function testApp(t: { teardown(fn: () => void | Promise<void>): void }, options: TestAppOptions = {}): Promise<TestApp> {
  const dir = tempDir(t);
  const keys = await editorKeys(options.editors ?? 1);
  const dbPath = join(dir, DATABASE_FILE);
  const db = openDatabase(dbPath);
  const store = new TipStore(db);
  const { logs, logger } = capturedLogs();
  const app = await buildApp({
    config: await testConfig(dir, options),
    editors: await editorEntries(keys),
    db,
    demo: options.demo ?? false,
    logger,
    tips: store,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {}),
  });
  t.teardown(async () => {
    await app.close();
    db.close();
  });
  return { app, db, store, keys, logs, dbPath, dir };
}

/** The real server's environment for the tests' proof of work (TEST_POW_BITS). */
export const EASY_POW = { TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS), TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS) };

/** POSTs a tip to a real server with a solved proof of work. */
export async function postTip(url: string, envelope: Uint8Array): Promise<Response> {
  const request = tipRequest(envelope, await solvedPow(url, toBase64Url(envelope)));
  return fetch(`${url}${request.url}`, { method: request.method, headers: request.headers, body: request.payload });
}

/** `dir`/recipients.txt with the public key lines of `keys`; returns its path. */
export function writeRecipients(dir: string, keys: EditorKeyPair[]): string {
  const file = join(dir, 'recipients.txt');
  writeFileSync(file, keys.map((k) => encodePublicKey(k)).join('\n') + '\n');
  return file;
}

/**
 * The real server (scripts/start.ts, a child process) on `dir`/data, with `editors` keys made in
 * this process in its recipients list and the tests' proof of work; `env` over that.
 */
export async function serverWithKeys(t: { teardown(fn: () => void | Promise<void>): void }, options: { editors?: number; env?: Record<string, string> } = {}) {
  await clientDir();
  const dir = tempDir(t);
  const keys = await editorKeys(options.editors ?? 1);
  const dataDir = join(dir, 'data');
  const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: writeRecipients(dir, keys), ...EASY_POW, ...options.env });
  return { server, dir, dataDir, keys };
}

/** Deterministic bytes that compress badly (a stand-in for a photo or a video). */
export function pattern(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
