// Retention: tips are purged N days after receipt or M days after an editor's ack, whichever
// is first; purged ciphertext is gone from the database, its WAL and its shared-memory file.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { openDatabase, DATABASE_FILE, chunksPath, type Db } from '../../src/server/store/db.js';
import { TipStore } from '../../src/server/store/tips.js';
import { PURGES, daysBefore, purgeExpired } from '../../src/server/store/retention.js';
import retentionPlugin from '../../src/server/plugins/retention.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { editorKeys, sealTip, tempDir } from '../helpers/fixtures.js';

const run = promisify(execFile);

function open(t: Parameters<typeof tempDir>[0]): { db: Db; path: string; dir: string } {
  const dir = tempDir(t);
  const path = join(dir, DATABASE_FILE);
  const db = openDatabase(path);
  t.teardown(() => {
    if (db.open) db.close();
  });
  return { db, path, dir };
}

function ack(db: Db, id: string, date: string): void {
  db.prepare('UPDATE tips SET acked_on = ? WHERE id = ?').run(date, id);
}

function ids(db: Db): string[] {
  return (db.prepare('SELECT id FROM tips ORDER BY id').all() as { id: string }[]).map((r) => r.id);
}

function contains(haystack: Buffer, needle: Uint8Array): boolean {
  return haystack.indexOf(Buffer.from(needle)) !== -1;
}

t.test('daysBefore counts whole UTC days across months and leap days', async (t) => {
  t.equal(daysBefore('2028-03-01', 1), '2028-02-29');
  t.equal(daysBefore('2027-01-05', 30), '2026-12-06');
  t.equal(daysBefore('2026-11-28', 0), '2026-11-28');
  t.throws(() => daysBefore('28.11.2026', 1), /not a date/);
});

t.test('a tip is purged N days after receipt or M days after its ack, whichever is first', async (t) => {
  const { db } = open(t);
  const keys = await editorKeys(1);
  let clock = '2026-01-01';
  const store = new TipStore(db, () => clock);
  const policy = { days: 30, ackedDays: 7 };
  const add = async () => store.add(await sealTip([keys[0]!.publicKey], 'x'));
  const neverAcked = await add();
  const ackedEarly = await add();
  clock = '2026-01-20';
  const ackedLate = await add(); // received 01-20, acked 02-15: 30 days after receipt comes first
  const fresh = await add();
  ack(db, ackedEarly, '2026-01-02');
  ack(db, ackedLate, '2026-02-15');

  t.equal(purgeExpired(db, policy, '2026-01-08').deleted.tips, 0, 'day 7 after receipt, day 6 after ack: nothing due');
  t.equal(purgeExpired(db, policy, '2026-01-09').deleted.tips, 1, '7 days after its ack');
  t.notOk(ids(db).includes(ackedEarly));
  t.equal(purgeExpired(db, policy, '2026-01-30').deleted.tips, 0, '29 days after receipt: kept');
  t.equal(purgeExpired(db, policy, '2026-01-31').deleted.tips, 1, '30 days after receipt');
  t.same(ids(db).sort(), [ackedLate, fresh].sort());
  t.equal(purgeExpired(db, policy, '2026-02-19').deleted.tips, 2, '30 days after receipt, before 7 days after the late ack');
  t.same(ids(db), []);
  t.ok(neverAcked);
});

t.test('purged ciphertext is overwritten: not in the database, the WAL or the shm file', async (t) => {
  const { db, path } = open(t);
  const keys = await editorKeys(2);
  let clock = '2026-03-01';
  const store = new TipStore(db, () => clock);
  const doomed = await Promise.all(
    [1, 2, 3].map((i) =>
      sealTip(
        keys.map((k) => k.publicKey),
        `purge me ${i} `.repeat(200),
      ),
    ),
  );
  for (const envelope of doomed) await store.add(envelope);
  clock = '2026-03-20';
  const kept = await sealTip(
    keys.map((k) => k.publicKey),
    'keep me',
  );
  await store.add(kept);

  t.equal(db.pragma('secure_delete', { simple: true }), 1, 'secure_delete is on');
  const files = [path, `${path}-wal`, `${path}-shm`];
  const everything = () => Buffer.concat(files.filter(existsSync).map((f) => readFileSync(f)));
  // Samples of each envelope: its start (header and stanzas) and pieces of its payload.
  const samples = (e: Uint8Array) => [e.subarray(0, 64), e.subarray(1200, 1264), e.subarray(e.length - 64)];
  for (const envelope of doomed) for (const s of samples(envelope)) t.ok(contains(everything(), s), 'before the purge the ciphertext is on disk');

  const result = purgeExpired(db, { days: 30, ackedDays: 7 }, '2026-04-01');
  t.equal(result.deleted.tips, 3);
  t.ok(result.walTruncated, 'the WAL was checkpointed and truncated');
  t.equal(statSync(`${path}-wal`).size, 0, 'the WAL file is empty');
  const disk = everything();
  for (const envelope of doomed) for (const s of samples(envelope)) t.notOk(contains(disk, s), 'no sample of a purged envelope survives');
  for (const s of samples(kept)) t.ok(contains(disk, s), 'the kept tip is still there');
  t.same(
    store.all().map((r) => r.envelope),
    [kept],
  );
});

t.test('the database and its WAL and shm files are mode 0600', async (t) => {
  const { db, path } = open(t);
  await new TipStore(db).add(await sealTip([(await editorKeys(1))[0]!.publicKey], 'x'));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) t.equal(statSync(file).mode & 0o777, 0o600, `${file.slice(path.length - DATABASE_FILE.length)} is 0600`);
  const chunks = chunksPath(path);
  for (const file of [chunks, `${chunks}-wal`, `${chunks}-shm`]) t.equal(statSync(file).mode & 0o777, 0o600, `${file.slice(dirname(path).length + 1)} is 0600`);
});

