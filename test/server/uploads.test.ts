// Attachments on the server: the upload API against a real app on a real SQLite file,
// real encrypted chunks, and one real server process killed with SIGKILL.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { buildApp } from '../../src/server/app.js';
import { CHUNKS_FILE, DATABASE_FILE, openDatabase, type Db } from '../../src/server/store/db.js';
import type { TipStore } from '../../src/server/store/tips.js';
import { UploadStore } from '../../src/server/store/uploads.js';
import { purgeExpired } from '../../src/server/store/retention.js';
import { uploadPowText } from '../../src/server/plugins/uploads.js';
import { UPLOADS_REFUSED } from '../../src/server/intake.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES, encryptFile, fileChunkCount, generateFileKey, lastChunkCiphertextLength } from '../../src/crypto/attachment.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { TEST_POW_BITS, editorKeys, httpCreateUpload, httpPutChunk, sealTip, solvedPow, solvedTipRequest, tempDir, testApp } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { conversationApp, cookieOf, createMailbox, login, newSource } from '../helpers/conversation.js';

const C = 1_048_576;

interface UploadApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: Db;
  store: TipStore;
  keys: Awaited<ReturnType<typeof editorKeys>>;
  logs: string[];
  clock: { now: number };
}

async function uploadApp(t: Test, uploads: { maxFileBytes?: number; maxFiles?: number; ttlHours?: number; minFreeBytes?: number } = {}): Promise<UploadApp> {
  const clock = { now: Date.parse('2026-03-01T10:00:00Z') };
  const env: Record<string, string> = {};
  if (uploads.maxFileBytes !== undefined) env.TIPLINE_MAX_FILE_BYTES = String(uploads.maxFileBytes);
  if (uploads.maxFiles !== undefined) env.TIPLINE_MAX_FILES = String(uploads.maxFiles);
  if (uploads.ttlHours !== undefined) env.TIPLINE_UPLOAD_TTL_HOURS = String(uploads.ttlHours);
  if (uploads.minFreeBytes !== undefined) env.TIPLINE_MIN_FREE_BYTES = String(uploads.minFreeBytes);
  const { app, db, store, keys, logs } = await testApp(t, { env, clock: () => clock.now });
  return { app, db, store, keys, logs, clock };
}

async function createUpload(app: UploadApp['app'], chunks: number, lastChunkBytes: number) {
  const pow = await solvedPow(app, uploadPowText(chunks, lastChunkBytes));
  return app.inject({ method: 'POST', url: '/api/uploads', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ chunks, lastChunkBytes, pow }) });
}

function putChunk(app: UploadApp['app'], id: string, index: number, data: Uint8Array) {
  return app.inject({ method: 'PUT', url: `/api/uploads/${id}/chunks/${index}`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(data) });
}

async function tipWithUploads(app: UploadApp['app'], keys: UploadApp['keys'], uploads: string[]) {
  const request = await solvedTipRequest(app, await sealTip([keys[0]!.publicKey], 'see the attached files'));
  return app.inject({ ...request, payload: JSON.stringify({ ...JSON.parse(request.payload), uploads }) });
}

/** An encrypted file of `size` random bytes, uploaded completely; returns its id and chunks. */
async function uploadFile(app: UploadApp['app'], size: number): Promise<{ id: string; chunks: Uint8Array[] }> {
  const file = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
  const chunks = await encryptFile(generateFileKey(), file);
  const res = await createUpload(app, chunks.length, chunks.at(-1)!.length);
  if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
  const id = res.json().upload as string;
  for (let i = 0; i < chunks.length; i++) {
    const put = await putChunk(app, id, i, chunks[i]!);
    if (put.statusCode !== 204) throw new Error(`put: ${put.statusCode} ${put.body}`);
  }
  return { id, chunks };
}

const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

