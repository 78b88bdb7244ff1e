// npm run bench:desk — the desk's model (docs/PERFORMANCE.md, "The editors' desk, model"). A measurement, never a
// test: timings on shared machines are noisy. Results go into docs/PERFORMANCE.md.
//
// Builds one inbox bundle of BENCH_DESK_TIPS tips (default 10 000; a third in conversations,
// BENCH_DESK_FORMS of them with the election-kz form, BENCH_DESK_FILES with a 1 MiB attachment)
// and BENCH_DESK_EVENTS desk events (default 20 000, by a colleague, 100 per record), sealed to
// two editors as the page and the desk seal them. Then, in one process and one run:
//   decrypt   the plain `decrypt` of the same bundle into a folder (the comparison);
//   import    openDesk on a new desk folder + importInbox (goal ≤ 60 s);
//   unlock    in a process of its own: the key file (Argon2id MODERATE, in the worker thread the
//             offline commands use) + openDesk on the full store + the first inbox (goal ≤ 5 s),
//             then search and thread below, its peak RSS, and its memory after each phase;
//   search    p50 / p95 of 100 queries of one or two words (goal p95 ≤ 100 ms);
//   thread    p50 / p95 of opening 300 threads (goal ≤ 200 ms);
//   merge     all events into a new DeskMerge and every thread folded (goal ≤ 2 s);
//   seed-out  the whole desk exported for a new editor (src/desk/seed.ts);
//   seed-in   the new editor's brand-new desk importing that export;
//   rss       the process's peak RSS, sampled every 50 ms (goal ≤ 400 MB).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { FILE_CHUNK_SIZE, FILE_CIPHER, encryptFile, generateFileKey, lastChunkCiphertextLength } from '../src/crypto/attachment.js';
import { encodeBody, type Body, type FileRef } from '../src/crypto/body.js';
import type { BundleItem } from '../src/crypto/bundle.js';
import { toBase64Url } from '../src/crypto/bytes.js';
import { sealDeskEvents, signDeskEvent, type DeskEvent } from '../src/crypto/desk-event.js';
import { sealEnvelope } from '../src/crypto/envelope.js';
import { encryptKeyFile } from '../src/crypto/keyfile.js';
import { encodePublicKey, fingerprint, generateEditorKeyPair } from '../src/crypto/keys.js';
import { mailboxKeysFromEntropy } from '../src/crypto/mailbox.js';
import { signBody } from '../src/crypto/signing.js';
import { writeBundle } from '../src/files/bundle.js';
import { openDesk } from '../src/desk/desk.js';
import { DeskMerge } from '../src/desk/merge.js';
import { decryptBundle, unlockKey } from '../src/offline/decrypt.js';

// The open phase runs in a process of its own (BENCH_DESK_OPEN=<dir>), so its RSS is the desk's
// alone: not the bundle building's, the import's, or another phase's garbage.
if (process.env.BENCH_DESK_OPEN) await openPhase(process.env.BENCH_DESK_OPEN);

