// The attachment chunks' own file (store/db.ts): a data directory written before it existed
// (schema 6: chunks in tipline.sqlite) is migrated on open. Its database is made the way that
// code made it: the same migrations 1–6 and the statements its upload store ran. Then the
// chunks are in the new file (64 KiB pages), none of their bytes is left in the main file, whose
// pages are given back, and every reader and writer finds them: status, linking, the editor
// API's reads, export (byte for byte the bundle the old layout gave) and backup.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CHUNKS_PAGE_SIZE, CONNECTION_PRAGMAS, DATABASE_FILE, MIGRATIONS, chunksPath, openDatabase } from '../../src/server/store/db.js';
import { UploadStore, randomRowid } from '../../src/server/store/uploads.js';
import { RecordStore } from '../../src/server/store/records.js';
import { TipStore, UploadLinkError, randomId } from '../../src/server/store/tips.js';
import { exportDatabase } from '../../src/server/store/export.js';
import { backupDatabase } from '../../src/server/store/backup.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../../src/crypto/attachment.js';
import { editorKeys, sealTip, tempDir } from '../helpers/fixtures.js';

const SMALL = 4096 + 16;

/** A schema-6 database as the code before the chunks file wrote it: chunks in the main file, counted in uploads.stored. */
function schema6(path: string) {
  const db = new Database(path);
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
  MIGRATIONS.slice(0, 6).forEach((sql, i) => {
    db.exec(sql);
    db.pragma(`user_version = ${i + 1}`);
  });
  const create = (chunks: number, last: number) => {
    const id = randomBytes(32).toString('base64url');
    db.prepare('INSERT INTO uploads (id, chunks, last_chunk_bytes, created_on) VALUES (?, ?, ?, ?)').run(id, chunks, last, '2026-03-01');
    return id;
  };
  const put = (id: string, index: number, data: Buffer) =>
    db
      .transaction(() => {
        const rowid = randomRowid();
        db.prepare('INSERT INTO upload_chunks (rowid, upload_id, idx, data) VALUES (?, ?, ?, ?)').run(rowid, id, index, data);
        db.prepare('INSERT INTO fresh_chunks (chunk) VALUES (?)').run(rowid);
        db.prepare('UPDATE uploads SET stored = stored + 1 WHERE id = ?').run(id);
      })
      .immediate();
  const tip = (envelope: Uint8Array, uploads: string[]) =>
    db
      .transaction(() => {
        const id = randomId();
        db.prepare('INSERT INTO tips (id, received_on, envelope) VALUES (?, ?, ?)').run(id, '2026-03-01', envelope);
        for (const u of uploads) if (db.prepare('UPDATE uploads SET tip_id = ? WHERE id = ? AND tip_id IS NULL AND stored = chunks').run(id, u).changes !== 1) throw new Error('not linked');
        return id;
      })
      .immediate();
  return { db, create, put, tip };
}