t.test('create, put out of order, resume from the status, duplicates, attach to a tip', async (t) => {
  const { app, db, store, keys, logs } = await uploadApp(t);
  const size = 2 * C + 5000;
  const chunks = await encryptFile(generateFileKey(), new Uint8Array(size).fill(9));
  t.equal(chunks.length, fileChunkCount(size));
  t.equal(chunks.length, 3);

  t.equal((await createUpload(app, 3, 999)).statusCode, 400, 'a shape that is not a padded size class is refused');
  const noPow = await app.inject({ method: 'POST', url: '/api/uploads', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ chunks: 3, lastChunkBytes: chunks[2]!.length }) });
  t.equal(noPow.statusCode, 403, 'no proof of work, no upload');
  t.equal(count(db, 'uploads'), 0);

  const created = await createUpload(app, 3, lastChunkCiphertextLength(size));
  t.equal(created.statusCode, 201);
  const id = created.json().upload as string;
  t.match(id, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');

  t.equal((await putChunk(app, id, 2, chunks[2]!)).statusCode, 204, 'the last chunk first');
  t.same((await app.inject({ method: 'GET', url: `/api/uploads/${id}` })).json(), { chunks: 3, missing: [0, 1] });
  t.equal((await putChunk(app, id, 0, chunks[0]!)).statusCode, 204);
  t.same((await app.inject({ method: 'GET', url: `/api/uploads/${id}` })).json(), { chunks: 3, missing: [1] }, 'the client resumes with what is missing');

  // An incomplete upload cannot be attached: the tip is refused and nothing is stored.
  const early = await tipWithUploads(app, keys, [id]);
  t.equal(early.statusCode, 409);
  t.equal(early.json().error, UPLOADS_REFUSED);
  t.equal(store.count(), 0, 'no tip stored');

  t.equal((await putChunk(app, id, 1, chunks[1]!)).statusCode, 204);
  t.same((await app.inject({ method: 'GET', url: `/api/uploads/${id}` })).json(), { chunks: 3, missing: [] });

  // Duplicates: identical is fine, different is refused and overwrites nothing.
  t.equal((await putChunk(app, id, 1, chunks[1]!)).statusCode, 204, 'identical duplicate');
  const other = chunks[1]!.slice();
  other[0]! ^= 1;
  const conflict = await putChunk(app, id, 1, other);
  t.equal(conflict.statusCode, 409, 'different duplicate');
  const stored = db.prepare('SELECT data FROM upload_chunks WHERE upload_id = ? AND idx = 1').get(id) as { data: Buffer };
  t.equal(Buffer.compare(stored.data, Buffer.from(chunks[1]!)), 0, 'the stored chunk is unchanged');
  t.equal(count(db, 'upload_chunks'), 3);

  const tip = await tipWithUploads(app, keys, [id]);
  t.equal(tip.statusCode, 201, tip.body);
  t.equal(store.count(), 1);
  const link = db.prepare('SELECT tip_id FROM uploads WHERE id = ?').get(id) as { tip_id: string };
  t.equal(link.tip_id, store.all()[0]!.id, 'the upload is linked to the tip');

  const again = await tipWithUploads(app, keys, [id]);
  t.equal(again.statusCode, 409, 'an upload attaches to one tip only');
  t.equal(store.count(), 1, 'and the second tip was not stored');

  t.notMatch(logs.join(''), /1048592|chunks|upload/i, 'nothing about uploads or sizes is logged');
});

t.test('chunks of the wrong length, index or upload store nothing', async (t) => {
  const { app, db } = await uploadApp(t);
  const created = await createUpload(app, 2, 65536 + 16);
  t.equal(created.statusCode, 201, created.body);
  const id = created.json().upload as string;
  t.equal((await putChunk(app, id, 0, new Uint8Array(1000))).statusCode, 400, 'too short');
  t.equal((await putChunk(app, id, 1, new Uint8Array(1000))).statusCode, 400, 'last chunk of the wrong length');
  t.equal((await putChunk(app, id, 2, new Uint8Array(65536 + 16))).statusCode, 400, 'index out of range');
  t.equal((await putChunk(app, id, 0, new Uint8Array(FILE_CHUNK_CIPHERTEXT_BYTES + 1))).statusCode, 413, 'larger than any chunk');
  t.equal((await putChunk(app, 'A'.repeat(43), 0, new Uint8Array(FILE_CHUNK_CIPHERTEXT_BYTES))).statusCode, 404, 'unknown upload');
  t.equal((await putChunk(app, '../etc', 0, new Uint8Array(10))).statusCode, 404, 'not an id');
  t.equal((await app.inject({ method: 'GET', url: `/api/uploads/${'B'.repeat(43)}` })).statusCode, 404);
  const json = await app.inject({ method: 'PUT', url: `/api/uploads/${id}/chunks/0`, headers: { 'content-type': 'application/json' }, payload: '{}' });
  t.equal(json.statusCode, 415, 'chunks are octet streams');
  t.equal(count(db, 'upload_chunks'), 0);
});

