// Storage order (THREAT-MODEL T6): an adversary who seizes the database file and knows
// when some records arrived (canary tips) must not be able to date the others from where their
// bytes lie in the file. The attack as the adversary runs it: scan the raw file for each
// record's bytes, page = offset / page size, Spearman's rank correlation with arrival order.
// Before maintenance it dates everything (ρ ≈ 1); after a maintenance run it must find nothing.
// Attachment chunks have their own file (store/db.ts): the attack scans that one for them.
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../../src/crypto/attachment.js';
import { TipStore } from '../../src/server/store/tips.js';
import { UploadStore } from '../../src/server/store/uploads.js';
import { CHUNKS_PAGE_SIZE, chunksPath } from '../../src/server/store/db.js';
import { DeskEventStore } from '../../src/server/store/desk-events.js';
import { purgeExpired, runMaintenance } from '../../src/server/store/retention.js';
import { conversationApp, createMailbox, newSource } from '../helpers/conversation.js';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';
import { sealTip, solvedTipRequest } from '../helpers/fixtures.js';

const run = promisify(execFile);
const POLICY = { days: 30, ackedDays: 7 };
/** A one-chunk file's ciphertext length that Padmé produces (a 4 KiB file, padded). */
const SMALL_CHUNK = 4096 + 16;
/** One that overflows a 64 KiB page of the chunks file (a 64 KiB file, which Padmé keeps as it is): its overflow page is allocated when it arrives. */
const PAGE_CHUNK = 65536 + 16;
/** Bytes of such a chunk that lie in its overflow page. */
const inOverflow = (data: Uint8Array) => data.subarray(30_000, 30_032);

/** Average ranks (ties share their mean rank). */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}

