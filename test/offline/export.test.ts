// Export on the server host: a real SQLite file in WAL mode (the lead's openDatabase), real
// sealed tips, the real command as a child process — while another connection holds a write
// transaction open, as the running server may.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/fixtures.js';
import { encodeBody } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { generateEditorKeyPair } from '../../src/crypto/keys.js';
import { DATABASE_FILE, openDatabase } from '../../src/server/store/db.js';
import { TipStore, randomId, utcDate } from '../../src/server/store/tips.js';
import { ExportError, exportDatabase } from '../../src/server/store/export.js';
import type { TipRecord } from '../../src/crypto/bundle.js';
import { readVerifiedRecords, verifyBundle } from '../../src/offline/bundle.js';
import { decryptBundle } from '../../src/offline/decrypt.js';
import { runTsx, type Run } from '../helpers/cli.js';

function exportCli(args: string[]): Promise<Run> {
  return runTsx('export', args);
}

async function records(path: string): Promise<TipRecord[]> {
  const v = await verifyBundle(path);
  if (v.problems.length) throw new Error(`bundle problems: ${JSON.stringify(v.problems)}`);
  const out: TipRecord[] = [];
  for await (const item of readVerifiedRecords(path, v)) if (item.kind === 'record') out.push(item.record);
  return out;
}

t.test('export does not wait for the server: it runs while a write transaction is open', async (t) => {
  const dir = tempDir(t, 'tipline-export-');
  const dbPath = join(dir, DATABASE_FILE);
  const key = await generateEditorKeyPair();
  const seal = async (message: string) => sealEnvelope({ kind: 'tip', recipients: [key.publicKey], body: encodeBody({ v: 1, message, clientTime: new Date().toISOString() }) });

  const server = openDatabase(dbPath);
  t.teardown(() => server.close());
  t.equal(server.pragma('journal_mode', { simple: true }), 'wal');
  const store = new TipStore(server);
  const messages = ['first tip', 'second tip', 'третий'];
  const ids = [];
  for (const m of messages) ids.push(await store.add(await seal(m)));

  // The "server" now holds a write transaction with an uncommitted tip.
  const pendingId = randomId();
  server.exec('BEGIN IMMEDIATE');
  server.prepare('INSERT INTO tips (id, received_on, envelope) VALUES (?, ?, ?)').run(pendingId, utcDate(), await seal('not yet committed'));
  const probe = new Database(dbPath, { timeout: 0 });
  t.teardown(() => probe.close());
  t.throws(() => probe.exec('BEGIN IMMEDIATE'), { code: 'SQLITE_BUSY' }, 'the write lock really is held');

  const out = join(dir, 'tips.bundle');
  const result = await exportCli(['--db', dbPath, '--out', out]);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, `exported 3 tips to ${out}\n`);
  t.equal(result.stderr, '');
  t.ok(server.inTransaction, 'the server transaction was never disturbed');
  t.equal(statSync(out).mode & 0o777, 0o600);
  t.same(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file left',
  );

  const exported = await records(out);
  t.same(
    exported.map((r) => r.id),
    [...ids].sort(),
    'every committed tip, ordered by id, and not the uncommitted one',
  );
  t.ok(exported.every((r) => r.received === utcDate()));
  const stored = store.all();
  t.same(
    exported.map((r) => Buffer.from(r.envelope).toString('hex')),
    stored.filter((s) => s.id !== pendingId).map((s) => Buffer.from(s.envelope).toString('hex')),
    'the ciphertext byte for byte',
  );

  // The bundle decrypts to what was sent.
  const summary = await decryptBundle({ bundlePath: out, outDir: join(dir, 'plain'), key });
  t.equal(summary.decrypted.length, 3);
  const texts = summary.decrypted.map((f) => readFileSync(join(dir, 'plain', f, 'message.txt'), 'utf8')).sort();
  t.same(texts, [...messages].sort());

  server.exec('COMMIT');
  const out2 = join(dir, 'after-commit.bundle');
  t.same(await exportDatabase(dbPath, out2), { count: 4 });
  t.ok((await records(out2)).some((r) => r.id === pendingId));
});

t.test('export errors are one clear line', async (t) => {
  const dir = tempDir(t, 'tipline-export-');
  const dbPath = join(dir, DATABASE_FILE);
  const db = openDatabase(dbPath);
  db.close();
  const oneLine = (r: Run, code: number, pattern: RegExp) => {
    t.equal(r.code, code, r.stderr);
    t.equal(r.stdout, '');
    t.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    t.match(r.stderr, pattern);
  };
  oneLine(await exportCli(['--db', dbPath]), 2, /^tipline export: usage: npm run export -- --db/);
  oneLine(await exportCli(['--db', dbPath, '--out', 'x', '--force']), 2, /^tipline export: Unknown option '--force'/);
  oneLine(await exportCli(['--db', join(dir, 'missing.sqlite'), '--out', join(dir, 'a.bundle')]), 1, /^tipline export: no database at .*missing\.sqlite$/m);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not a database, but it is long enough to have a header of some kind '.repeat(20));
  oneLine(await exportCli(['--db', text, '--out', join(dir, 'b.bundle')]), 1, /notes\.txt is not a SQLite database/);
  oneLine(await exportCli(['--db', dir, '--out', join(dir, 'c.bundle')]), 1, /is not a database file/);
  const other = join(dir, 'other.sqlite');
  const otherDb = new Database(other);
  otherDb.exec('CREATE TABLE notes (x TEXT)');
  otherDb.close();
  oneLine(await exportCli(['--db', other, '--out', join(dir, 'd.bundle')]), 1, /has no tips table: is it a Tipline database\?/);
  const existing = join(dir, 'existing.bundle');
  writeFileSync(existing, 'keep me');
  oneLine(await exportCli(['--db', dbPath, '--out', existing]), 1, /existing\.bundle already exists; refusing to overwrite it/);
  t.equal(readFileSync(existing, 'utf8'), 'keep me');
  oneLine(await exportCli(['--db', dbPath, '--out', join(dir, 'no-dir', 'e.bundle')]), 1, /cannot write in .*no-dir \(ENOENT\)/);
  oneLine(await exportCli(['--db', dbPath, '--out', join(text, 'f.bundle')]), 1, /cannot write in .*notes\.txt \(ENOTDIR\)/);
  for (const name of ['a', 'b', 'c', 'd']) t.notOk(existsSync(join(dir, `${name}.bundle`)));

  // An empty tip line exports an empty bundle, which verifies.
  const empty = join(dir, 'empty.bundle');
  const ok = await exportCli(['--db', dbPath, '--out', empty]);
  t.equal(ok.stdout, `exported 0 tips to ${empty}\n`);
  t.same(await records(empty), []);

  // A row the server would never write stops the export with its id, and leaves no file.
  const broken = openDatabase(join(dir, 'broken.sqlite'));
  broken.prepare('INSERT INTO tips (id, received_on, envelope) VALUES (?, ?, ?)').run('not-an-id', '2024-05-01', Buffer.from([1, 2, 3]));
  broken.close();
  await t.rejects(exportDatabase(join(dir, 'broken.sqlite'), join(dir, 'g.bundle')), ExportError);
  await t.rejects(exportDatabase(join(dir, 'broken.sqlite'), join(dir, 'g.bundle')), { message: /"not-an-id": the id is not 32 lowercase hex digits/ });
  t.notOk(existsSync(join(dir, 'g.bundle')));
});
