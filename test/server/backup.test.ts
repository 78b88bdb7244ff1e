// Backup: `npm run backup` copies the live database while the real server runs and writes;
// the copy opens, passes integrity_check and its tips decrypt.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { BackupError, backupDatabase } from '../../src/server/store/backup.js';
import { chunksPath, openDatabase } from '../../src/server/store/db.js';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { postTip, sealTip, serverWithKeys, tempDir } from '../helpers/fixtures.js';

const run = promisify(execFile);
const backupCli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', ...args], { cwd: ROOT, env: childEnv() }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

t.test('an online backup taken while the server writes restores and decrypts', async (t) => {
  const { server, dir, dataDir, keys } = await serverWithKeys(t, { editors: 2 });
  const submit = async (envelope: Uint8Array) => {
    const res = await postTip(server.url, envelope);
    if (res.status !== 201) throw new Error(`status ${res.status}`);
    return ((await res.json()) as { receipt: string }).receipt;
  };
  const pool = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sealTip(
        keys.map((k) => k.publicKey),
        `backup tip ${i}`,
      ),
    ),
  );
  const before = new Set(await Promise.all(pool.slice(0, 20).map(submit)));

  // Keep writing while the backup runs.
  let writing = true;
  let written = 0;
  const writer = (async () => {
    for (let i = 20; writing; i = i === 39 ? 20 : i + 1) {
      await submit(pool[i]!);
      written++;
    }
  })();
  const out = join(dir, 'tipline-backup.sqlite');
  const result = await backupCli(['--db', join(dataDir, 'tipline.sqlite'), '--out', out]);
  writing = false;
  await writer;
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^backed up \d+ tips to .*tipline-backup\.sqlite and their attachments to .*tipline-backup-chunks\.sqlite \(integrity check ok\)\n$/);
  t.ok(written > 0, 'the server stored tips during the backup');
  t.equal(statSync(out).mode & 0o777, 0o600, 'the backup is 0600');
  t.equal(statSync(chunksPath(out)).mode & 0o777, 0o600, 'and so is the copy of the chunks file');

  // Restore: open the copy as the server would and decrypt what it holds.
  const restored = openDatabase(out);
  t.teardown(() => restored.close());
  t.equal(restored.pragma('integrity_check', { simple: true }), 'ok');
  const rows = restored.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[];
  t.ok(rows.length >= before.size);
  const receipts = new Map<string, string>();
  for (const row of rows) {
    const bytes = new Uint8Array(row.envelope);
    receipts.set(await receiptFor(bytes), decodeBody((await openEnvelope(bytes, keys[1]!.seed)).body).message);
  }
  for (const receipt of before) t.ok(receipts.has(receipt), 'a tip acknowledged before the backup is in it');
  t.match([...receipts.values()], Array(receipts.size).fill(/^backup tip \d+$/), 'every tip in the copy decrypts');

  const again = await backupCli(['--db', join(dataDir, 'tipline.sqlite'), '--out', out]);
  t.equal(again.code, 1);
  t.match(again.stderr, /^tipline backup: .*already exists; refusing to overwrite it\n$/);
  // A chunks file already where the second copy would go: refused too, and nothing left behind.
  const other = join(dir, 'other.sqlite');
  writeFileSync(chunksPath(other), 'not mine');
  const clash = await backupCli(['--db', join(dataDir, 'tipline.sqlite'), '--out', other]);
  t.equal(clash.code, 1);
  t.match(clash.stderr, /other-chunks\.sqlite already exists; refusing to overwrite it\n$/);
  t.notOk(existsSync(other), 'no partial backup left behind');
  t.equal(readFileSync(chunksPath(other), 'utf8'), 'not mine', 'the file in the way is untouched');
  const usage = await backupCli(['--db', join(dataDir, 'tipline.sqlite')]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^tipline backup: usage: npm run backup -- --db/);
});

t.test('backup refuses what it cannot copy faithfully, and leaves no partial file', async (t) => {
  const dir = tempDir(t);
  await t.rejects(backupDatabase(join(dir, 'missing.sqlite'), join(dir, 'a')), new BackupError(`no database at ${join(dir, 'missing.sqlite')}`));
  await t.rejects(backupDatabase(dir, join(dir, 'a')), /is not a database file/);
  writeFileSync(join(dir, 'junk'), 'this is not sqlite '.repeat(100));
  await t.rejects(backupDatabase(join(dir, 'junk'), join(dir, 'b')), /is not a SQLite database/);
  t.notOk(existsSync(join(dir, 'b')), 'no partial backup left behind');
  const other = new Database(join(dir, 'other.sqlite'));
  other.exec('CREATE TABLE t (x)');
  other.close();
  await t.rejects(backupDatabase(join(dir, 'other.sqlite'), join(dir, 'c')), /has no tips table/);
  t.notOk(existsSync(join(dir, 'c')));
  const db = openDatabase(join(dir, 'tipline.sqlite'));
  db.close();
  await t.rejects(backupDatabase(join(dir, 'tipline.sqlite'), join(dir, 'no-such-dir', 'x')), /cannot create .*ENOENT/);
  t.same(await backupDatabase(join(dir, 'tipline.sqlite'), join(dir, 'empty.sqlite')), { tips: 0 });
  t.ok(readFileSync(join(dir, 'empty.sqlite')).subarray(0, 16).toString() === 'SQLite format 3\0');
});