t.test('oversize is refused before anything is stored; too many files refuses the tip', async (t) => {
  const { app, db, store, keys } = await uploadApp(t, { maxFileBytes: 3 * C, maxFiles: 2 });
  // 3 MiB of plaintext is allowed (its padded ciphertext); one size class above is not.
  const okSize = 3 * C;
  t.equal((await createUpload(app, fileChunkCount(okSize), lastChunkCiphertextLength(okSize))).statusCode, 201, 'at the limit');
  const bigSize = 4 * C;
  const big = await createUpload(app, fileChunkCount(bigSize), lastChunkCiphertextLength(bigSize));
  t.equal(big.statusCode, 413);
  t.equal(count(db, 'uploads'), 1, 'the oversize upload was not created');
  t.equal((await createUpload(app, 1, 16)).statusCode, 400, 'a last chunk shorter than a tag');
  t.equal((await createUpload(app, 1, FILE_CHUNK_CIPHERTEXT_BYTES + 1)).statusCode, 400, 'a last chunk longer than a chunk');

  const files = [await uploadFile(app, 10), await uploadFile(app, 20), await uploadFile(app, 30)];
  const tooMany = await tipWithUploads(
    app,
    keys,
    files.map((f) => f.id),
  );
  t.equal(tooMany.statusCode, 400, 'three files where two are allowed');
  t.equal(store.count(), 0);
  const twice = await tipWithUploads(app, keys, [files[0]!.id, files[0]!.id]);
  t.equal(twice.statusCode, 400, 'the same upload twice');
  const unknown = await tipWithUploads(app, keys, [files[0]!.id, 'C'.repeat(43)]);
  t.equal(unknown.statusCode, 409, 'an unknown upload refuses the tip');
  t.equal(store.count(), 0);
  t.equal(count(db, 'uploads WHERE tip_id IS NOT NULL'), 0, 'and links none of its uploads');
  t.equal((await tipWithUploads(app, keys, [files[0]!.id, files[1]!.id])).statusCode, 201);
});

t.test('stale uploads are purged; attached ones go with their tip', async (t) => {
  const { app, db, keys, clock } = await uploadApp(t, { ttlHours: 24 });
  const attached = await uploadFile(app, 100);
  const stale = await uploadFile(app, 200);
  const incomplete = (await createUpload(app, 1, 1040)).json().upload as string;
  t.equal((await tipWithUploads(app, keys, [attached.id])).statusCode, 201);
  const uploads = new UploadStore(db, () => clock.now);
  clock.now += 23 * 3_600_000;
  t.equal(uploads.purgeStale(24), 0, 'nothing before the TTL');
  clock.now += 2 * 3_600_000;
  t.equal(uploads.purgeStale(24), 2, 'the unattached ones (complete or not) after it');
  const left = (db.prepare('SELECT id FROM uploads').all() as { id: string }[]).map((r) => r.id);
  t.same(left, [attached.id]);
  t.notOk(left.includes(incomplete) || left.includes(stale.id));
  t.equal(count(db, 'upload_chunks'), 1, 'their chunks went with them');

  // The date backstop (npm run purge, and the hourly retention job): two days after the upload date.
  const fresh = await uploadFile(app, 300);
  const created = (db.prepare('SELECT created_on FROM uploads WHERE id = ?').get(fresh.id) as { created_on: string }).created_on;
  const policy = { days: 30, ackedDays: 7, uploadTtlHours: 24 };
  const dayAfter = new Date(Date.parse(created) + 86_400_000).toISOString().slice(0, 10);
  const twoDaysAfter = new Date(Date.parse(created) + 2 * 86_400_000).toISOString().slice(0, 10);
  t.equal(purgeExpired(db, policy, dayAfter).deleted.uploads, 0, 'kept the next day');
  t.equal(purgeExpired(db, policy, twoDaysAfter).deleted.uploads, 1, 'gone two days after');

  // Retention deletes the tip, and with it its upload and chunks.
  const farFuture = new Date(Date.parse(created) + 40 * 86_400_000).toISOString().slice(0, 10);
  const result = purgeExpired(db, policy, farFuture);
  t.equal(result.deleted.tips, 1);
  t.equal(count(db, 'uploads'), 0);
  t.equal(count(db, 'upload_chunks'), 0);
});

