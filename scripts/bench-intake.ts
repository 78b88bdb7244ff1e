// npm run bench:intake — POST /api/tips with ~4 KiB envelopes against the real server (every
// acknowledgement durable: WAL, synchronous=FULL, group commit), and in the same run against
// a bare Fastify route that discards the same body. Prints both and their ratio.
// Every request carries its own proof-of-work solution (at 1 bit: the bench measures intake,
// bench:pow measures the work); the load generator makes them from the server's pow.key and
// sends the same bodies to both targets, so the baseline pays for them too.
// A third target, the real app with a tip store that stores nothing (scripts/bench/
// unstored-server.ts), shows what intake would cost if durability were free: the ceiling.
// Also each server's CPU time per request (all its threads), which a loaded machine's wall
// clock does not hide.
// BENCH_PROFILE=<dir> writes a CPU profile of the Tipline server (node --cpu-prof) there.
// A measurement, never a test: timings on shared machines are noisy.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { encodeBody } from '../src/crypto/body.js';
import { toBase64Url } from '../src/crypto/bytes.js';
import { sealEnvelope } from '../src/crypto/envelope.js';
import { encodePublicKey, generateEditorKeyPair } from '../src/crypto/keys.js';
import { makeChallenge, powBinding, solvePow } from '../src/crypto/pow.js';
import { loadSodium } from '../src/crypto/sodium.js';
import { cpuSeconds, start } from './bench/start-server.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

const PROFILE = process.env.BENCH_PROFILE;

function load(url: string, nextBody: () => string, connections = CONNECTIONS, duration = DURATION): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/api/tips`,
    connections,
    duration,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: nextBody() }) }],
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-'));
const children: ChildProcess[] = [];
try {
  const editor = await generateEditorKeyPair();
  writeFileSync(join(dir, 'recipients.txt'), encodePublicKey(editor) + '\n');
  const envelope = await sealEnvelope({
    kind: 'tip',
    recipients: [editor.publicKey],
    body: encodeBody({ v: 1, message: 'x'.repeat(2800), clientTime: new Date().toISOString() }),
  });
  const envelopeText = toBase64Url(envelope);
  console.log(`envelope ${envelope.length} bytes, ${CONNECTIONS} connections, ${DURATION} s per target`);
  const bare = await start(['scripts/bench/bare-server.ts'], {});
  children.push(bare.child);
  const tipline = await start(
    ['scripts/start.ts'],
    { TIPLINE_PORT: '0', TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_RECIPIENTS: join(dir, 'recipients.txt'), TIPLINE_POW_MIN_BITS: '1', TIPLINE_POW_MAX_BITS: '1', TIPLINE_POW_MAX_SPENT: '5000000' },
    PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : [],
  );
  children.push(tipline.child);
  const unstored = await start(['scripts/bench/unstored-server.ts'], {
    TIPLINE_DATA_DIR: join(dir, 'unstored'),
    TIPLINE_RECIPIENTS: join(dir, 'recipients.txt'),
    TIPLINE_POW_MIN_BITS: '1',
    TIPLINE_POW_MAX_BITS: '1',
    TIPLINE_POW_MAX_SPENT: '5000000',
  });
  children.push(unstored.child);

  const sodium = await loadSodium();
  const binding = powBinding(sodium, Buffer.from(envelopeText, 'utf8'));
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  // Each server made its own pow.key: bodies carry challenges of the server they go to.
  const bodies = (dataDir: string) => {
    const powKey = new Uint8Array(readFileSync(join(dir, dataDir, 'pow.key')));
    return () => {
      const challenge = makeChallenge(sodium, powKey, { id: new Uint8Array(randomBytes(16)), expiry, bits: 1 });
      const nonce = solvePow(sodium, challenge, binding);
      return JSON.stringify({ envelope: envelopeText, pow: { challenge: toBase64Url(challenge), nonce: toBase64Url(nonce) } });
    };
  };
  const nextBody = bodies('data');
  const unstoredBody = bodies('unstored');

  // Warm both up, then measure the baseline and Tipline back to back.
  await load(bare.url, nextBody, 10, 2);
  await load(tipline.url, nextBody, 10, 2);
  await load(unstored.url, unstoredBody, 10, 2);
  const measure = async (server: { url: string; child: ChildProcess }, body = nextBody) => {
    const cpu = cpuSeconds(server.child.pid!);
    const result = await load(server.url, body);
    return { result, cpuPerRequest: (cpuSeconds(server.child.pid!) - cpu) / Math.max(1, result.requests.total) };
  };
  const base = await measure(bare);
  const ceiling = await measure(unstored, unstoredBody);
  const real = await measure(tipline);
  const row = (name: string, { result: r, cpuPerRequest }: typeof base) =>
    `${name.padEnd(32)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p99 ${String(r.latency.p99).padStart(5)} ms   non-2xx ${r.non2xx}   errors ${r.errors}   CPU ${(cpuPerRequest * 1e6).toFixed(0)} µs/request`;
  console.log(row('bare Fastify route', base));
  console.log(row('POST /api/tips, nothing stored', ceiling));
  console.log(row('POST /api/tips (durable)', real));
  console.log(
    `ratio nothing-stored/bare: throughput ${(ceiling.result.requests.average / base.result.requests.average).toFixed(2)}x, CPU per request ${(ceiling.cpuPerRequest / base.cpuPerRequest).toFixed(2)}x (the ceiling: durability free)`,
  );
  console.log(
    `ratio tipline/bare: throughput ${(real.result.requests.average / base.result.requests.average).toFixed(2)}x, p99 ${(real.result.latency.p99 / Math.max(1, base.result.latency.p99)).toFixed(2)}x (goal: throughput >= 0.5x), CPU per request ${(real.cpuPerRequest / base.cpuPerRequest).toFixed(2)}x`,
  );
  if (PROFILE) {
    // A clean exit writes the profile.
    const exited = new Promise((resolve) => tipline.child.once('exit', resolve));
    tipline.child.kill('SIGTERM');
    await exited;
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