/** Spearman's ρ: Pearson's correlation of the ranks. */
function spearman(x: number[], y: number[]): number {
  const [rx, ry] = [ranks(x), ranks(y)];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** The attacker's view: the raw database file (the WAL checked separately). */
class RawFile {
  readonly bytes: Buffer;
  readonly pageSize: number;
  constructor(path: string) {
    this.bytes = readFileSync(path);
    this.pageSize = this.bytes.readUInt16BE(16) === 1 ? 65536 : this.bytes.readUInt16BE(16);
  }
  /** The page holding `needle`, which must occur exactly once (no stale copy anywhere). */
  page(needle: Uint8Array): number {
    const at = this.bytes.indexOf(needle);
    if (at < 0) throw new Error('record not found in the file');
    if (this.bytes.lastIndexOf(needle) !== at) throw new Error('record found twice in the file');
    return Math.floor(at / this.pageSize);
  }
  /**
   * The overflow pages of same-size rows (`rows`: their payloads), without scanning the file once
   * per row (hundreds of MiB): an overflow page starts with a 4-byte link, then the payload from
   * a fixed offset for rows of one size. That offset comes from one scan for the first row.
   */
  overflowPages(rows: Uint8Array[]): number[] {
    const probe = inOverflow(rows[0]!);
    const at = this.bytes.indexOf(probe);
    if (at < 0) throw new Error('record not found in the file');
    const from = probe.byteOffset - rows[0]!.byteOffset - (at % this.pageSize) + 4;
    const key = (bytes: Uint8Array, offset: number) => Buffer.from(bytes.buffer, bytes.byteOffset + offset, 16).toString('hex');
    const pages = new Map<string, number>();
    for (let page = 0; (page + 1) * this.pageSize <= this.bytes.length; page++) {
      const k = key(this.bytes, page * this.pageSize + 4);
      pages.set(k, pages.has(k) ? -1 : page);
    }
    return rows.map((row) => {
      const page = pages.get(key(row, from));
      if (page === undefined) throw new Error('record not found in the file');
      if (page < 0) throw new Error('record found twice in the file');
      return page;
    });
  }
}

/** Bytes of an envelope that lie in one page: its start (in the b-tree cell) and its end (in an overflow page). */
const head = (e: Uint8Array) => e.subarray(200, 232);
const tail = (e: Uint8Array) => e.subarray(e.length - 40, e.length - 8);

t.test('after maintenance the file no longer orders tips and attachment chunks by arrival', async (t) => {
  const { db, keys } = await conversationApp(t);
  const path = db.name;
  const tips = new TipStore(db);
  const uploads = new UploadStore(db);
  // 1500 tips, 10 at a time (one group commit each): with n = 1500 a true ρ of 0 gives
  // |ρ| >= 0.1 with probability about 1e-4 (ρ·√(n−1) is about standard normal); with the 300
  // tips it first used it would fail one run in twelve.
  const N = 1500;
  const envelopes: Uint8Array[] = [];
  const ids: string[] = [];
  for (let i = 0; i < N; i += 10) {
    const group = await Promise.all(Array.from({ length: 10 }, (_, k) => sealTip([keys[0]!.publicKey], `tip number ${i + k}`)));
    envelopes.push(...group);
    ids.push(...(await Promise.all(group.map((e) => tips.add(e)))));
  }
  // 1500 one-chunk attachments (each chunk its own commit, as the uploads API stores them), and
  // a few full 1 MiB chunks so the mixing also moves large rows. (Smaller chunks fit in a 64 KiB
  // b-tree page, where their random rowids already put them: the attack needs overflow pages.)
  const chunks: { upload: string; data: Buffer }[] = [];
  for (let i = 0; i < N; i++) {
    const upload = uploads.create(1, PAGE_CHUNK);
    const data = randomBytes(PAGE_CHUNK);
    t.equal(uploads.put(upload, 0, data), 'stored');
    chunks.push({ upload, data });
  }
  const big: { upload: string; data: Buffer[] }[] = [];
  for (let i = 0; i < 6; i++) {
    const upload = uploads.create(2, SMALL_CHUNK);
    const data = [randomBytes(FILE_CHUNK_CIPHERTEXT_BYTES), randomBytes(SMALL_CHUNK)];
    data.forEach((d, index) => {
      uploads.put(upload, index, d);
    });
    big.push({ upload, data });
  }
  const arrival = Array.from({ length: N }, (_, i) => i);
  const tipArrival = arrival.map((i) => Math.floor(i / 10));
  /** How closely the pages of tips (their cells, their overflow) in the file and of chunks in the chunks file follow arrival (ρ). */
  const order = (file: RawFile, chunkFile: RawFile) => ({
    head: spearman(
      tipArrival,
      envelopes.map((e) => file.page(head(e))),
    ),
    tail: spearman(
      tipArrival,
      envelopes.map((e) => file.page(tail(e))),
    ),
    chunks: spearman(arrival, chunkFile.overflowPages(chunks.map((c) => c.data))),
  });

  // The old maintenance (purge + WAL checkpoint) leaves arrival order in the file: the attack works.
  purgeExpired(db, POLICY);
  let file = new RawFile(path);
  let chunkFile = new RawFile(chunksPath(path));
  t.equal(chunkFile.pageSize, CHUNKS_PAGE_SIZE, 'the chunks file has 64 KiB pages');
  t.equal(file.bytes.indexOf(inOverflow(chunks[0]!.data)), -1, 'and no chunk is in the main file');
  const before = order(file, chunkFile);
  t.comment(`before maintenance: ρ tips (cell) ${before.head.toFixed(3)}, tips (overflow) ${before.tail.toFixed(3)}, chunks ${before.chunks.toFixed(3)}`);
  t.ok(before.tail > 0.9, 'before: overflow pages of tips lie in arrival order');
  t.ok(before.chunks > 0.9, 'before: chunks lie in arrival order');

  const result = await runMaintenance(db, POLICY);
  t.equal(result.mixed.chunks, N + 12, 'every new chunk was moved');
  t.ok(result.walTruncated);
  t.equal(statSync(`${path}-wal`).size, 0, 'the WAL holds nothing afterwards');
  t.equal(statSync(`${chunksPath(path)}-wal`).size, 0, "nor does the chunks file's WAL");
  file = new RawFile(path);
  chunkFile = new RawFile(chunksPath(path));
  const after = order(file, chunkFile);
  t.comment(`after maintenance:  ρ tips (cell) ${after.head.toFixed(3)}, tips (overflow) ${after.tail.toFixed(3)}, chunks ${after.chunks.toFixed(3)}`);
  t.ok(Math.abs(after.head) < 0.1, 'after: tips (their b-tree cells) in no arrival order');
  t.ok(Math.abs(after.tail) < 0.1, 'after: tips (their overflow pages) in no arrival order');
  t.ok(Math.abs(after.chunks) < 0.1, 'after: chunks in no arrival order');
  const bigPages = big.map((b) => chunkFile.page(b.data[0]!.subarray(500_000, 500_032)));
  t.equal(new Set(bigPages).size, bigPages.length, 'large chunks found once each');

  // Nothing lost or corrupted.
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  t.equal(db.pragma('chunks.integrity_check', { simple: true }), 'ok');
  t.same(db.pragma('foreign_key_check'), []);
  t.equal(db.prepare('SELECT count(*) FROM chunks.fresh_chunks').pluck().get(), 0, 'no chunk is waiting to be mixed');
  const stored = new Map(tips.all().map((tip) => [tip.id, tip.envelope]));
  t.equal(stored.size, N);
  let intact = 0;
  for (let i = 0; i < N; i++) if (Buffer.from(stored.get(ids[i]!)!).equals(envelopes[i]!)) intact++;
  t.equal(intact, N, 'every tip is byte for byte what was stored');
  const opened = await openEnvelope(stored.get(ids[N - 1]!)!, keys[0]!.seed);
  t.match(new TextDecoder().decode(opened.body), `tip number ${N - 1}`, 'and decrypts');
  const chunk = db.prepare('SELECT data FROM upload_chunks WHERE upload_id = ? AND idx = ?');
  let same = 0;
  for (const c of chunks) if ((chunk.get(c.upload, 0) as { data: Buffer }).data.equals(c.data)) same++;
  for (const b of big)
    b.data.forEach((d, i) => {
      if ((chunk.get(b.upload, i) as { data: Buffer }).data.equals(d)) same++;
    });
  t.equal(same, N + 12, 'every chunk is under its own upload and index, byte for byte');
  for (const c of chunks.slice(0, 20)) t.same(uploads.status(c.upload), { chunks: 1, missing: [] });

  // A second batch arrives and is mixed among the first: only 2 chunks are rewritten per new
  // chunk, yet the new ones spread over the whole file, not its end.
  const second: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const upload = uploads.create(1, PAGE_CHUNK);
    const data = randomBytes(PAGE_CHUNK);
    uploads.put(upload, 0, data);
    second.push(data);
  }
  t.equal((await runMaintenance(db, POLICY)).mixed.chunks, 300);
  chunkFile = new RawFile(chunksPath(path));
  const firstPages = chunkFile.overflowPages(chunks.map((c) => c.data));
  const secondPages = chunkFile.overflowPages(second);
  const all = [...firstPages, ...secondPages];
  const rho = spearman([...firstPages.map(() => 0), ...secondPages.map(() => 1)], all);
  t.comment(`second batch: ρ(batch, page) ${rho.toFixed(3)}`);
  t.ok(Math.abs(rho) < 0.1, 'the second batch is not at the end of the file');
});

