// npm run bench:maintenance — what a maintenance run (store/retention.ts runMaintenance:
// purge, random order, WAL truncated) costs per GiB, against plain sequential I/O of the same
// bytes in the same run. A measurement, never a test. Results go into docs/PERFORMANCE.md.
//
// A database with BENCH_MAINTENANCE_MIB (default 1024) MiB of attachment chunks (1 MiB + 16
// bytes each, as the uploads API stores them) and BENCH_MAINTENANCE_TIPS (default 2000) tips
// of 4155 bytes. Then:
//   first run   every chunk new (the worst case: a whole GiB arrived within the hour);
//   new 10 %    after BENCH_MAINTENANCE_NEW_MIB (default a tenth) more MiB arrived;
//   nothing new only the tips and the other small tables rebuilt;
//   VACUUM      for comparison: a full rebuild, which blocks writers for its whole duration;
//   baseline    the same bytes read and written sequentially (1 MiB writes, one fdatasync).
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../src/crypto/attachment.js';
import { DATABASE_FILE, chunksPath, openDatabase } from '../src/server/store/db.js';
import { runMaintenance } from '../src/server/store/retention.js';
import { TipStore } from '../src/server/store/tips.js';
import { UploadStore } from '../src/server/store/uploads.js';

const MIB = 2 ** 20;
const DB_MIB = Number(process.env.BENCH_MAINTENANCE_MIB ?? 1024);
const NEW_MIB = Number(process.env.BENCH_MAINTENANCE_NEW_MIB ?? Math.ceil(DB_MIB / 10));
const TIPS = Number(process.env.BENCH_MAINTENANCE_TIPS ?? 2000);
const POLICY = { days: 30, ackedDays: 7 };

const dir = mkdtempSync(join(tmpdir(), 'tipline-bench-maintenance-'));
try {
  const path = join(dir, DATABASE_FILE);
  const db = openDatabase(path);
  const uploads = new UploadStore(db);
  const tips = new TipStore(db);
  const chunk = randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES);
  const addChunks = (mib: number) => {
    for (let done = 0; done < mib; done += 64) {
      const n = Math.min(64, mib - done);
      const id = uploads.create(n, FILE_CHUNK_CIPHERTEXT_BYTES);
      for (let i = 0; i < n; i++) uploads.put(id, i, chunk);
    }
  };
  for (let i = 0; i < TIPS; i += 50) await Promise.all(Array.from({ length: 50 }, () => tips.add(randomBytes(4155))));
  addChunks(DB_MIB);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const stored = () => statSync(path).size + statSync(chunksPath(path)).size; // the main file and the chunks file
  const gib = () => stored() / 2 ** 30;
  const time = async (label: string, fn: () => Promise<unknown> | unknown) => {
    const began = performance.now();
    await fn();
    const s = (performance.now() - began) / 1000;
    console.log(`${label.padEnd(34)} ${s.toFixed(1).padStart(7)} s   ${(s / gib()).toFixed(1).padStart(6)} s per GiB stored`);
    return s;
  };
  console.log(`database ${(gib() * 1024).toFixed(0)} MiB: ${DB_MIB} chunks of 1 MiB, ${TIPS} tips`);
  const first = await time('maintenance, every chunk new', () => runMaintenance(db, POLICY));
  addChunks(NEW_MIB);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const some = await time(`maintenance, ${NEW_MIB} MiB new`, () => runMaintenance(db, POLICY));
  const none = await time('maintenance, nothing new', () => runMaintenance(db, POLICY));
  const vacuum = await time('VACUUM + wal_checkpoint(TRUNCATE)', () => {
    db.exec('VACUUM main; VACUUM chunks');
    db.pragma('wal_checkpoint(TRUNCATE)');
  });
  db.close();

  // Baseline: the same number of bytes read, then written, sequentially (1 MiB at a time).
  const copy = join(dir, 'baseline.bin');
  const buffer = Buffer.alloc(MIB);
  const baseline = await time('baseline: read + write + fdatasync', () => {
    const dst = openSync(copy, 'w');
    for (const file of [path, chunksPath(path)]) {
      const src = openSync(file, 'r');
      const size = statSync(file).size;
      for (let at = 0; at < size; at += MIB) {
        const n = readSync(src, buffer, 0, MIB, at);
        writeSync(dst, buffer, 0, n);
      }
      closeSync(src);
    }
    fdatasyncSync(dst);
    closeSync(dst);
  });
  console.log(
    `ratios to the baseline: every chunk new ${(first / baseline).toFixed(1)}×, ${NEW_MIB} MiB new ${(some / baseline).toFixed(2)}×, nothing new ${(none / baseline).toFixed(2)}×, VACUUM ${(vacuum / baseline).toFixed(1)}×`,
  );
  console.log(`per new MiB: ${(((some - none) / NEW_MIB) * 1000).toFixed(1)} ms (two chunks rewritten through the WAL and checkpointed)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
