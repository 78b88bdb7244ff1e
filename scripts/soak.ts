// npm run soak: the long fault and load runs that `npm test` keeps short.
//   1. crash durability: test/server/crash.test.ts with CRASH_ROUNDS (default 50) rounds of SIGKILL.
//   2. load: 1 000 concurrent connections send tips to a real server (scripts/start.ts) for
//      30 s with autocannon. Passes when every answer is 201 or the intended back-pressure
//      (429/503) and no connection error occurs; the server's RSS is sampled and must stay
//      under SOAK_MAX_RSS_MIB (default 1024). Traffic goes to 127.0.0.1 only.
// Options (environment): CRASH_ROUNDS, SOAK_CONNECTIONS, SOAK_SECONDS, SOAK_MAX_RSS_MIB, SOAK_SKIP_CRASH=1,
// SOAK_PROBE=1 (per-second counts from the server and the load generator: scripts/soak-probe.ts).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { toBase64Url } from '../src/crypto/bytes.js';
import { encodeBody } from '../src/crypto/body.js';
import { sealEnvelope } from '../src/crypto/envelope.js';
import { encodePublicKey, generateEditorKeyPair } from '../src/crypto/keys.js';
import { makeChallenge, powBinding, solvePow } from '../src/crypto/pow.js';
import { loadSodium } from '../src/crypto/sodium.js';
import { loadOrCreatePowKey } from '../src/server/pow/key.js';

const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 1000);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 30);
const MAX_RSS_MIB = Number(process.env.SOAK_MAX_RSS_MIB ?? 1024);
const CRASH_ROUNDS = process.env.CRASH_ROUNDS ?? '50';
const PROBE = process.env.SOAK_PROBE === '1';
let failed = false;
const fail = (message: string) => {
  failed = true;
  process.stdout.write(`soak: FAIL: ${message}\n`);
};

// Without it the child processes would inherit the caller's tip line configuration.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TIPLINE_') || key === 'NODE_ENV') delete env[key];
  return { ...env, ...extra };
}