t.test('a nearly full disk refuses new uploads (507, nothing stored) and still takes tips', async (t) => {
  // More free space demanded than any test disk has: the real statfs says no.
  const { app, db, store, keys } = await uploadApp(t, { minFreeBytes: 2 ** 50 });
  const refused = await createUpload(app, 1, 1040);
  t.equal(refused.statusCode, 507);
  t.match(refused.json().error, /cannot take more files right now[\s\S]*send your message without it/);
  t.equal(refused.headers['retry-after'], '3600');
  t.equal(count(db, 'uploads'), 0, 'no upload was created');
  const tip = await app.inject(await solvedTipRequest(app, await sealTip([keys[0]!.publicKey], 'no files this time')));
  t.equal(tip.statusCode, 201, 'a tip without files is still accepted');
  t.equal(store.count(), 1);
});

t.test('free space counts what unattached uploads may still send', async (t) => {
  const dir = tempDir(t);
  const db = openDatabase(join(dir, DATABASE_FILE));
  t.teardown(() => db.close());
  let free = 100 * FILE_CHUNK_CIPHERTEXT_BYTES;
  const uploads = new UploadStore(db, Date.now, undefined, { freeBytes: () => free });
  const minFree = 10 * FILE_CHUNK_CIPHERTEXT_BYTES;
  t.ok(uploads.hasRoomFor(90 * FILE_CHUNK_CIPHERTEXT_BYTES, minFree), 'exactly the minimum left');
  t.notOk(uploads.hasRoomFor(90 * FILE_CHUNK_CIPHERTEXT_BYTES + 1, minFree), 'one byte more is refused');
  t.ok(uploads.hasRoomFor(Number.MAX_SAFE_INTEGER, 0), '0 turns the check off');
  // An unattached upload of 40 chunks with 10 stored still owes 30 chunks.
  const id = uploads.create(40, FILE_CHUNK_CIPHERTEXT_BYTES);
  for (let i = 0; i < 10; i++) t.equal(uploads.put(id, i, Buffer.alloc(FILE_CHUNK_CIPHERTEXT_BYTES, i)), 'stored');
  free -= 10 * FILE_CHUNK_CIPHERTEXT_BYTES; // what those chunks took
  t.ok(uploads.hasRoomFor(50 * FILE_CHUNK_CIPHERTEXT_BYTES, minFree), '90 - 30 owed - 50 = the minimum');
  t.notOk(uploads.hasRoomFor(51 * FILE_CHUNK_CIPHERTEXT_BYTES, minFree), 'the 30 owed chunks are counted');
  // Once it is deleted it owes nothing.
  uploads.discard(id);
  free += 10 * FILE_CHUNK_CIPHERTEXT_BYTES;
  t.ok(uploads.hasRoomFor(90 * FILE_CHUNK_CIPHERTEXT_BYTES, minFree), 'a discarded upload owes nothing');
});

