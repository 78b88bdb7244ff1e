// The shared e2e fixture: Debian's Chromium launched the one way every browser test launches it,
// a browser session (a fresh context and page, with the capture of what it logs, throws and
// requests), the real server with one editor (tiplineServer), the real commands (scripts/*.ts)
// run as child processes, and the editor files (key file + recipients line + fetch key) that
// the keygen command writes. Nothing here is a mock. The pages themselves are driven through
// the navigators in ./navigators/ (one per page, methods named for what a source does).
//
// Another kind of server (e.g. the editors' desk) starts through startServer with its own
// ServerKind (./server-process.ts: its script, arguments and "ready" line) and is browsed
// through launchChromium and openSession like the tip line's pages.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';
import sodium from 'libsodium-wrappers-sumo';
import { encodePublicKey, generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';
import { buildClient } from '../../scripts/build-client.js';
import { ROOT } from './client-build.js';
import { startServer, type ServerProcess } from './server-process.js';
import { childEnv } from './child-env.js';
import { tempDir } from './fixtures.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** normal, or --js-flags=--jitless (no JIT, no WebAssembly: Tor Browser's "Safer" level). */
export type Mode = 'normal' | 'jitless';

type Teardown = { teardown(fn: () => void | Promise<void>): void };

/** The test fails (never skips) without the browser it is about. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
}

/** Debian's Chromium, headless, a fresh profile; closed at the test's teardown. */
export async function launchChromium(t: Teardown, mode: Mode = 'normal'): Promise<Browser> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: mode === 'jitless' ? [...CHROMIUM_ARGS, '--js-flags=--jitless'] : CHROMIUM_ARGS, timeout: 60_000 });
  t.teardown(() => browser.close());
  return browser;
}

export interface Capture {
  /** `METHOD url` of every request the context made. */
  requests: string[];
  /** Console errors and warnings, page errors and (with `responses`) HTTP errors. */
  problems: string[];
  /** Every request's URL and body, in order (to look for text that must never be sent). */
  sent: string[];
}

