// Unauthenticated memory exhaustion and shutdown (found by the security review), against
// the real server process: half-sent requests are bounded in memory and closed by the server's
// timeouts; SIGTERM ends the server within its deadline whatever the clients do.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodePublicKey } from '../../src/crypto/keys.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../../src/crypto/attachment.js';
import { TEST_POW_BITS, editorKeys, sealTip, solvedPow, tempDir } from '../helpers/fixtures.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';

async function server(t: Parameters<typeof tempDir>[0] & { teardown(fn: () => void | Promise<void>): void }, env: Record<string, string>) {
  await clientDir();
  const dir = tempDir(t);
  const keys = await editorKeys(1);
  const recipientsFile = join(dir, 'recipients.txt');
  writeFileSync(recipientsFile, encodePublicKey(keys[0]!) + '\n');
  const dataDir = join(dir, 'data');
  const proc = await startServer(t, {
    TIPLINE_DATA_DIR: dataDir,
    TIPLINE_RECIPIENTS: recipientsFile,
    TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS),
    TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS),
    ...env,
  });
  return { proc, keys, dataDir };
}

function rssMiB(proc: ServerProcess): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.child.pid}/status`, 'utf8'));
  return Number(match![1]) / 1024;
}

interface Slow {
  socket: Socket;
  /** Resolves when the socket closes, with what the server sent before. */
  closed: Promise<{ answer: string; byUs: boolean }>;
  stop: () => void;
}

/** A request whose headers promise `length` bytes, of which `first` are sent at once and then 100 bytes every 250 ms. */
function slowRequest(url: string, method: string, path: string, contentType: string, length: number, first: number): Slow {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let answer = '';
  let byUs = false;
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (d) => (answer += d));
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(Buffer.alloc(first, 0x41));
    let sent = first;
    timer = setInterval(() => {
      if (sent + 100 >= length) return;
      sent += 100;
      socket.write(Buffer.alloc(100, 0x41));
    }, 250);
  });
  const closed = new Promise<{ answer: string; byUs: boolean }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, byUs });
    }),
  );
  return {
    socket,
    closed,
    stop: () => {
      byUs = true;
      clearInterval(timer);
      socket.destroy();
    },
  };
}

t.test('40 half-sent requests to tips, uploads and follow-ups: bounded memory, closed by the server', async (t) => {
  const { proc } = await server(t, { TIPLINE_REQUEST_TIMEOUT_SECONDS: '8', TIPLINE_IDLE_TIMEOUT_SECONDS: '4' });
  t.equal((await fetch(`${proc.url}/`)).status, 200);
  const before = rssMiB(proc);
  const targets: [string, string, string, number][] = [
    ['POST', '/api/tips', 'application/json', 1_300_000],
    ['PUT', `/api/uploads/${'A'.repeat(43)}/chunks/0`, 'application/octet-stream', FILE_CHUNK_CIPHERTEXT_BYTES],
    ['POST', '/api/mailbox/follow-ups', 'application/json', 1_300_000],
  ];
  const slow = Array.from({ length: 40 }, (_, i) => {
    const [method, path, type, length] = targets[i % targets.length]!;
    return slowRequest(proc.url, method, path, type, length, 512 * 1024);
  });
  t.teardown(() =>
    slow.forEach((s) => {
      s.stop();
    }),
  );
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(proc))), 200);
  const ends = await Promise.all(slow.map((s) => s.closed));
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(proc));
  t.comment(`server RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at most`);
  t.ok(peak - before < 100, `RSS rose by ${(peak - before).toFixed(0)} MiB (< 100)`);
  t.equal(ends.filter((e) => e.byUs).length, 0, 'every connection was closed by the server');
  const statuses = ends.map((e) => /^HTTP\/1\.1 (\d{3})/.exec(e.answer)?.[1] ?? 'closed');
  t.comment(
    `answers: ${JSON.stringify(
      statuses.reduce<Record<string, number>>((n, s) => {
        n[s] = (n[s] ?? 0) + 1;
        return n;
      }, {}),
    )}`,
  );
  t.ok(
    statuses.every((s) => s === '408' || s === '503' || s === 'closed'),
    'timed out (408), refused by the cap on bodies in flight (503) or closed',
  );
  t.ok(statuses.includes('503'), 'the cap on bodies in flight refused some at once');
  t.ok(statuses.includes('408') || statuses.includes('closed'), 'the request timeout ended the others');
  t.equal((await fetch(`${proc.url}/api/pow`)).status, 200, 'the server still answers');
  t.equal(proc.child.exitCode, null, 'and is still running');
});

t.test('SIGTERM with idle, keep-alive and half-sent clients: exits within its deadline, acknowledged tips kept', async (t) => {
  const { proc, keys, dataDir } = await server(t, { TIPLINE_SHUTDOWN_SECONDS: '2' });
  const envelope = await sealTip([keys[0]!.publicKey], 'acknowledged before shutdown');
  const res = await fetch(`${proc.url}/api/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ envelope: toBase64Url(envelope), pow: await solvedPow(proc.url, toBase64Url(envelope)) }),
  });
  t.equal(res.status, 201);
  const { receipt } = (await res.json()) as { receipt: string };
  const { port } = new URL(proc.url);
  const idle = Array.from({ length: 10 }, () => connect(Number(port), '127.0.0.1').on('error', () => {}));
  const keepAlive = Array.from({ length: 5 }, () => {
    const s = connect(Number(port), '127.0.0.1').on('error', () => {});
    s.write('GET /api/pow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    return s;
  });
  const halfSent = Array.from({ length: 10 }, () => slowRequest(proc.url, 'POST', '/api/tips', 'application/json', 1_300_000, 64 * 1024));
  t.teardown(() => {
    for (const s of [...idle, ...keepAlive]) s.destroy();
    halfSent.forEach((s) => {
      s.stop();
    });
  });
  await Promise.all([...idle, ...keepAlive].map((s) => new Promise((r) => (s.readyState === 'open' ? r(null) : s.once('connect', r)))));
  await new Promise((r) => setTimeout(r, 500));
  const start = Date.now();
  proc.child.kill('SIGTERM');
  const exit = await proc.exited;
  const seconds = (Date.now() - start) / 1000;
  t.comment(`exited ${seconds.toFixed(1)} s after SIGTERM (deadline 2 s)`);
  t.ok(seconds < 10, 'within 10 s');
  t.same(exit, { code: 0, signal: null }, 'a clean exit');
  const db = new Database(join(dataDir, 'tipline.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const rows = db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[];
  t.same(await Promise.all(rows.map((r) => receiptFor(new Uint8Array(r.envelope)))), [receipt], 'the acknowledged tip, and nothing half-sent');
});