async function openPhase(dir: string): Promise<never> {
  const { readFileSync } = await import('node:fs');
  const cfg = JSON.parse(readFileSync(join(dir, 'open.json'), 'utf8')) as { keyFile: string; recipients: string; queries: string[] };
  const clock = () => process.hrtime.bigint();
  const took = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
  // The process's memory after each phase (MB): where the peak comes from.
  const phases: string[] = [];
  const memory = (phase: string) => {
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    phases.push(`${phase}: rss ${mb(m.rss)} (heap ${mb(m.heapUsed)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)}; peak so far ${mb(process.resourceUsage().maxRSS * 1024)})`);
  };
  memory('start');
  const c0 = process.cpuUsage();
  let t = clock();
  // As the desk command unlocks: Argon2id in a worker thread that has exited when this returns.
  const key = await unlockKey(cfg.keyFile, 'bench passphrase');
  const kdfMs = took(t);
  memory('unlocked');
  const c1 = process.cpuUsage();
  t = clock();
  const desk = await openDesk({ key, recipients: cfg.recipients, usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'export') });
  const inbox = desk.inbox({});
  const openMs = took(t);
  const cpuOpen = process.cpuUsage(c1);
  memory('open');
  const pctOf = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const searchMs = cfg.queries.map((q) => {
    const s = clock();
    desk.inbox({ text: q });
    return took(s);
  });
  memory('searched');
  const threadMs = Array.from({ length: 300 }, (_, i) => {
    const id = inbox[(i * 7919) % inbox.length]!.id;
    const s = clock();
    desk.thread(id);
    return took(s);
  });
  memory('threads');
  await desk.close();
  const all = process.cpuUsage(c0);
  process.stdout.write(
    `unlock   ${((kdfMs + openMs) / 1000).toFixed(2)} s to a usable inbox of ${inbox.length} threads: key file (Argon2id) ${(kdfMs / 1000).toFixed(2)} s + open and first inbox ${(openMs / 1000).toFixed(2)} s (CPU ${((cpuOpen.user + cpuOpen.system) / 1e6).toFixed(1)} s)\n` +
      `search   p50 ${pctOf(searchMs, 50).toFixed(1)} ms, p95 ${pctOf(searchMs, 95).toFixed(1)} ms (${searchMs.length} queries over ${inbox.length} threads)\n` +
      `thread   p50 ${pctOf(threadMs, 50).toFixed(2)} ms, p95 ${pctOf(threadMs, 95).toFixed(2)} ms (300 threads opened)\n` +
      `rss      desk process peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (the unlock worker's Argon2id memory included while it ran); CPU ${((all.user + all.system) / 1e6).toFixed(1)} s\n` +
      `memory   MB after each phase: ${phases.join('; ')}\n`,
  );
  process.exit(0);
}

const TIPS = Number(process.env.BENCH_DESK_TIPS ?? 10_000);
const FORMS = Number(process.env.BENCH_DESK_FORMS ?? Math.round(TIPS / 10));
const FILES = Number(process.env.BENCH_DESK_FILES ?? Math.round(TIPS / 50));
const EVENTS = Number(process.env.BENCH_DESK_EVENTS ?? TIPS * 2);
const MIB = 1024 * 1024;