/** Records what `page` (in `context`) requests, logs and throws. */
export function capture(context: BrowserContext, page: Page, options: { responses?: boolean; ignore?: RegExp } = {}): Capture {
  const requests: string[] = [];
  const problems: string[] = [];
  const sent: string[] = [];
  context.on('request', (request) => {
    requests.push(`${request.method()} ${request.url()}`);
    sent.push(request.url(), request.postData() ?? '');
  });
  page.on('console', (message) => {
    if (options.ignore?.test(message.text())) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  if (options.responses) {
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
  }
  return { requests, problems, sent };
}

const exec = promisify(execFile);

/** Runs `scripts/<script>.ts` (through tsx, like the npm scripts); never throws on a non-zero exit. */
export async function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { cwd: ROOT, env: childEnv(env), maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * One editor made by the real keygen command in `dir`: `pass` (the passphrase file),
 * `editor.key` and its public line in `recipients`, `fetch.key` and its line in `editors`.
 */
export async function keygenEditor(
  t: Test,
  dir: string,
  passphrase: string,
): Promise<{ pass: string; keyFile: string; recipients: string; fetchKey: string; editors: string; env: Record<string, string> }> {
  const p = (name: string) => join(dir, name);
  writeFileSync(p('pass'), `${passphrase}\n`);
  const keygen = await runScript('keygen', ['--out', p('editor.key'), '--passphrase-file', p('pass')]);
  t.equal(keygen.code, 0, keygen.stderr);
  writeFileSync(p('recipients'), keygen.stdout);
  const fetchKeygen = await runScript('keygen', ['--fetch-key', '--out', p('fetch.key')]);
  t.equal(fetchKeygen.code, 0, fetchKeygen.stderr);
  writeFileSync(p('editors'), fetchKeygen.stdout);
  return {
    pass: p('pass'),
    keyFile: p('editor.key'),
    recipients: p('recipients'),
    fetchKey: p('fetch.key'),
    editors: p('editors'),
    env: { TIPLINE_RECIPIENTS: p('recipients'), TIPLINE_EDITORS: p('editors') },
  };
}

/** "No request leaves the origin": one assertion per request the page made. */
export function checkSameOrigin(t: Test, requests: string[], origin: string): void {
  for (const request of requests) t.ok(request.split(' ')[1]!.startsWith(`${origin}/`), `same origin: ${request}`);
}

/**
 * One editor made in this process, for the tests about a tip's path rather than the KDF: `editor.key`
 * under `passphrase` (Argon2id at its minimum cost) and `recipients.txt` with its public line
 * (after `header`, e.g. a comment line).
 */
export async function editorKeyFile(dir: string, passphrase: string, header = ''): Promise<{ keyFile: string; recipientsFile: string; pair: EditorKeyPair }> {
  await sodium.ready;
  const pair = await generateEditorKeyPair();
  const file = await encryptKeyFile(pair, passphrase, { opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN, memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN });
  const keyFile = join(dir, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  const recipientsFile = join(dir, 'recipients.txt');
  writeFileSync(recipientsFile, `${header}${encodePublicKey(pair)}\n`);
  return { keyFile, recipientsFile, pair };
}

/** The tests' low proof-of-work difficulty (test/e2e/pow.test.ts and npm run bench:pow cover the real one). */
export const LOW_POW = { TIPLINE_POW_MIN_BITS: '4', TIPLINE_POW_MAX_BITS: '4' } as const;

/** A port on 127.0.0.1 that was free a moment ago (for a server that must come back on the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every file named `name` below `dir`. */
export function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(path, name));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

export interface Editor {
  /** The key file (`editor.key`), its passphrase and a file holding it (`pass`). */
  keyFile: string;
  passphrase: string;
  passphraseFile: string;
  /** The recipients list the server publishes (TIPLINE_RECIPIENTS). */
  recipientsFile: string;
  /** With `keygen`: the online workstation's fetch key (`fetch.key`, its line in TIPLINE_EDITORS). */
  fetchKey?: string;
  /** Without `keygen`: the key pair, made in this process. */
  pair?: EditorKeyPair;
}

export interface TiplineServerOptions {
  /** Settings added to (or overriding) the server's environment: TIPLINE_FORM, the proof of work's bits… */
  env?: Record<string, string>;
  /** The editor made by the real keygen command (real Argon2id cost, and a fetch key for `editor fetch`); else in this process at the minimum cost. */
  keygen?: boolean;
  passphrase?: string;
  /** Text before the key's line in the recipients list (e.g. a comment line); not with `keygen`. */
  recipientsHeader?: string;
  /** Listen on a port chosen up front, so that `restart()` comes back on the same address. */
  samePort?: boolean;
}

export interface TiplineServer {
  /** The origin the pages are on (http://127.0.0.1:port). */
  url: string;
  /** The test's temporary directory: client build, editor files, data, and room for the test's own files. */
  dir: string;
  dataDir: string;
  /** The client build the server serves (its manifest names the workers). */
  client: Awaited<ReturnType<typeof buildClient>>;
  editor: Editor;
  env: Record<string, string>;
  /** The running process (the latest one after a restart). */
  process: ServerProcess;
  /** SIGKILL, as a crash or a pulled plug; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory (and, with `samePort`, the same address). */
  restart(): Promise<ServerProcess>;
}

/** The passphrase of the tests' editor key files. */
export const EDITOR_PASSPHRASE = 'correct horse battery staple e2e';

/**
 * The real server (scripts/start.ts) for the browser tests, in a fresh temporary directory:
 * a fresh client build in `dir`/client, one editor in `dir`, the data in `dir`/data, the low
 * proof of work (LOW_POW) unless `env` says otherwise. Stopped at the test's teardown.
 */
export async function tiplineServer(t: Test, options: TiplineServerOptions = {}): Promise<TiplineServer> {
  requireChromium();
  const dir = tempDir(t, 'tipline-e2e-');
  const passphrase = options.passphrase ?? EDITOR_PASSPHRASE;
  const client = await buildClient({ outDir: join(dir, 'client') });
  let editor: Editor;
  if (options.keygen) {
    const made = await keygenEditor(t, dir, passphrase);
    editor = { keyFile: made.keyFile, passphrase, passphraseFile: made.pass, recipientsFile: made.recipients, fetchKey: made.fetchKey };
  } else {
    const made = await editorKeyFile(dir, passphrase, options.recipientsHeader);
    writeFileSync(join(dir, 'pass'), `${passphrase}\n`);
    editor = { keyFile: made.keyFile, passphrase, passphraseFile: join(dir, 'pass'), recipientsFile: made.recipientsFile, pair: made.pair };
  }
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const env: Record<string, string> = {
    ...(options.samePort ? { TIPLINE_PORT: String(await freePort()) } : {}),
    TIPLINE_DATA_DIR: dataDir,
    TIPLINE_RECIPIENTS: editor.recipientsFile,
    ...(options.keygen ? { TIPLINE_EDITORS: join(dir, 'editors') } : {}),
    TIPLINE_CLIENT_DIR: client.outDir,
    ...LOW_POW,
    ...options.env,
  };
  const server: TiplineServer = {
    url: '',
    dir,
    dataDir,
    client,
    editor,
    env,
    process: await startServer(t, env),
    async kill() {
      server.process.child.kill('SIGKILL');
      await server.process.exited;
    },
    async restart() {
      server.process = await startServer(t, env);
      return server.process;
    },
  };
  server.url = server.process.url;
  return server;
}

/** A browser tab: the page, its context and what it requests, logs and throws (`capture`). */
export interface Session extends Capture {
  context: BrowserContext;
  page: Page;
}

export interface SessionOptions {
  /** false: Tor Browser's "Safest" level (no JavaScript). */
  javaScript?: boolean;
  viewport?: { width: number; height: number };
  /** en-US unless said (the browser's Accept-Language). */
  locale?: string;
  /** Passed to `capture`: HTTP errors as problems; console lines to ignore. */
  responses?: boolean;
  ignore?: RegExp;
}

/**
 * A new context in `browser` (a fresh, empty profile: no cookies, no storage, no cache) and one
 * page in it, captured from the start; the context closes at the test's teardown.
 */
export async function openSession(t: Teardown, browser: Browser, options: SessionOptions = {}): Promise<Session> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, locale: options.locale ?? 'en-US', javaScriptEnabled: options.javaScript ?? true });
  t.teardown(() => context.close());
  const page = await context.newPage();
  return { context, page, ...capture(context, page, { ...(options.responses ? { responses: true } : {}), ...(options.ignore ? { ignore: options.ignore } : {}) }) };
}

/** Every SQLite file of the server (database, chunks file, their WALs and journals) holds none of `fragments`: one assertion each. */
export function checkNoPlaintext(t: Test, dataDir: string, fragments: string[]): void {
  const files = readdirSync(dataDir).filter((name) => /^tipline(-chunks)?\.sqlite/.test(name));
  t.ok(files.length >= 1, 'the database exists');
  for (const name of files) {
    const bytes = readFileSync(join(dataDir, name));
    for (const fragment of fragments) t.equal(bytes.indexOf(Buffer.from(fragment, 'utf8')), -1, `${name} does not contain "${fragment}"`);
  }
}