t.test('a data directory with its chunks in the main file is migrated: chunks moved, pages freed, everything readable', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  const keys = await editorKeys(1);
  const old = schema6(path);
  // A tip with a two-chunk file, a complete file no tip names yet, one half sent, and 24 MiB more
  // attached to a second tip: the main file grows to hold them.
  const attached = { id: old.create(2, SMALL), data: [randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES), randomBytes(SMALL)] };
  for (const [i, d] of attached.data.entries()) old.put(attached.id, i, d);
  const free = { id: old.create(1, SMALL), data: randomBytes(SMALL) };
  old.put(free.id, 0, free.data);
  const half = { id: old.create(2, SMALL), data: randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES) };
  old.put(half.id, 0, half.data);
  const bulk = old.create(24, FILE_CHUNK_CIPHERTEXT_BYTES);
  for (let i = 0; i < 24; i++) old.put(bulk, i, randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES));
  const tip = old.tip(await sealTip([keys[0]!.publicKey], 'with a file'), [attached.id]);
  old.tip(await sealTip([keys[0]!.publicKey], 'with a large file'), [bulk]);
  old.db.pragma('wal_checkpoint(TRUNCATE)');
  old.db.close();
  const sizeBefore = statSync(path).size;
  t.ok(sizeBefore > 25 * FILE_CHUNK_CIPHERTEXT_BYTES, `the schema-6 file holds the chunks (${sizeBefore} bytes)`);
  t.notOk(existsSync(chunksPath(path)), 'and there is no chunks file yet');
  // The export of the old layout, read-only, as `npm run export` on a directory the new server has not opened.
  const oldBundle = join(dir, 'old.bundle');
  t.same(await exportDatabase(path, oldBundle), { count: 2 });

  const db = openDatabase(path);
  t.teardown(() => db.close());
  t.equal(db.pragma('main.user_version', { simple: true }), MIGRATIONS.length);
  t.equal(db.pragma('chunks.page_size', { simple: true }), CHUNKS_PAGE_SIZE, 'the chunks file has 64 KiB pages');
  t.equal(db.pragma('chunks.journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('chunks.synchronous', { simple: true }), 2, 'synchronous = FULL');
  t.equal(db.pragma('chunks.secure_delete', { simple: true }), 1);
  t.equal(statSync(chunksPath(path)).mode & 0o777, 0o600, 'the chunks file is 0600');
  t.equal(db.prepare("SELECT count(*) FROM main.sqlite_schema WHERE name IN ('upload_chunks', 'fresh_chunks')").pluck().get(), 0, 'the main file has no chunk tables');
  t.equal(db.prepare('SELECT count(*) FROM chunks.upload_chunks').pluck().get(), 28, 'every chunk is in the chunks file');
  t.equal(db.prepare('SELECT count(*) FROM chunks.fresh_chunks').pluck().get(), 28, 'still marked for the next maintenance run');
  t.equal(db.pragma('main.freelist_count', { simple: true }), 0, "the main file's chunk pages were given back");
  t.ok(statSync(path).size < sizeBefore / 20, `the main file shrank to ${statSync(path).size} bytes`);
  const mainBytes = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);
  t.notOk(
    [...attached.data, free.data, half.data].some((d) => mainBytes.includes(d.subarray(4000, 4064))),
    'no byte of a chunk is left in the main file or its WAL',
  );

  const uploads = new UploadStore(db);
  t.same(uploads.status(free.id), { chunks: 1, missing: [] });
  t.same(uploads.status(half.id), { chunks: 2, missing: [1] }, 'a half-sent upload still misses what it missed');
  t.equal(uploads.put(half.id, 0, half.data), 'identical');
  const records = new RecordStore(db);
  t.same(records.attachedUploads(tip), [{ id: attached.id, chunks: 2, lastChunkBytes: SMALL }]);
  t.ok(records.chunk(attached.id, 0)!.equals(attached.data[0]!), 'the editor API reads an attached chunk');
  const tips = new TipStore(db);
  t.teardown(() => tips.close());
  await t.rejects(tips.add(await sealTip([keys[0]!.publicKey], 'x'), [half.id]), UploadLinkError, 'an incomplete upload is not linked');
  t.equal(uploads.put(half.id, 1, randomBytes(SMALL)), 'stored');
  await tips.add(await sealTip([keys[0]!.publicKey], 'y'), [half.id, free.id]);
  t.equal(db.prepare('SELECT count(*) FROM uploads WHERE tip_id IS NULL').pluck().get(), 0, 'completed, both are linked');

  // Export reads the chunks file now: the same bundle as from the old layout, for the same two tips.
  await tips.close();
  db.prepare('DELETE FROM tips WHERE id NOT IN (SELECT tip_id FROM uploads WHERE id IN (?, ?))').run(attached.id, bulk);
  const newBundle = join(dir, 'new.bundle');
  t.same(await exportDatabase(path, newBundle), { count: 2 });
  t.ok(readFileSync(newBundle).equals(readFileSync(oldBundle)), 'byte for byte the bundle of the old layout');

  // Backup copies both files; the copy opens as a database of its own.
  const copy = join(dir, 'copy.sqlite');
  t.same(await backupDatabase(path, copy), { tips: 2 });
  t.equal(statSync(chunksPath(copy)).mode & 0o777, 0o600, 'the chunks copy is 0600');
  const restored = openDatabase(copy);
  t.teardown(() => restored.close());
  t.same(new RecordStore(restored).attachedUploads(tip), [{ id: attached.id, chunks: 2, lastChunkBytes: SMALL }]);
  t.ok(new RecordStore(restored).chunk(attached.id, 1)!.equals(attached.data[1]!), 'the restored copy holds the chunks');
});

t.test('export, backup and the server refuse a database whose chunks file is missing, with a clear message', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  openDatabase(path).close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${chunksPath(path)}${suffix}`, { force: true });
  await t.rejects(exportDatabase(path, join(dir, 'x.bundle')), { message: new RegExp(`its attachments file ${chunksPath(path)} is missing`) });
  await t.rejects(backupDatabase(path, join(dir, 'x.sqlite')), { message: /its attachments file .* is missing/ });
  t.notOk(existsSync(join(dir, 'x.sqlite')), 'no partial backup left behind');
  // Nor does the server start on it (an empty chunks file would leave every attachment incomplete).
  t.throws(() => openDatabase(path), { message: /its attachments file .*tipline-chunks\.sqlite is missing or empty: restore it beside/ });
  t.throws(() => openDatabase(path), /missing or empty/, 'and again on the next start');
});

t.test('a migration cut off between its two steps (chunks copied, main file not yet changed) completes on the next open', async (t) => {
  const dir = tempDir(t);
  const done = join(dir, 'done.sqlite');
  const cut = join(dir, 'cut.sqlite');
  const old = schema6(done);
  const chunks = Array.from({ length: 5 }, () => randomBytes(SMALL));
  const uploads = chunks.map((data) => {
    const id = old.create(1, SMALL);
    old.put(id, 0, data);
    return id;
  });
  old.db.pragma('wal_checkpoint(TRUNCATE)');
  old.db.close();
  copyFileSync(done, cut);
  // The state a kill between the steps leaves: the main file still at schema 6 with its chunks,
  // and beside it a chunks file holding the committed copy (the one a full migration of the same database made).
  openDatabase(done).close();
  copyFileSync(chunksPath(done), chunksPath(cut));
  const copy = new Database(chunksPath(cut), { readonly: true });
  t.equal(copy.prepare('SELECT count(*) FROM upload_chunks').pluck().get(), 5, 'the copy is there');
  copy.close();

  const db = openDatabase(cut);
  t.teardown(() => db.close());
  t.equal(db.pragma('main.user_version', { simple: true }), MIGRATIONS.length, 'the migration completed');
  t.equal(db.prepare('SELECT count(*) FROM chunks.upload_chunks').pluck().get(), 5, 'each chunk once');
  const store = new UploadStore(db);
  uploads.forEach((id, i) => {
    t.same(store.status(id), { chunks: 1, missing: [] });
    t.ok(new RecordStore(db).chunk(id, 0)!.equals(chunks[i]!), 'byte for byte');
  });
  t.equal(db.pragma('chunks.integrity_check', { simple: true }), 'ok');
});