if (process.env.SOAK_SKIP_CRASH !== '1') {
  process.stdout.write(`soak: crash durability, ${CRASH_ROUNDS} rounds of SIGKILL under load\n`);
  const crash = spawnSync(process.execPath, ['--import', 'tsx', 'test/server/crash.test.ts'], { stdio: 'inherit', env: cleanEnv({ CRASH_ROUNDS, TAP_TIMEOUT: '0' }) });
  if (crash.status !== 0) fail(`crash durability (exit ${crash.status})`);
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-soak-'));
let server: ReturnType<typeof spawn> | undefined;
try {
  const dataDir = join(dir, 'data');
  const editor = await generateEditorKeyPair();
  const recipientsFile = join(dir, 'recipients.txt');
  writeFileSync(recipientsFile, encodePublicKey(editor) + '\n');
  // The soak owns this data directory: it makes the server's proof-of-work key first, so it can
  // mint solved challenges as fast as autocannon sends them (difficulty 1: the load measures
  // the server's intake, not the proof of work, which `npm run bench:pow` measures).
  mkdirSync(dataDir, { mode: 0o700 });
  const powKey = loadOrCreatePowKey(dataDir);
  server = spawn(process.execPath, ['--import', 'tsx', ...(PROBE ? ['--import', './scripts/soak-probe.ts'] : []), 'scripts/start.ts'], {
    env: cleanEnv({
      TIPLINE_PORT: '0',
      TIPLINE_DATA_DIR: dataDir,
      TIPLINE_RECIPIENTS: recipientsFile,
      TIPLINE_POW_MIN_BITS: '1',
      TIPLINE_POW_MAX_BITS: '1',
      ...(process.env.TIPLINE_POW_MAX_SPENT ? { TIPLINE_POW_MAX_SPENT: process.env.TIPLINE_POW_MAX_SPENT } : {}),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => {
    output += d;
    if (PROBE) for (const line of String(d).split('\n')) if (line.startsWith('soak-probe:')) process.stdout.write(`${line}\n`);
  });
  const child = server;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the server exited:\n${output}`));
      }
    }, 50);
  });

  const sodium = await loadSodium();
  const envelopes = await Promise.all(
    Array.from({ length: 64 }, async (_, i) =>
      toBase64Url(await sealEnvelope({ kind: 'tip', recipients: [editor.publicKey], body: encodeBody({ v: 1, message: `soak tip ${i}`, clientTime: new Date().toISOString() }) })),
    ),
  );
  const bindings = envelopes.map((e) => powBinding(sodium, e));
  const expiry = Math.floor(Date.now() / 1000) + 600;
  let sent = 0;
  const nextBody = (): string => {
    const i = sent++ % envelopes.length;
    const challenge = makeChallenge(sodium, powKey, { id: new Uint8Array(randomBytes(16)), expiry, bits: 1 });
    const nonce = solvePow(sodium, challenge, bindings[i]!);
    return JSON.stringify({ envelope: envelopes[i], pow: { challenge: toBase64Url(challenge), nonce: toBase64Url(nonce) } });
  };

  const rss: number[] = [];
  const sample = () => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (match) rss.push(Number(match[1]) / 1024);
  };
  sample();
  const sampler = setInterval(sample, 1000);
  process.stdout.write(`soak: load, ${CONNECTIONS} connections for ${SECONDS} s against ${url}\n`);
  // Diagnostics for T21: when timeouts fire (autocannon counts one only after 30 s without any
  // answer on a connection), how many connections never got an answer, and the kernel's
  // listen-queue overflow counters (this network namespace).
  const listenCounters = () => {
    const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const v = values!.split(/\s+/);
    return Object.fromEntries(
      names!
        .split(/\s+/)
        .map((n, i) => [n, Number(v[i])])
        .filter(([n]) => n === 'ListenOverflows' || n === 'ListenDrops'),
    );
  };
  const listenBefore = listenCounters();
  const started = Date.now();
  const timeoutsAt: number[] = [];
  const answered = new Set<unknown>();
  let instance: autocannon.Instance | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${url}/api/tips`,
        connections: CONNECTIONS,
        duration: SECONDS,
        timeout: 30,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: nextBody() }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (client) => answered.add(client));
    if (PROBE) {
      // The load generator's side: is it, rather than the server, the bottleneck?
      let utilisation = performance.eventLoopUtilization();
      const timer = setInterval(() => {
        const busy = performance.eventLoopUtilization(utilisation).utilization;
        utilisation = performance.eventLoopUtilization();
        process.stdout.write(`soak-probe: client ${((Date.now() - started) / 1000).toFixed(0)} s: connections answered ${answered.size}; loop busy ${busy.toFixed(2)}\n`);
      }, 1000);
      instance.on('done', () => clearInterval(timer));
    }
    instance.on('reqError', (err) => {
      if (/timed out/.test(err.message)) timeoutsAt.push((Date.now() - started) / 1000);
    });
  });
  clearInterval(sampler);
  sample();
  const listenAfter = listenCounters();
  process.stdout.write(
    `soak: connections never answered ${CONNECTIONS - answered.size}; timeouts fired at ${timeoutsAt.length ? `${Math.min(...timeoutsAt).toFixed(1)}–${Math.max(...timeoutsAt).toFixed(1)} s` : '—'}; ` +
      `listen overflows ${listenAfter.ListenOverflows! - listenBefore.ListenOverflows!}, drops ${listenAfter.ListenDrops! - listenBefore.ListenDrops!}\n`,
  );

  const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  process.stdout.write(`soak: ${result.requests.total} requests, ${result.requests.average} req/s on average, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms\n`);
  process.stdout.write(`soak: status codes ${JSON.stringify(codes)}, connection errors ${result.errors}, timeouts ${result.timeouts}\n`);
  process.stdout.write(`soak: server RSS ${rss[0]!.toFixed(0)} MiB at start, ${Math.max(...rss).toFixed(0)} MiB at most, ${rss.at(-1)!.toFixed(0)} MiB at the end\n`);
  for (const code of Object.keys(codes)) if (!['201', '429', '503'].includes(code)) fail(`unexpected status ${code} (${codes[code]} times)`);
  if (!codes['201']) fail('no tip was accepted');
  if (result.errors || result.timeouts) fail(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  if (Math.max(...rss) > MAX_RSS_MIB) fail(`server RSS exceeded ${MAX_RSS_MIB} MiB`);
  if (server.exitCode !== null) fail(`the server died:\n${output}`);
  server.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  // Each intended 503/507 is logged as an HttpError (type only); anything else is a real fault.
  const faults = output.split('\n').filter((line) => /"level":(50|60)/.test(line) && !/"err":\{"type":"HttpError"\}/.test(line));
  if (faults.length) fail(`the server logged ${faults.length} unexpected errors:\n${faults.slice(0, 5).join('\n')}`);
} finally {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(failed ? 'soak: FAILED\n' : 'soak: passed\n');
process.exit(failed ? 1 : 0);
