// npm run bench:pow — the two sides of the anti-spam proof of work, measured in one run:
//  1. the source's cost: solve time at the base difficulty in real Chromium, normally and with
//     --js-flags=--jitless (no JIT, no WebAssembly: Tor Browser "Safer"), in the real worker
//     bundle, median and mean of several solves (solve times are geometrically distributed,
//     so the median is about 0.69 × the mean);
//  2. the server's cost to refuse a submission that is unsolved or replayed: µs per call of
//     the verifier, and µs per whole HTTP request through Fastify (app.inject), against a bare
//     Fastify 404 route measured in the same process as the baseline.
// A measurement, never a test: timings on shared machines are noisy.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { buildClient } from './build-client.js';
import { buildApp } from '../src/server/app.js';
import { openDatabase, DATABASE_FILE } from '../src/server/store/db.js';
import { loadConfig } from '../src/server/config.js';
import { PowService, DEFAULT_POW_MIN_BITS } from '../src/server/pow/service.js';
import { encodeBody } from '../src/crypto/body.js';
import { fromBase64Url, toBase64Url } from '../src/crypto/bytes.js';
import { sealEnvelope } from '../src/crypto/envelope.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair } from '../src/crypto/keys.js';
import { powBinding, solvePow } from '../src/crypto/pow.js';
import { loadSodium } from '../src/crypto/sodium.js';

