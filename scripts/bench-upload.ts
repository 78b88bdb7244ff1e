// npm run bench:upload — attachments. A measurement, never a test: timings on shared
// machines are noisy. Results go into docs/PERFORMANCE.md.
//
// Sections (each prints its own lines; BENCH_UPLOAD_SECTIONS=server,... picks some):
//   server   one file of BENCH_UPLOAD_MIB (default 2048 = 2 GiB) uploaded over loopback to the
//            real server (scripts/start.ts: chunks acknowledged once durable, group-committed), sampling
//            the server's RSS every 50 ms; then the same chunks to a bare Fastify route that
//            discards them (scripts/bench/bare-upload-server.ts), in the same run. Prints both
//            throughputs, their ratio and the peak RSS (goal < 200 MB); then the disk alone: the
//            same chunks written to a file in the same directory, each followed by fdatasync (one
//            chunk's commit without SQLite), and the ratio durable storage / disk (goal >= 0.5).
//            BENCH_UPLOAD_PROFILE=<dir> runs the real server under node --cpu-prof (profile in <dir>).
//   store    the same chunks through the real UploadStore (putDurable: group commit, WAL,
//            synchronous=FULL; the chunks file's 64 KiB pages, store/db.ts) with no HTTP,
//            BENCH_UPLOAD_STORE_MIB (default 256) per variant: 1 or 4 chunks per commit (what the
//            server sees with 4 requests in flight), the WAL alone (checkpoints off, not counted),
//            and the chunks file made with SQLite's default 4 KiB pages (the layout before the
//            chunks had their own file); each against the disk alone in the same round, with the
//            CPU time this process spent per MiB.
//            BENCH_UPLOAD_STORE_ROUNDS (default 2) rounds, interleaved.
//   browser  the page's upload worker (src/client/upload-worker.ts) in real Chromium, normally
//            and with --js-flags=--jitless (no JIT, no WebAssembly: Tor Browser "Safer"):
//            encryption MB/s of a BENCH_UPLOAD_BROWSER_MIB (default 256) MiB file, chunk by chunk
//            as the page asks for them (AES-256-GCM via WebCrypto, incl. the transfer to the page),
//            and metadata stripping MB/s of a BENCH_UPLOAD_STRIP_MIB (default 32) MiB JPEG.
//
// The chunks are random bytes of the right lengths: the server never looks inside a chunk, so
// encrypting 2 GiB here would only measure this process's AES.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_CHUNK_SIZE, fileChunkCount, lastChunkCiphertextLength } from '../src/crypto/attachment.js';
import { fromBase64Url, toBase64Url } from '../src/crypto/bytes.js';
import Database from 'better-sqlite3';
import { CHUNKS_PAGE_SIZE, DATABASE_FILE, chunksPath, openDatabase } from '../src/server/store/db.js';
import { UploadStore } from '../src/server/store/uploads.js';
import { encodePublicKey, generateEditorKeyPair } from '../src/crypto/keys.js';
import { powBinding, solvePow } from '../src/crypto/pow.js';
import { loadSodium } from '../src/crypto/sodium.js';
import { uploadPowText } from '../src/server/plugins/uploads.js';
import { chromium } from 'playwright-core';
import { buildClient } from './build-client.js';
import { cpuSeconds, start } from './bench/start-server.js';

const MIB = 1024 * 1024;
const FILE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 2048);
const PARALLEL = Number(process.env.BENCH_UPLOAD_PARALLEL ?? 4);
const SECTIONS = new Set((process.env.BENCH_UPLOAD_SECTIONS ?? 'server,store,browser').split(','));
const PROFILE = process.env.BENCH_UPLOAD_PROFILE;