let peakRss = 0;
/** CPU time (user + system) of this process in seconds since `from`: on a shared machine a fairer figure than wall time. */
const cpu = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return ((u.user + u.system) / 1e6).toFixed(1);
};
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const ms = (start: bigint) => {
  // Synchronous work starves the sampler: every measurement samples once more at its end.
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const now = () => process.hrtime.bigint();
const word = () => wordlist[randomBytes(2).readUInt16BE(0) % 2048]!;
const CYRILLIC = ['участок', 'вброс', 'Ашхабад', 'Қарағанды', 'карусель', 'наблюдатель', 'протокол', 'İzmir', 'Ёлка', 'комиссия'];
const sentence = (n: number) => Array.from({ length: n }, (_, i) => (i % 7 === 0 ? CYRILLIC[randomBytes(1)[0]! % CYRILLIC.length] : word())).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-desk-'));
try {
  const [A, B] = [await generateEditorKeyPair(), await generateEditorKeyPair()];
  const recipients = [encodePublicKey({ ...A, name: 'Aigul' }), encodePublicKey({ ...B, name: 'Batyr' })].join('\n') + '\n';
  const to = [A.publicKey, B.publicKey];
  process.stdout.write(`building ${TIPS} tips (${FORMS} with a form, ${FILES} with a 1 MiB file) and ${EVENTS} events…\n`);
  const t0 = now();
  const items: BundleItem[] = [];
  const threads: string[] = [];
  const mailboxes: Awaited<ReturnType<typeof mailboxKeysFromEntropy>>[] = [];
  for (let i = 0; i < TIPS; i++) {
    const id = randomBytes(16).toString('hex');
    const conversation = i % 3 === 0;
    let from = conversation && mailboxes.length > 0 && i % 6 === 0 ? mailboxes[mailboxes.length - 1] : undefined;
    const kind: 'tip' | 'followUp' = from ? 'followUp' : 'tip';
    if (conversation && !from) {
      from = await mailboxKeysFromEntropy(new Uint8Array(randomBytes(16)));
      mailboxes.push(from);
    }
    const refs: FileRef[] = [];
    const lines: BundleItem[] = [];
    if (i < FILES) {
      const key = generateFileKey();
      const upload = toBase64Url(new Uint8Array(randomBytes(32)));
      const chunks = await encryptFile(key, new Uint8Array(randomBytes(MIB)));
      refs.push({ upload, name: `photo-${i}.jpg`, type: 'image/jpeg', size: MIB, key: toBase64Url(key), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE });
      lines.push({ file: { tip: id, upload, chunks: chunks.length, lastChunkBytes: lastChunkCiphertextLength(MIB) } });
      chunks.forEach((data, index) => {
        lines.push({ chunk: { tip: id, upload, index, data } });
      });
    }
    const form = kind === 'tip' && i % Math.max(1, Math.floor(TIPS / Math.max(1, FORMS))) === 0 && FORMS > 0;
    const body: Body = {
      v: 1,
      message: sentence(20 + (i % 60)),
      clientTime: new Date().toISOString(),
      ...(form ? { form: { id: 'election-kz', version: 1 }, fields: { region: 'almaty-region' } } : {}),
      ...(from ? { reply: { mailbox: from.mailbox, kemPublicKey: toBase64Url(from.kemPublicKey), signPublicKey: toBase64Url(from.signPublicKey) } } : {}),
      ...(refs.length ? { files: refs } : {}),
    };
    const bytes = from ? await signBody(kind, body, from.signSecretKey) : encodeBody(body);
    items.push({ id, received: '2026-11-30', envelope: await sealEnvelope({ kind, recipients: to, body: bytes }) }, ...lines);
    threads.push(from?.mailbox ?? id);
  }
  const events: DeskEvent[] = [];
  const signer = { signPublicKey: B.signPublicKey, signSecretKey: B.signSecretKey };
  const bId = await fingerprint(B);
  const changes: DeskEvent['change'][] = [
    { kind: 'status', status: 'in-progress' },
    { kind: 'label', label: 'карусель', on: true },
    { kind: 'assign', editor: bId },
    { kind: 'star', on: true },
    { kind: 'seen' },
    { kind: 'note', text: sentence(12) },
  ];
  let ms0 = Date.now() - EVENTS;
  for (let i = 0; i < EVENTS; i++) {
    events.push({
      v: 1,
      id: randomBytes(16).toString('hex'),
      editor: toBase64Url(B.signPublicKey),
      thread: threads[randomBytes(4).readUInt32BE(0) % threads.length]!,
      hlc: { ms: ms0++, c: 0 },
      change: changes[i % changes.length]!,
    });
  }
  for (let i = 0; i < events.length; i += 100) {
    const signed = await Promise.all(events.slice(i, i + 100).map((e) => signDeskEvent(e, signer)));
    items.push({ event: { id: randomBytes(16).toString('hex'), received: '2026-11-30', envelope: await sealDeskEvents(signed, to) } });
  }
  const bundle = join(dir, 'usb', 'inbox', 'bench.bundle');
  mkdirSync(join(dir, 'usb', 'inbox'), { recursive: true });
  await writeBundle(bundle, items, { created: '2026-11-30' });
  items.length = 0;
  process.stdout.write(`built in ${(ms(t0) / 1000).toFixed(1)} s: bundle ${(statSync(bundle).size / MIB).toFixed(0)} MiB\n`);

  let c = process.cpuUsage();
  let t = now();
  // BENCH_DESK_DECRYPT=0 skips the comparison (a shorter run).
  const summary = process.env.BENCH_DESK_DECRYPT === '0' ? { decrypted: [] } : await decryptBundle({ bundlePath: bundle, outDir: join(dir, 'decrypted'), key: A });
  const decryptMs = ms(t);
  process.stdout.write(`decrypt  ${(decryptMs / 1000).toFixed(1)} s, CPU ${cpu(c)} s (${summary.decrypted.length} records)\n`);
  rmSync(join(dir, 'decrypted'), { recursive: true, force: true });

  peakRss = 0;
  c = process.cpuUsage();
  t = now();
  const options = { key: A, recipients, usb: join(dir, 'usb'), deskDir: join(dir, 'desk'), exportDir: join(dir, 'export') };
  const desk = await openDesk(options);
  const progress = await desk.importInbox();
  const importMs = ms(t);
  process.stdout.write(
    `import   ${(importMs / 1000).toFixed(1)} s, CPU ${cpu(c)} s (${progress.imported} records, ${progress.refused.length} refused): ${(importMs / decryptMs).toFixed(2)}× decrypt; peak RSS ${(peakRss / MIB).toFixed(0)} MB\n`,
  );
  await desk.close();

  const keyFile = JSON.stringify(await encryptKeyFile(A, 'bench passphrase'));
  const queries = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? CYRILLIC[i % CYRILLIC.length]!.toUpperCase() : i % 3 === 1 ? word() : `${word()} ${word().slice(0, 3)}`));
  writeFileSync(join(dir, 'open.json'), JSON.stringify({ keyFile, recipients, queries }));
  const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename], { env: { ...process.env, BENCH_DESK_OPEN: dir }, encoding: 'utf8' });
  process.stdout.write(child.stdout + child.stderr);

  const shuffled = [...events].sort(() => Math.random() - 0.5);
  t = now();
  const merge = new DeskMerge();
  for (const e of shuffled) merge.add(e);
  for (const id of merge.threads()) merge.thread(id);
  process.stdout.write(`merge    ${ms(t).toFixed(0)} ms for ${events.length} events in random order, ${merge.threads().length} threads folded\n`);
  const { readdirSync } = await import('node:fs');
  const segments = readdirSync(join(dir, 'desk'));
  process.stdout.write(`store    ${segments.length} segments, ${(segments.reduce((n, f) => n + statSync(join(dir, 'desk', f)).size, 0) / MIB).toFixed(0)} MiB\n`);

  // A new editor: the whole desk exported for them, then imported by their brand-new desk.
  const C = await generateEditorKeyPair();
  const roster3 = `${recipients}${encodePublicKey({ ...C, name: 'Chary' })}\n`;
  const exporter = await openDesk({ ...options, recipients: roster3 });
  c = process.cpuUsage();
  t = now();
  const seedFile = await exporter.exportSeed(await fingerprint(C));
  const exportMs = ms(t);
  process.stdout.write(
    `seed-out ${(exportMs / 1000).toFixed(1)} s, CPU ${cpu(c)} s: the desk exported for a colleague, ${(statSync(seedFile).size / MIB).toFixed(0)} MiB; peak RSS ${(peakRss / MIB).toFixed(0)} MB\n`,
  );
  await exporter.close();
  mkdirSync(join(dir, 'usb-c', 'inbox'), { recursive: true });
  const { renameSync } = await import('node:fs');
  renameSync(seedFile, join(dir, 'usb-c', 'inbox', 'seed.bundle'));
  peakRss = 0;
  c = process.cpuUsage();
  t = now();
  const newcomer = await openDesk({ key: C, recipients: roster3, usb: join(dir, 'usb-c'), deskDir: join(dir, 'desk-c'), exportDir: join(dir, 'export-c') });
  const seeded = await newcomer.importInbox();
  const seedMs = ms(t);
  process.stdout.write(
    `seed-in  ${(seedMs / 1000).toFixed(1)} s, CPU ${cpu(c)} s: ${seeded.imported} records (${seeded.refused.length} refused), ${newcomer.inbox({}).length} threads; peak RSS ${(peakRss / MIB).toFixed(0)} MB\n`,
  );
  await newcomer.close();
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