t.test('configuration: one line per mistake', async (t) => {
  const dir = tempDir(t);
  const config = loadConfig({ TIPLINE_DATA_DIR: dir }, dir);
  t.same(config.uploads, { maxFileBytes: 2 ** 31, maxFiles: 10, ttlHours: 24, minFreeBytes: 2 ** 30 });
  t.same(loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_MAX_FILE_BYTES: '5000', TIPLINE_MAX_FILES: '0', TIPLINE_UPLOAD_TTL_HOURS: '2', TIPLINE_MIN_FREE_BYTES: '0' }, dir).uploads, {
    maxFileBytes: 5000,
    maxFiles: 0,
    ttlHours: 2,
    minFreeBytes: 0,
  });
  try {
    loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_MAX_FILE_BYTES: '2GB', TIPLINE_MAX_FILES: '101', TIPLINE_UPLOAD_TTL_HOURS: '0', TIPLINE_MIN_FREE_BYTES: '-1' }, dir);
    t.fail('accepted');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    const problems = [...(err as ConfigError).problems].sort();
    t.equal(problems.length, 4);
    t.match(problems[0], /^TIPLINE_MAX_FILES: "101"/);
    t.match(problems[1], /^TIPLINE_MAX_FILE_BYTES: "2GB"/);
    t.match(problems[2], /^TIPLINE_MIN_FREE_BYTES: "-1"/);
    t.match(problems[3], /^TIPLINE_UPLOAD_TTL_HOURS: "0"/);
  }
});

t.test('an acknowledged chunk survives SIGKILL of the real server', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(t, { TIPLINE_DATA_DIR: dir, TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS), TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS) });
  const size = C + 10;
  const chunks = await encryptFile(generateFileKey(), new Uint8Array(size).fill(1));
  const created = await httpCreateUpload(server.url, chunks.length, chunks.at(-1)!.length);
  t.equal(created.status, 201);
  const { upload } = (await created.json()) as { upload: string };
  const put = await httpPutChunk(server.url, upload, 0, chunks[0]!);
  t.equal(put.status, 204);
  server.child.kill('SIGKILL');
  t.equal((await server.exited).signal, 'SIGKILL');
  const db = new Database(join(dir, CHUNKS_FILE), { readonly: true });
  t.teardown(() => db.close());
  const row = db.prepare('SELECT data FROM upload_chunks WHERE upload_id = ? AND idx = 0').get(upload) as { data: Buffer } | undefined;
  t.ok(row, 'the chunk is in the chunks file');
  t.equal(Buffer.compare(row!.data, Buffer.from(chunks[0]!)), 0, 'byte for byte');
});

t.test('a follow-up carries uploads too (same rules)', async (t) => {
  const { app, db } = await conversationApp(t);
  const source = await newSource();
  t.equal((await createMailbox(app, source.keys)).statusCode, 201);
  const session = cookieOf(await login(app, source.keys));
  const editorsRow = db.prepare('SELECT count(*) AS n FROM tips');
  const { id } = await uploadFile(app as UploadApp['app'], 4000);
  const incomplete = (await createUpload(app as UploadApp['app'], 1, 1040)).json().upload as string;
  const keys = await editorKeys(1);
  const post = async (uploads: string[]) => {
    const text = toBase64Url(await sealTip([keys[0]!.publicKey], 'one more photo', 'followUp'));
    return app.inject({
      method: 'POST',
      url: '/api/mailbox/follow-ups',
      headers: { 'content-type': 'application/json', cookie: session },
      payload: JSON.stringify({ envelope: text, pow: await solvedPow(app, text), uploads }),
    });
  };
  t.equal((await post([id, incomplete])).statusCode, 409, 'an incomplete upload refuses the follow-up');
  t.equal((editorsRow.get() as { n: number }).n, 0, 'nothing stored');
  t.equal((await post([id])).statusCode, 201);
  const tipId = (db.prepare('SELECT id FROM tips').get() as { id: string }).id;
  t.equal((db.prepare('SELECT tip_id FROM uploads WHERE id = ?').get(id) as { tip_id: string }).tip_id, tipId);
});