/** Resident set size of a process in bytes (Linux /proc). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** PUTs chunks 0..n-1 with `parallel` requests in flight; returns seconds taken. */
async function putAll(url: string, id: string, n: number, body: (i: number) => Uint8Array, parallel: number): Promise<number> {
  let next = 0;
  const began = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const res = await fetch(`${url}/api/uploads/${id}/chunks/${i}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: body(i) as Uint8Array<ArrayBuffer> });
      if (res.status !== 204) throw new Error(`chunk ${i}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return (performance.now() - began) / 1000;
}

async function serverSection(dir: string, children: ChildProcess[]): Promise<void> {
  const size = FILE_MIB * MIB;
  const n = fileChunkCount(size);
  const m = lastChunkCiphertextLength(size);
  const full = new Uint8Array(randomBytes(FILE_CHUNK_SIZE + 16));
  const last = full.subarray(0, m);
  const body = (i: number) => (i === n - 1 ? last : full);
  const totalBytes = (n - 1) * full.length + m;
  console.log(`[server] file ${FILE_MIB} MiB → ${n} chunks, ${(totalBytes / MIB).toFixed(0)} MiB of ciphertext, ${PARALLEL} requests in flight`);

  const editor = await generateEditorKeyPair();
  writeFileSync(join(dir, 'recipients.txt'), encodePublicKey(editor) + '\n');
  // The server as production runs it (Dockerfile: node dist/server/start.mjs), not under tsx,
  // whose TypeScript loader alone holds some 40 MB.
  execFileSync('npm', ['run', '--silent', 'build:server'], { stdio: 'inherit' });
  const tipline = await start(
    ['dist/server/start.mjs'],
    {
      TIPLINE_PORT: '0',
      TIPLINE_DATA_DIR: join(dir, 'data'),
      TIPLINE_RECIPIENTS: join(dir, 'recipients.txt'),
      TIPLINE_POW_MIN_BITS: '1',
      TIPLINE_POW_MAX_BITS: '1',
      TIPLINE_MAX_FILE_BYTES: String(Math.max(size, 2 ** 31)),
    },
    PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [],
  );
  children.push(tipline.child);
  const sodium = await loadSodium();
  const { challenge } = (await (await fetch(`${tipline.url}/api/pow`)).json()) as { challenge: string };
  const nonce = solvePow(sodium, fromBase64Url(challenge)!, powBinding(sodium, uploadPowText(n, m)));
  const created = await fetch(`${tipline.url}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chunks: n, lastChunkBytes: m, pow: { challenge, nonce: toBase64Url(nonce) } }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const { upload } = (await created.json()) as { upload: string };

  const pid = tipline.child.pid!;
  const rssBefore = rss(pid);
  const cpuBefore = cpuSeconds(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
  const serverSeconds = await putAll(tipline.url, upload, n, body, PARALLEL);
  clearInterval(sampler);
  peak = Math.max(peak, rss(pid));
  const serverCpu = cpuSeconds(pid) - cpuBefore;
  const status = (await (await fetch(`${tipline.url}/api/uploads/${upload}`)).json()) as { missing: number[] };
  if (status.missing.length) throw new Error(`${status.missing.length} chunks missing after the upload`);
  tipline.child.kill('SIGTERM');

  const bare = await start(['scripts/bench/bare-upload-server.ts'], {});
  children.push(bare.child);
  const bareCpuBefore = cpuSeconds(bare.child.pid!);
  const bareSeconds = await putAll(bare.url, 'A'.repeat(43), n, body, PARALLEL);
  const bareCpu = cpuSeconds(bare.child.pid!) - bareCpuBefore;
  bare.child.kill('SIGTERM');

  // The disk alone, same directory, same write-and-sync pattern (one chunk, then its sync).
  const diskFile = join(dir, 'data', 'disk-baseline.bin');
  const fd = openSync(diskFile, 'w', 0o600);
  const diskCpuBefore = process.cpuUsage();
  const diskBegan = performance.now();
  for (let i = 0; i < n; i++) {
    writeSync(fd, body(i));
    fdatasyncSync(fd);
  }
  const diskSeconds = (performance.now() - diskBegan) / 1000;
  const diskCpuUsage = process.cpuUsage(diskCpuBefore);
  const diskCpu = (diskCpuUsage.user + diskCpuUsage.system) / 1e6;
  closeSync(fd);
  rmSync(diskFile);

  const rate = (s: number) => totalBytes / MIB / s;
  console.log(`[server] tipline (durable, group-committed chunks):   ${rate(serverSeconds).toFixed(1)} MiB/s (${serverSeconds.toFixed(1)} s)`);
  console.log(`[server] bare Fastify route (discards):             ${rate(bareSeconds).toFixed(1)} MiB/s (${bareSeconds.toFixed(1)} s)`);
  console.log(`[server] disk alone (write + fdatasync per chunk): ${rate(diskSeconds).toFixed(1)} MiB/s (${diskSeconds.toFixed(1)} s)`);
  console.log(`[server] ratio tipline / bare: ${(rate(serverSeconds) / rate(bareSeconds)).toFixed(2)}`);
  console.log(`[server] ratio tipline / disk alone: ${(rate(serverSeconds) / rate(diskSeconds)).toFixed(2)} (goal >= 0.5)`);
  // CPU per MiB is steadier than MiB/s on a machine shared with other work (it does not count waiting for a core).
  const perMiB = (cpu: number) => `${((1000 * cpu) / (totalBytes / MIB)).toFixed(2)} ms/MiB`;
  console.log(`[server] CPU per MiB: tipline ${perMiB(serverCpu)}, bare route ${perMiB(bareCpu)}, disk alone ${perMiB(diskCpu)}`);
  console.log(`[server] server RSS: ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB during the upload (goal < 200 MB)`);
}

// --- store: where a durable chunk's time goes, without HTTP -----------------------------------

const STORE_MIB = Number(process.env.BENCH_UPLOAD_STORE_MIB ?? 256);
const STORE_ROUNDS = Number(process.env.BENCH_UPLOAD_STORE_ROUNDS ?? 2);

async function storeSection(dir: string): Promise<void> {
  const n = STORE_MIB;
  const chunk = new Uint8Array(randomBytes(FILE_CHUNK_SIZE + 16));
  const mib = (n * chunk.length) / MIB;
  console.log(`[store] ${n} chunks of 1 MiB + 16 bytes per variant, ${STORE_ROUNDS} rounds`);
  /** Seconds of wall time and of this process's CPU (user + system) for `run`. */
  const measure = async (run: () => void | Promise<void>) => {
    const cpu0 = process.cpuUsage();
    const began = performance.now();
    await run();
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (performance.now() - began) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const disk = () =>
    measure(() => {
      const file = join(dir, 'store-disk.bin');
      const fd = openSync(file, 'w', 0o600);
      for (let i = 0; i < n; i++) {
        writeSync(fd, chunk);
        fdatasyncSync(fd);
      }
      closeSync(fd);
      rmSync(file);
    });
  const sqlite = async (pageSize: number, perCommit: number, checkpoints: boolean) => {
    const sub = mkdtempSync(join(dir, 'store-'));
    const path = join(sub, DATABASE_FILE);
    if (pageSize !== CHUNKS_PAGE_SIZE) {
      // A chunks file made with other pages before openDatabase sees it: it keeps them.
      const raw = new Database(chunksPath(path));
      raw.pragma(`page_size = ${pageSize}`);
      raw.exec('VACUUM');
      raw.close();
    }
    const db = openDatabase(path);
    if (!checkpoints) db.pragma('wal_autocheckpoint = 0');
    const store = new UploadStore(db);
    const id = store.create(n, chunk.length);
    const result = await measure(async () => {
      for (let i = 0; i < n; i += perCommit) {
        const batch = Array.from({ length: Math.min(perCommit, n - i) }, (_, k) => store.putDurable(id, i + k, chunk));
        for (const r of await Promise.all(batch)) if (r !== 'stored') throw new Error(`store: ${r}`);
      }
    });
    db.close();
    rmSync(sub, { recursive: true, force: true });
    return result;
  };
  const variants: [string, () => ReturnType<typeof disk>][] = [
    ['disk alone (write + fdatasync per chunk)', disk],
    ['SQLite, 1 chunk per commit', () => sqlite(CHUNKS_PAGE_SIZE, 1, true)],
    ['SQLite, 4 chunks per commit', () => sqlite(CHUNKS_PAGE_SIZE, 4, true)],
    ['SQLite, 4 per commit, WAL only (no checkpoint)', () => sqlite(CHUNKS_PAGE_SIZE, 4, false)],
    ['SQLite, 4 per commit, 4 KiB pages (before)', () => sqlite(4096, 4, true)],
  ];
  for (let round = 1; round <= STORE_ROUNDS; round++) {
    let diskRate = 0;
    for (const [name, run] of variants) {
      const { seconds, cpu } = await run();
      const rate = mib / seconds;
      if (name.startsWith('disk')) diskRate = rate;
      const ratio = name.startsWith('disk') ? '' : `, ${(rate / diskRate).toFixed(2)}x the disk`;
      console.log(`[store] round ${round}: ${name.padEnd(48)} ${rate.toFixed(0).padStart(5)} MiB/s, CPU ${((1000 * cpu) / mib).toFixed(2)} ms/MiB${ratio}`);
    }
  }
}

// --- browser: the upload worker's encryption and stripping speed in Chromium -----------------

const CHROMIUM = '/usr/bin/chromium';
const BROWSER_MIB = Number(process.env.BENCH_UPLOAD_BROWSER_MIB ?? 256);
const STRIP_MIB = Number(process.env.BENCH_UPLOAD_STRIP_MIB ?? 32);

async function browserSection(dir: string, children: ChildProcess[]): Promise<void> {
  const { outDir, manifest } = await buildClient({ outDir: join(dir, 'client') });
  const workerPath = Object.entries(manifest.assets).find(([, a]) => a.role === 'worker' && a.file.startsWith('upload-worker.'))![0];
  const editor = await generateEditorKeyPair();
  writeFileSync(join(dir, 'recipients-browser.txt'), encodePublicKey(editor) + '\n');
  const server = await start(['scripts/start.ts'], {
    TIPLINE_PORT: '0',
    TIPLINE_DATA_DIR: join(dir, 'data-browser'),
    TIPLINE_RECIPIENTS: join(dir, 'recipients-browser.txt'),
    TIPLINE_CLIENT_DIR: outDir,
  });
  children.push(server.child);
  console.log(`[browser] upload worker ${workerPath}: encrypt a ${BROWSER_MIB} MiB file, strip a ${STRIP_MIB} MiB JPEG`);
  for (const mode of ['normal', 'jitless'] as const) {
    const args = ['--no-sandbox', '--disable-gpu', '--no-first-run', ...(mode === 'jitless' ? ['--js-flags=--jitless'] : [])];
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      // Plain JavaScript in a string: tsx would wrap a TypeScript function's names in a helper the page does not have.
      const result = (await page.evaluate(`(async ({ workerPath, mib, stripMib }) => {
          const worker = new Worker(workerPath);
          let waiting;
          worker.onmessage = (event) => waiting?.(event.data);
          const ask = (message) => new Promise((resolve) => {
            waiting = resolve;
            worker.postMessage(message);
          });
          const randomBlock = (bytes) => {
            const out = new Uint8Array(bytes);
            for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(bytes, at + 65536)));
            return out;
          };
          // Encryption: a file of random bytes (not an image: nothing to strip), every chunk.
          const file = new File([randomBlock(mib * 1048576)], 'data.bin');
          let began = performance.now();
          const prepared = await ask({ type: 'prepare', id: 1, file, strip: true });
          for (let i = 0; i < prepared.chunks; i++) {
            const answer = await ask({ type: 'chunk', id: 1, index: i });
            if (answer.type !== 'chunk') throw new Error(answer.message);
          }
          const encryptSeconds = (performance.now() - began) / 1000;
          worker.postMessage({ type: 'forget', id: 1 });
          // Stripping: a JPEG with an Exif block and one long scan of random data (0xFF stuffed).
          const scan = randomBlock(stripMib * 1048576);
          for (let i = 0; i < scan.length - 1; i++) if (scan[i] === 0xff) scan[++i] = 0;
          scan[scan.length - 1] = 0;
          const head = [0xff, 0xd8, 0xff, 0xe1, 0, 16, 0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0];
          const jpeg = new File([new Uint8Array(head), scan, new Uint8Array([0xff, 0xd9])], 'photo.jpg');
          began = performance.now();
          const stripped = await ask({ type: 'prepare', id: 2, file: jpeg, strip: true });
          const stripSeconds = (performance.now() - began) / 1000;
          worker.terminate();
          return { encryptSeconds, stripSeconds, status: stripped.status, removed: stripped.removed, wasm: typeof WebAssembly };
        })(${JSON.stringify({ workerPath, mib: BROWSER_MIB, stripMib: STRIP_MIB })})`)) as {
        encryptSeconds: number;
        stripSeconds: number;
        status: string;
        removed: string[];
        wasm: string;
      };
      if (result.status !== 'stripped') throw new Error(`the benchmark JPEG was not stripped: ${result.status}`);
      console.log(
        `[browser] ${mode.padEnd(7)} (WebAssembly ${result.wasm === 'undefined' ? 'off' : 'on'}): encrypt ${(BROWSER_MIB / result.encryptSeconds).toFixed(0)} MiB/s, ` +
          `strip ${(STRIP_MIB / result.stripSeconds).toFixed(0)} MiB/s (${result.stripSeconds.toFixed(2)} s for ${STRIP_MIB} MiB)`,
      );
    } finally {
      await browser.close();
    }
  }
  server.child.kill('SIGTERM');
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-upload-'));
const children: ChildProcess[] = [];
try {
  if (SECTIONS.has('server')) await serverSection(dir, children);
  if (SECTIONS.has('store')) await storeSection(dir);
  if (SECTIONS.has('browser')) await browserSection(dir, children);
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
