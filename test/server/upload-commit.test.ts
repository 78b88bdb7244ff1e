// Attachment chunks are group-committed (store/uploads.ts putDurable): chunks that arrive
// together share one transaction and one fsync, and each is acknowledged only once that
// transaction is durable. The chunks have their own file (store/db.ts): a chunk's commit writes
// that file only. Real SQLite files (the WALs read back frame by frame), a second connection
// holding the write lock for the failure case, the real server killed with SIGKILL in the middle
// of a parallel upload, and a process killed between the two steps of deleting an upload.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CHUNKS_FILE, DATABASE_FILE, chunksPath, openDatabase } from '../../src/server/store/db.js';
import { UploadStore, type PutResult } from '../../src/server/store/uploads.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES, fileChunkCount, lastChunkCiphertextLength } from '../../src/crypto/attachment.js';
import { TEST_POW_BITS, httpCreateUpload, httpPutChunk, tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { ROOT, clientDir } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { runMaintenance } from '../../src/server/store/retention.js';

const run = promisify(execFile);

/** Committed transactions in a WAL file (frames of the current generation whose "database size after commit" is set). */
function walCommits(dbPath: string): number {
  const wal = readFileSync(`${dbPath}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt[0] || wal.readUInt32BE(at + 12) !== salt[1]) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

t.test('chunks put together share one commit, and each is acknowledged only once it is committed', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  const db = openDatabase(path);
  db.pragma('wal_autocheckpoint = 0'); // keep every frame in the WALs, to count the commits
  const reader = new Database(chunksPath(path), { readonly: true });
  t.teardown(() => {
    reader.close();
    db.close();
  });
  const store = new UploadStore(db);
  const N = 8;
  const id = store.create(N, FILE_CHUNK_CIPHERTEXT_BYTES);
  const chunks = Array.from({ length: N }, () => new Uint8Array(randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES)));
  const visible = reader.prepare('SELECT data FROM upload_chunks WHERE upload_id = ? AND idx = ?').pluck();
  const before = walCommits(chunksPath(path));
  const mainBefore = walCommits(path);

  const seenAtAck: boolean[] = [];
  const puts: Promise<PutResult>[] = chunks.map((data, i) =>
    store.putDurable(id, i, data).then((result) => {
      const row = visible.get(id, i) as Buffer | undefined;
      seenAtAck[i] = row !== undefined && Buffer.compare(row, data) === 0;
      return result;
    }),
  );
  // In the same batch: the same chunk again, a different chunk 1, a wrong length, no such upload.
  puts.push(store.putDurable(id, 0, chunks[0]!), store.putDurable(id, 1, chunks[2]!), store.putDurable(id, 3, chunks[3]!.subarray(1)), store.putDurable('A'.repeat(43), 0, chunks[0]!));
  t.equal(reader.prepare('SELECT count(*) FROM upload_chunks').pluck().get(), 0, 'nothing is committed before the batch runs');

  t.same(await Promise.all(puts), [...Array(N).fill('stored'), 'identical', 'conflict', 'length', 'no-upload']);
  t.same(seenAtAck, Array(N).fill(true), 'each chunk was committed (visible to another connection) when its promise resolved');
  t.equal(walCommits(chunksPath(path)) - before, 1, `${N} chunks, one transaction`);
  t.equal(walCommits(path), mainBefore, 'and no commit in the main file');
  t.same(store.status(id), { chunks: N, missing: [] });
  t.equal(reader.prepare('SELECT count(*) FROM fresh_chunks').pluck().get(), N, 'every chunk marked for the next maintenance run');
});

t.test('a batch that cannot be committed fails as a whole: nothing stored, nothing acknowledged, and the chunks can be sent again', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  const db = openDatabase(path);
  db.pragma('busy_timeout = 0');
  const other = new Database(chunksPath(path));
  t.teardown(() => {
    other.close();
    db.close();
  });
  const store = new UploadStore(db);
  const id = store.create(3, FILE_CHUNK_CIPHERTEXT_BYTES);
  const chunks = Array.from({ length: 3 }, () => new Uint8Array(randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES)));
  // Another process holds the write lock (e.g. `npm run purge` or a backup).
  other.exec('BEGIN IMMEDIATE');
  const outcomes = await Promise.allSettled(chunks.map((data, i) => store.putDurable(id, i, data)));
  t.same(
    outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : o.value)),
    ['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY'],
    'every chunk of the batch is refused',
  );
  other.exec('ROLLBACK');
  t.same(store.status(id), { chunks: 3, missing: [0, 1, 2] }, 'none of them is stored');
  t.same(await Promise.all(chunks.map((data, i) => store.putDurable(id, i, data))), ['stored', 'stored', 'stored'], 'sent again, they are stored');
});

t.test('every acknowledged chunk survives SIGKILL in the middle of a parallel upload, and the upload resumes', async (t) => {
  await clientDir();
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const env = { TIPLINE_DATA_DIR: dataDir, TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS), TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS) };
  const server = await startServer(t, env);
  // 32 MiB of "ciphertext" (the server never looks inside a chunk): every chunk different.
  const size = 32 * 1_048_576;
  const n = fileChunkCount(size);
  const m = lastChunkCiphertextLength(size);
  const chunks = Array.from({ length: n }, (_, i) => new Uint8Array(randomBytes(i === n - 1 ? m : FILE_CHUNK_CIPHERTEXT_BYTES)));
  const created = await httpCreateUpload(server.url, n, m);
  t.equal(created.status, 201);
  const { upload } = (await created.json()) as { upload: string };
  const put = (url: string, i: number) => httpPutChunk(url, upload, i, chunks[i]!);

  // 8 requests in flight; the server is killed the instant the 12th acknowledgement arrives,
  // while others are being received or wait for their commit. Every 204 counts, even one
  // read after the kill: the server sent it, so the chunk must be on disk.
  const KILL_AFTER = 12;
  const acknowledged = new Set<number>();
  let next = 0;
  let cutOff = 0;
  const worker = async () => {
    while (next < n && server.child.signalCode === null) {
      const i = next++;
      try {
        const res = await put(server.url, i);
        if (res.status === 204) acknowledged.add(i);
        else t.fail(`chunk ${i}: ${res.status}`);
      } catch {
        cutOff++; // the connection died with the server
        return;
      }
      if (acknowledged.size === KILL_AFTER) server.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  t.equal((await server.exited).signal, 'SIGKILL', 'killed, not shut down');
  t.ok(acknowledged.size >= KILL_AFTER && acknowledged.size < n, `killed mid-upload: ${acknowledged.size} of ${n} chunks acknowledged, ${cutOff} requests cut off`);

  const db = new Database(join(dataDir, CHUNKS_FILE), { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const get = db.prepare('SELECT data FROM upload_chunks WHERE upload_id = ? AND idx = ?').pluck();
  const lost = [...acknowledged].filter((i) => {
    const data = get.get(upload, i) as Buffer | undefined;
    return !data || Buffer.compare(data, chunks[i]!) !== 0;
  });
  t.same(lost, [], 'every acknowledged chunk is on disk, byte for byte');
  db.close();

  // The same data directory: the upload resumes from its status and completes.
  const again = await startServer(t, env);
  const status = (await (await fetch(`${again.url}/api/uploads/${upload}`)).json()) as { chunks: number; missing: number[] };
  t.same(
    status.missing.filter((i) => acknowledged.has(i)),
    [],
    'no acknowledged chunk is listed as missing',
  );
  for (const i of status.missing) t.equal((await put(again.url, i)).status, 204, `missing chunk ${i} sent again`);
  t.equal((await put(again.url, [...acknowledged][0]!)).status, 204, 'an acknowledged chunk sent again is accepted as identical');
  t.same(((await (await fetch(`${again.url}/api/uploads/${upload}`)).json()) as { missing: number[] }).missing, [], 'the upload is complete');
  again.child.kill('SIGTERM');
  await again.exited;
});

t.test('a process killed between deleting an upload and its chunks leaves orphans that the next start deletes from disk', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  // The first step of every deletion (store/db.ts): the upload's row goes in a transaction on the
  // main file; the process dies before the second one deletes its chunks from the chunks file.
  const child = `
    import { openDatabase } from './src/server/store/db.ts';
    import { UploadStore } from './src/server/store/uploads.ts';
    const db = openDatabase(${JSON.stringify(path)});
    const store = new UploadStore(db);
    const kept = store.create(1, 4112);
    const doomed = store.create(2, 4112);
    const data = Buffer.alloc(${FILE_CHUNK_CIPHERTEXT_BYTES}, 0x5a);
    store.put(kept, 0, Buffer.alloc(4112, 0x33));
    store.put(doomed, 0, data);
    store.put(doomed, 1, Buffer.alloc(4112, 0x5b));
    db.transaction(() => db.prepare('DELETE FROM uploads WHERE id = ? AND tip_id IS NULL').run(doomed)).immediate();
    process.stdout.write(JSON.stringify({ kept, doomed }), () => process.kill(process.pid, 'SIGKILL'));`;
  const killed = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: ROOT, env: childEnv() }).then(
    () => undefined,
    (err: { signal?: string; stdout: string }) => err,
  );
  t.equal(killed?.signal, 'SIGKILL', 'the process died by SIGKILL');
  const { kept, doomed } = JSON.parse(killed!.stdout) as { kept: string; doomed: string };
  const sample = Buffer.alloc(64, 0x5a);
  const onDisk = () => [chunksPath(path), `${chunksPath(path)}-wal`, path, `${path}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(sample));
  t.ok(onDisk(), 'after the kill the orphaned chunk is still on disk');

  const db = openDatabase(path); // what the server does when it starts again
  t.teardown(() => db.close());
  t.equal(db.prepare('SELECT count(*) FROM chunks.upload_chunks WHERE upload_id = ?').pluck().get(doomed), 0, 'the orphans are deleted at start');
  t.same(new UploadStore(db).status(kept), { chunks: 1, missing: [] }, 'the other upload is intact');
  t.ok((await runMaintenance(db, { days: 30, ackedDays: 7 })).walTruncated);
  t.notOk(onDisk(), 'and no byte of them is left in either file or WAL');
  t.equal(db.pragma('chunks.integrity_check', { simple: true }), 'ok');
});