const CHROMIUM = '/usr/bin/chromium';
const SOLVES = Number(process.env.BENCH_SOLVES ?? 9);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const BITS = Number(process.env.TIPLINE_POW_MIN_BITS ?? DEFAULT_POW_MIN_BITS);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** µs per call of fn, over `n` calls after a warm-up of n/10. */
async function perCall(n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-pow-'));
try {
  const sodium = await loadSodium();
  const { outDir, manifest } = await buildClient({ outDir: join(dir, 'client') });
  const workerPath = Object.entries(manifest.assets).find(([, a]) => a.role === 'worker' && a.file.startsWith('pow-worker.'))![0];
  const editor = await generateEditorKeyPair();
  const editors = [{ publicKey: editor.publicKey, signPublicKey: editor.signPublicKey, line: encodePublicKey(editor), fingerprint: await fingerprint(editor) }];
  const db = openDatabase(join(dir, DATABASE_FILE));
  const config = { ...loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_POW_MIN_BITS: String(BITS), TIPLINE_POW_MAX_BITS: String(BITS) }, dir), clientDir: outDir };
  const app = await buildApp({ config, editors, db, demo: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  console.log(`proof of work at the base difficulty: ${BITS} bits (expected 2^${BITS} = ${2 ** BITS} hashes)`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing`);
  for (const mode of ['normal', 'jitless'] as const) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', ...(mode === 'jitless' ? ['--js-flags=--jitless'] : [])],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const results = await page.evaluate(
        async ({ workerPath, solves }) => {
          const worker = new Worker(workerPath);
          await new Promise<void>((resolve, reject) => {
            worker.onmessage = (e) => (e.data.type === 'ready' ? resolve() : reject(new Error('worker failed')));
          });
          const out: { ms: number; tries: number }[] = [];
          for (let i = 0; i < solves; i++) {
            const { challenge } = (await (await fetch('/api/pow')).json()) as { challenge: string };
            const bytes = Uint8Array.from(atob(challenge.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (challenge.length % 4)) % 4)), (c) => c.charCodeAt(0));
            const binding = crypto.getRandomValues(new Uint8Array(32));
            const started = performance.now();
            const tries = await new Promise<number>((resolve) => {
              worker.onmessage = (e) => {
                if (e.data.type === 'solved') resolve(e.data.tries);
              };
              worker.postMessage({ challenge: bytes, binding });
            });
            out.push({ ms: performance.now() - started, tries });
          }
          return out;
        },
        { workerPath, solves: SOLVES },
      );
      const times = results.map((r) => r.ms / 1000);
      const rate = results.reduce((a, r) => a + r.tries, 0) / results.reduce((a, r) => a + r.ms / 1000, 0);
      console.log(
        `chromium ${mode.padEnd(7)}: solve median ${median(times).toFixed(2)} s, mean ${mean(times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s over ${SOLVES} solves; ` +
          `${Math.round(rate)} hashes/s → expected ${(2 ** BITS / rate).toFixed(2)} s mean at ${BITS} bits`,
      );
    } finally {
      await browser.close();
    }
  }

  // The server's side, in process.
  const pow = new PowService(sodium, { key: sodium.randombytes_buf(32), minBits: BITS, maxBits: BITS });
  const envelope = await sealEnvelope({ kind: 'tip', recipients: [editor.publicKey], body: encodeBody({ v: 1, message: 'x'.repeat(2800), clientTime: new Date().toISOString() }) });
  const envelopeText = toBase64Url(envelope);
  const issued = pow.issue();
  const binding = powBinding(sodium, envelopeText);
  const challenge = fromBase64Url(issued.challenge)!;
  const nonce = solvePow(sodium, challenge, binding);
  // A nonce that does not solve: the verifier does all its work, then refuses.
  let wrong = new Uint8Array(8);
  for (let i = 0; pow.verify(issued.challenge, toBase64Url(wrong), envelopeText).ok === false && i === 0; i++) wrong = new Uint8Array(8);
  if (!pow.verify(issued.challenge, toBase64Url(nonce), envelopeText).ok) throw new Error('the solution was refused');
  const replayedNonce = toBase64Url(nonce);
  const fresh = pow.issue();
  const unsolvedNonce = toBase64Url(new Uint8Array(8).fill(0xff));
  const unsolvedVerdict = pow.verify(fresh.challenge, unsolvedNonce, envelopeText);
  if (unsolvedVerdict.ok || unsolvedVerdict.reason !== 'unsolved') throw new Error(`expected an unsolved verdict, got ${JSON.stringify(unsolvedVerdict)}`);
  const verifyUnsolved = await perCall(ITERATIONS, () => pow.verify(fresh.challenge, unsolvedNonce, envelopeText));
  const verifyReplayed = await perCall(ITERATIONS, () => pow.verify(issued.challenge, replayedNonce, envelopeText));
  const forged = issued.challenge.slice(0, -2) + (issued.challenge.endsWith('AA') ? 'AQ' : 'AA');
  const verifyForged = await perCall(ITERATIONS, () => pow.verify(forged, replayedNonce, envelopeText));
  const hashEnvelope = await perCall(ITERATIONS, () => powBinding(sodium, envelopeText));

  // Whole requests through Fastify (no sockets): the real app vs a bare 404 route.
  const bare = Fastify({ logger: false });
  await bare.ready();
  const inject = (target: typeof app, payload: string) => target.inject({ method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload });
  const unsolvedBody = JSON.stringify({ envelope: envelopeText, pow: { challenge: fresh.challenge, nonce: unsolvedNonce } });
  const replayedBody = JSON.stringify({ envelope: envelopeText, pow: { challenge: issued.challenge, nonce: replayedNonce } });
  const n = Math.max(1000, Math.floor(ITERATIONS / 10));
  for (const [res, want] of [
    [await inject(app, unsolvedBody), 403],
    [await inject(app, replayedBody), 403],
    [await inject(bare, unsolvedBody), 404],
  ] as const) {
    if (res.statusCode !== want) throw new Error(`expected ${want}, got ${res.statusCode}`);
  }
  const httpBare = await perCall(n, () => inject(bare, unsolvedBody));
  const httpUnsolved = await perCall(n, () => inject(app, unsolvedBody));
  const httpReplayed = await perCall(n, () => inject(app, replayedBody));
  await bare.close();

  console.log(`server, envelope of ${envelope.length} bytes (${envelopeText.length} characters), ${ITERATIONS} iterations:`);
  console.log(`  verifier, unsolved : ${verifyUnsolved.toFixed(2)} µs (of which the binding hash of the envelope: ${hashEnvelope.toFixed(2)} µs)`);
  console.log(`  verifier, replayed : ${verifyReplayed.toFixed(2)} µs`);
  console.log(`  verifier, forged   : ${verifyForged.toFixed(2)} µs`);
  console.log(
    `  HTTP (inject, ${n}×): bare Fastify 404 ${httpBare.toFixed(1)} µs; unsolved 403 ${httpUnsolved.toFixed(1)} µs (${(httpUnsolved / httpBare).toFixed(2)}×); replayed 403 ${httpReplayed.toFixed(1)} µs (${(httpReplayed / httpBare).toFixed(2)}×)`,
  );
  await app.close();
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