t.test('the PURGES list is the extension point: every entry runs in one transaction', async (t) => {
  const { db } = open(t);
  db.exec('CREATE TABLE extra (id TEXT PRIMARY KEY, received_on TEXT NOT NULL, acked_on TEXT) STRICT');
  db.prepare('INSERT INTO extra VALUES (?, ?, ?)').run('a', '2026-01-01', null);
  db.prepare('INSERT INTO extra VALUES (?, ?, ?)').run('b', '2026-01-30', '2026-01-30');
  db.prepare('INSERT INTO extra VALUES (?, ?, ?)').run('c', '2026-01-30', null);
  const purges = [...PURGES, { name: 'extra', sql: 'DELETE FROM extra WHERE received_on <= @received OR acked_on <= @acked' }];
  t.match(purgeExpired(db, { days: 30, ackedDays: 7 }, '2026-02-06', purges).deleted, { tips: 0, extra: 2 });
  const broken = [...PURGES, { name: 'bad', sql: 'DELETE FROM no_such_table' }];
  t.throws(() => purgeExpired(db, { days: 1, ackedDays: 1 }, '2030-01-01', broken), /no such table/, 'a bad statement fails the run');
  t.equal((db.prepare('SELECT count(*) AS n FROM extra').get() as { n: number }).n, 1);
});

t.test('the server purges when ready and on its schedule, and stops when closed', async (t) => {
  const { db } = open(t);
  const keys = await editorKeys(1);
  let clock = '2026-05-01';
  const store = new TipStore(db, () => clock);
  const first = await store.add(await sealTip([keys[0]!.publicKey], 'old'));
  clock = '2026-06-10';
  const app = Fastify({ logger: false });
  await app.register(retentionPlugin, { db, tips: store, policy: { days: 30, ackedDays: 7 }, today: () => clock, intervalMs: 20 });
  await app.ready();
  t.notOk(ids(db).includes(first), 'purged at start-up');

  const second = await store.add(await sealTip([keys[0]!.publicKey], 'newer'));
  t.same(ids(db), [second]);
  clock = '2026-07-10'; // fast-forward 30 days: the next scheduled run purges it
  const deadline = Date.now() + 10_000;
  while (ids(db).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(ids(db), [], 'purged by the scheduled run');

  await app.close();
  clock = '2026-06-10';
  const third = await store.add(await sealTip([keys[0]!.publicKey], 'after close'));
  clock = '2027-01-01';
  await new Promise((r) => setTimeout(r, 200));
  t.same(ids(db), [third], 'no purge runs after close');
});

t.test('a failed scheduled purge is logged and the server keeps running', async (t) => {
  const { db } = open(t);
  const lines: string[] = [];
  const app = Fastify({ logger: { level: 'error', stream: { write: (l: string) => lines.push(l) } } });
  await app.register(retentionPlugin, { db, tips: new TipStore(db), policy: { days: 30, ackedDays: 7 }, today: () => 'not a date' });
  await app.ready();
  t.match(lines.join(''), /retention purge failed/);
  await app.close();
});

t.test('retention settings are validated, one line per mistake', async (t) => {
  const dir = tempDir(t);
  const ok = loadConfig({ TIPLINE_DATA_DIR: dir }, dir);
  t.equal(ok.retentionDays, 30);
  t.equal(ok.retentionAckedDays, 7);
  const set = loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_RETENTION_DAYS: '90', TIPLINE_RETENTION_ACKED_DAYS: '1' }, dir);
  t.same([set.retentionDays, set.retentionAckedDays], [90, 1]);
  for (const bad of ['0', '-1', '7.5', 'seven', '', '3651', '1e3']) {
    try {
      loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_RETENTION_DAYS: bad, TIPLINE_RETENTION_ACKED_DAYS: bad }, dir);
      t.fail(`"${bad}" accepted`);
    } catch (err) {
      t.ok(err instanceof ConfigError);
      t.same(
        (err as ConfigError).problems.map((p) => p.split(':')[0]),
        ['TIPLINE_RETENTION_DAYS', 'TIPLINE_RETENTION_ACKED_DAYS'],
        `"${bad}": one line each`,
      );
    }
  }
});

t.test('npm run purge deletes expired tips from a database file', async (t) => {
  const { db, path, dir } = open(t);
  const keys = await editorKeys(1);
  const store = new TipStore(db, () => '2020-01-01');
  await store.add(await sealTip([keys[0]!.publicKey], 'ancient'));
  const recent = await new TipStore(db).add(await sealTip([keys[0]!.publicKey], 'today'));
  db.close();
  const purge = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/purge.ts', ...args], { cwd: ROOT, env: childEnv(env) }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const done = await purge(['--db', path]);
  t.equal(done.code, 0, done.stderr);
  t.match(done.stdout, /^purged 1 from tips(, \d+ from \w+)* \(retention 30 days, 7 after acknowledgement\)/);
  const check = openDatabase(path);
  t.same(ids(check), [recent]);
  check.close();

  const usage = await purge([]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^tipline purge: usage: npm run purge -- --db/);
  t.equal((await purge(['--db', path, '--extra'])).code, 2);
  const badEnv = await purge(['--db', path], { TIPLINE_RETENTION_DAYS: 'x' });
  t.equal(badEnv.code, 2);
  t.match(badEnv.stderr, /TIPLINE_RETENTION_DAYS/);
  const missing = await purge(['--db', join(dir, 'typo.sqlite')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^tipline purge: no database at .*typo\.sqlite\n$/);
  t.notOk(existsSync(join(dir, 'typo.sqlite')), 'no empty database is created');
});
