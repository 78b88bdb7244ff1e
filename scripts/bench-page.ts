// npm run bench:page — the first load of the submission page in real Chromium over a link with
// 500 ms of added latency (Chromium's own network emulation, CDP Network.emulateNetworkConditions,
// roughly one Tor circuit), normally, with --js-flags=--jitless (Tor Browser "Safer") and with
// JavaScript off (Tor Browser "Safest", the no-JavaScript fallback). For each: the requests made,
// the bytes transferred (compressed, headers included, as Chromium counts them), and the time
// from navigation until the form is usable (the page's button enabled and its status "Ready";
// without JavaScript, the load event). Baseline in the same run, same server, same link:
// GET /robots.txt, the smallest response the server gives (one round trip plus the connection).
// Budget: at most 4 requests and 400 KB compressed, libsodium included.
//
//   npm run bench:page [-- --runs 3 --latency 500 --down-kbps 0]
//
// --down-kbps 0 means no bandwidth limit (latency only); e.g. 2000 models a 2 Mbit/s circuit.
// A measurement, never a test: timings on shared machines are noisy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { buildClient } from './build-client.js';
import { encodePublicKey, generateEditorKeyPair } from '../src/crypto/keys.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const BUDGET_REQUESTS = 4;
const BUDGET_BYTES = 400 * 1000;

function fail(message: string, code = 1): never {
  process.stderr.write(`tipline bench:page: ${message}\n`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, latency: { type: 'string', default: '500' }, 'down-kbps': { type: 'string', default: '0' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail((err as Error).message, 2);
}
const runs = Number(values.runs);
const latency = Number(values.latency);
const downKbps = Number(values['down-kbps']);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) fail('--runs must be a whole number from 1 to 50', 2);
if (!Number.isFinite(latency) || latency < 0 || latency > 10_000) fail('--latency must be milliseconds from 0 to 10000', 2);
if (!Number.isFinite(downKbps) || downKbps < 0) fail('--down-kbps must be 0 (no limit) or more', 2);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: install Debian's chromium`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Load {
  requests: string[];
  bytes: number;
  /** ms from navigation start until usable. */
  usable: number;
}