t.test("a mailbox is not stored next to its source's first tip after maintenance", async (t) => {
  const { app, db, keys } = await conversationApp(t);
  const M = 60;
  const sources: { kem: Uint8Array; envelope: Uint8Array }[] = [];
  for (let i = 0; i < M; i++) {
    const source = await newSource();
    t.equal((await createMailbox(app, source.keys)).statusCode, 201);
    const envelope = await sealTip([keys[0]!.publicKey], `first tip of source ${i}`);
    t.equal((await app.inject(await solvedTipRequest(app, envelope))).statusCode, 201);
    sources.push({ kem: source.keys.kemPublicKey, envelope });
  }
  const adjacent = () => {
    const file = new RawFile(db.name);
    // A mailbox row (1.3 kB) spills into an overflow page allocated when it was created: the
    // end of its KEM public key is there. The tip's first overflow page holds its tail.
    return sources.filter((s) => Math.abs(file.page(s.kem.subarray(-32)) - file.page(tail(s.envelope))) <= 2).length;
  };
  purgeExpired(db, POLICY);
  const before = adjacent();
  await runMaintenance(db, POLICY);
  const after = adjacent();
  t.comment(`mailbox within two pages of its source's tip: ${before} of ${M} before, ${after} of ${M} after`);
  t.ok(before >= M / 2, 'before: the attack links most mailboxes to their tips');
  t.ok(after <= M / 6, 'after: no more than chance');
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

t.test('after maintenance the file no longer orders desk events by arrival (T58)', async (t) => {
  const { db } = await conversationApp(t);
  const events = new DeskEventStore(db);
  // Opaque to the store: envelope-sized random bytes (a desk event for two editors is about
  // 2.4 kB), 10 per upload as a desk's outbox sends them; the same statistics as for tips above.
  const N = 1500;
  const stored: { id: string; envelope: Uint8Array }[] = [];
  for (let i = 0; i < N; i += 10) {
    const upload = Array.from({ length: 10 }, () => ({ id: randomBytes(16).toString('hex'), envelope: new Uint8Array(randomBytes(2400)) }));
    events.add(upload);
    stored.push(...upload);
  }
  const arrival = stored.map((_, i) => Math.floor(i / 10));
  purgeExpired(db, POLICY);
  let file = new RawFile(db.name);
  const before = spearman(
    arrival,
    stored.map((e) => file.page(tail(e.envelope))),
  );
  await runMaintenance(db, POLICY);
  file = new RawFile(db.name);
  const after = spearman(
    arrival,
    stored.map((e) => file.page(tail(e.envelope))),
  );
  const cells = spearman(
    arrival,
    stored.map((e) => file.page(head(e.envelope))),
  );
  t.comment(`desk events: ρ before ${before.toFixed(3)}, after ${after.toFixed(3)} (overflow), ${cells.toFixed(3)} (cells)`);
  t.ok(before > 0.9, 'before: desk events lie in arrival order');
  t.ok(Math.abs(after) < 0.1, 'after: desk events (their overflow pages) in no arrival order');
  t.ok(Math.abs(cells) < 0.1, 'after: desk events (their b-tree cells) in no arrival order');
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const back = new Map(events.since(undefined, undefined, N + 1).map((e) => [e.id, e.envelope]));
  t.equal(back.size, N);
  t.ok(
    stored.every((e) => Buffer.from(back.get(e.id)!).equals(e.envelope)),
    'every event byte for byte under its id',
  );
});

t.test('tips arriving while maintenance runs are stored, durable and then mixed in turn', async (t) => {
  const { app, db, store, keys } = await conversationApp(t);
  const uploads = new UploadStore(db);
  for (let i = 0; i < 200; i++) uploads.put(uploads.create(1, SMALL_CHUNK), 0, randomBytes(SMALL_CHUNK));
  const envelopes = await Promise.all(Array.from({ length: 20 }, (_, i) => sealTip([keys[0]!.publicKey], `during maintenance ${i}`)));
  const requests = await Promise.all(envelopes.map((e) => solvedTipRequest(app, e)));
  // The server's own run (plugins/retention.ts): between its transactions it yields to the event
  // loop and lets the tip store's writer thread commit what arrived.
  let finished = false;
  const pause = () => new Promise((resolve) => setImmediate(resolve)).then(() => store.settled());
  const maintenance = runMaintenance(db, POLICY, undefined, pause).then((r) => {
    finished = true;
    return r;
  });
  let answeredDuring = 0;
  const responses = await Promise.all(
    requests.map(async (request) => {
      const response = await app.inject(request);
      if (!finished) answeredDuring++;
      return response;
    }),
  );
  await maintenance;
  t.same(
    responses.map((r) => r.statusCode),
    envelopes.map(() => 201),
    'every tip acknowledged, none refused',
  );
  t.ok(answeredDuring > 0, `${answeredDuring} of 20 tips were acknowledged before the run ended`);
  const stored = new Set(new TipStore(db).all().map((tip) => Buffer.from(tip.envelope).toString('hex')));
  t.ok(
    envelopes.every((e) => stored.has(Buffer.from(e).toString('hex'))),
    'all of them are stored',
  );
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

t.test('npm run purge mixes a database while the server keeps storing tips in it', async (t) => {
  const { app, db, keys } = await conversationApp(t);
  const tips = new TipStore(db);
  const before: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    const envelope = await sealTip([keys[0]!.publicKey], `before ${i}`);
    before.push(envelope);
    await tips.add(envelope);
  }
  const purge = run(process.execPath, ['--import', 'tsx', 'scripts/purge.ts', '--db', db.name], { cwd: ROOT, env: childEnv() });
  const during: Uint8Array[] = [];
  const codes: number[] = [];
  let purgeDone = false;
  void purge.finally(() => (purgeDone = true)).catch(() => {});
  while (!purgeDone) {
    const envelope = await sealTip([keys[0]!.publicKey], `during ${during.length}`);
    codes.push((await app.inject(await solvedTipRequest(app, envelope))).statusCode);
    during.push(envelope);
  }
  const { stdout } = await purge;
  t.match(stdout, /purged/);
  t.ok(
    codes.every((c) => c === 201),
    `${codes.length} tips sent while the purge ran, all acknowledged`,
  );
  const stored = new Set(tips.all().map((tip) => Buffer.from(tip.envelope).toString('hex')));
  t.ok(
    [...before, ...during].every((e) => stored.has(Buffer.from(e).toString('hex'))),
    'nothing lost',
  );
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});