/** One first load in a fresh context (empty cache, no cookies) over the emulated link. */
async function firstLoad(browser: Browser, url: string, what: 'form' | 'nojs' | 'baseline'): Promise<Load> {
  const context = await browser.newContext({ javaScriptEnabled: what !== 'nojs', viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency,
      downloadThroughput: downKbps ? (downKbps * 1000) / 8 : -1,
      uploadThroughput: downKbps ? (downKbps * 1000) / 8 : -1,
    });
    // Counted on the context, so that a Web Worker's own fetches count too (CDP's page session
    // does not see them): body bytes as transferred (compressed) plus headers.
    const requests: string[] = [];
    const sizes: Promise<number>[] = [];
    context.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    // (Playwright reports a worker script's body size as 0: its Content-Length is used then.)
    context.on('requestfinished', (request) =>
      sizes.push(Promise.all([request.sizes(), request.response()]).then(([s, response]) => s.responseHeadersSize + (s.responseBodySize || Number(response?.headers()['content-length'] ?? 0)))),
    );
    if (what === 'form') {
      // Records when the page's own code enables the button (its "ready" signal); observes only.
      await page.addInitScript(() => {
        const w = window as unknown as { __usable?: number };
        new MutationObserver(() => {
          const button = document.getElementById('submit') as HTMLButtonElement | null;
          if (w.__usable === undefined && button && !button.disabled) w.__usable = performance.now();
        }).observe(document, { subtree: true, attributes: true, childList: true });
      });
    }
    await page.goto(url, { waitUntil: 'load', timeout: 300_000 });
    let usable: number;
    if (what === 'form') {
      await page.locator('#submit:enabled').waitFor({ timeout: 300_000 });
      usable = await page.evaluate(() => (window as unknown as { __usable: number }).__usable);
      const status = await page.locator('#status').textContent();
      if (!/^Ready/.test(status ?? '')) throw new Error(`the page is not ready: ${status}`);
    } else {
      usable = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
    }
    // Anything the page starts after it is usable (e.g. a worker) still counts as first load.
    await page.waitForLoadState('networkidle', { timeout: 300_000 });
    const deadline = Date.now() + 60_000;
    while (sizes.length < requests.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    return { requests, bytes, usable };
  } finally {
    await context.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-page-'));
try {
  const { outDir, manifest } = await buildClient({ outDir: join(dir, 'client') });
  const editor = await generateEditorKeyPair();
  // The real server (scripts/start.ts) with its default settings, one editor key.
  writeFileSync(join(dir, 'recipients'), `${encodePublicKey(editor)}\n`);
  const server = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, TIPLINE_PORT: '0', TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_CLIENT_DIR: outDir, TIPLINE_RECIPIENTS: join(dir, 'recipients'), TIPLINE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (d) => (output += d));
  server.stderr.on('data', (d) => (output += d));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/[0-9.]+:\d+)/.exec(output);
      if (match) resolve(match[1]!);
      else if (server.exitCode !== null) reject(new Error(`the server exited:\n${output}`));
      else return;
      clearInterval(timer);
    }, 50);
  });
  process.on('exit', () => server.kill('SIGKILL'));

  console.log(`first load of / over ${latency} ms added latency${downKbps ? `, ${downKbps} kbit/s` : ', no bandwidth limit'}; median of ${runs} runs`);
  console.log('\nassets as built (bytes): raw / gzip -9 (what the server sends) / brotli q11 (for comparison)');
  for (const [path, asset] of Object.entries(manifest.assets)) {
    const raw = readFileSync(join(outDir, asset.file));
    const brotli = brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    console.log(`  ${path}${asset.role ? ` (${asset.role})` : ''}: ${raw.length} / ${gzipSync(raw, { level: 9 }).length} / ${brotli.length}`);
  }

  const rows: string[] = [];
  for (const mode of ['normal', 'jitless', 'nojs'] as const) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: mode === 'jitless' ? [...BASE_ARGS, '--js-flags=--jitless'] : BASE_ARGS, timeout: 60_000 });
    try {
      const baseline: number[] = [];
      const loads: Load[] = [];
      for (let i = 0; i < runs; i++) {
        baseline.push((await firstLoad(browser, `${origin}/robots.txt`, 'baseline')).usable);
        loads.push(await firstLoad(browser, `${origin}/`, mode === 'nojs' ? 'nojs' : 'form'));
      }
      const last = loads[loads.length - 1]!;
      const bytes = median(loads.map((l) => l.bytes));
      const requests = median(loads.map((l) => l.requests.length));
      const usable = median(loads.map((l) => l.usable));
      const base = median(baseline);
      const label = { normal: 'JavaScript, JIT', jitless: 'JavaScript, --jitless', nojs: 'JavaScript off' }[mode];
      const within = requests <= BUDGET_REQUESTS && bytes <= BUDGET_BYTES ? 'within budget' : 'OVER BUDGET';
      console.log(
        `\n${label}: ${requests} requests, ${(bytes / 1000).toFixed(1)} kB transferred (${within}); usable after ${(usable / 1000).toFixed(2)} s; baseline /robots.txt ${(base / 1000).toFixed(2)} s (${(usable / base).toFixed(1)}×)`,
      );
      for (const request of last.requests) console.log(`    ${request}`);
      rows.push(`| ${label} | ${requests} | ${(bytes / 1000).toFixed(0)} kB | ${(usable / 1000).toFixed(2)} s | ${(base / 1000).toFixed(2)} s |`);
    } finally {
      await browser.close();
    }
  }
  console.log('\n| first load of / | requests | transferred | form usable after | baseline (/robots.txt) |\n| --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
  server.kill('SIGTERM');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
