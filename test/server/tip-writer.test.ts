// The tip store commits in a writer thread (src/server/store/tip-writer.ts). What must not change:
// a tip is answered 201 only once it is durable; a commit that fails or a writer that dies is a
// clear 5xx with nothing of the refused tips stored; the server goes on serving. Real parts:
// the app with its writer thread on a SQLite file, a second connection of the test's own, a
// real server process killed with SIGKILL.
import t from 'tap';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { receiptFor } from '../../src/crypto/receipt.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { EASY_POW, editorKeys, sealTip, solvedPow, solvedTipRequest, tempDir, testApp, tipRequest, writeRecipients } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';

/** The receipts of the envelopes stored in the database file at `path`. */
async function storedReceipts(path: string): Promise<Set<string>> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[];
    return new Set(await Promise.all(rows.map((row) => receiptFor(new Uint8Array(row.envelope)))));
  } finally {
    db.close();
  }
}

t.test('a commit that fails in the writer: 503 for its whole batch, nothing of it stored, the server goes on', async (t) => {
  const { app, keys, dbPath } = await testApp(t);
  const recipients = [keys[0]!.publicKey];
  // A real SQLite failure inside the writer's transaction, after other tips of the same batch
  // were inserted: a trigger (created through the test's own connection) refuses one envelope.
  const poison = await sealTip(recipients, 'the tip the database refuses');
  const other = new Database(dbPath);
  t.teardown(() => other.close());
  other.exec(`CREATE TRIGGER refuse_one BEFORE INSERT ON tips WHEN NEW.envelope = x'${Buffer.from(poison).toString('hex')}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);

  const envelopes = [...(await Promise.all(Array.from({ length: 6 }, (_, i) => sealTip(recipients, `tip ${i}`)))), poison];
  const requests = await Promise.all(envelopes.map((e) => solvedTipRequest(app, e)));
  // Sent in one turn, so several share the poisoned tip's batch.
  const answers = await Promise.all(requests.map((r) => app.inject(r)));
  const stored = await storedReceipts(dbPath);
  t.equal(answers.at(-1)!.statusCode, 503, 'the refused tip: 503');
  t.match(answers.at(-1)!.json().error, /NOT stored/);
  for (const [i, res] of answers.entries()) {
    const receipt = await receiptFor(envelopes[i]!);
    if (res.statusCode === 201) t.ok(stored.has(receipt), `tip ${i}: acknowledged and stored`);
    else {
      t.equal(res.statusCode, 503, `tip ${i}: refused with 503`);
      t.notOk(stored.has(receipt), `tip ${i}: refused and not stored`);
    }
  }
  t.ok(answers.filter((r) => r.statusCode === 503).length >= 1);

  other.exec('DROP TRIGGER refuse_one');
  t.equal((await app.inject({ method: 'GET', url: '/api/pow' })).statusCode, 200, 'the server answers');
  const again = await app.inject(await solvedTipRequest(app, poison));
  t.equal(again.statusCode, 201, 'the same tip sent again is stored');
  t.ok((await storedReceipts(dbPath)).has(await receiptFor(poison)));
});

t.test('a writer thread that dies with a batch: 503, nothing of it stored, a new writer takes the next tips', async (t) => {
  const { app, store, keys, dbPath, dir } = await testApp(t);
  const recipients = [keys[0]!.publicKey];
  const envelopes = await Promise.all(Array.from({ length: 3 }, (_, i) => sealTip(recipients, `lost tip ${i}`)));
  const requests = await Promise.all(envelopes.map((e) => solvedTipRequest(app, e)));
  // The writer ends (idle), and the database file is not where the next one looks for it: that
  // thread dies on start-up with the batch in hand (the server's own connection keeps its file).
  await store.close();
  const moved = join(dir, 'moved.sqlite');
  renameSync(dbPath, moved);
  const answers = await Promise.all(requests.map((r) => app.inject(r)));
  renameSync(moved, dbPath);

  const stored = await storedReceipts(dbPath);
  for (const [i, res] of answers.entries()) {
    t.equal(res.statusCode, 503, `lost tip ${i}: 503`);
    t.match(res.json().error, /NOT stored/, `lost tip ${i}: says it was not stored`);
    t.notOk(stored.has(await receiptFor(envelopes[i]!)), `lost tip ${i}: not stored`);
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/pow' })).statusCode, 200, 'the server answers');
  const next = await sealTip(recipients, 'after the writer died');
  const res = await app.inject(await solvedTipRequest(app, next));
  t.equal(res.statusCode, 201, 'the next tip is stored by a new writer');
  t.ok((await storedReceipts(dbPath)).has(await receiptFor(next)));
});

t.test('SIGKILL the instant tips are acknowledged: every acknowledged tip is there after a restart', async (t) => {
  await clientDir();
  const dir = tempDir(t);
  const keys = await editorKeys(1);
  const recipients = [keys[0]!.publicKey];
  const env = { TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_RECIPIENTS: writeRecipients(dir, keys), ...EASY_POW };
  const server = await startServer(t, env);

  // 120 tips on 30 connections' worth of concurrency; the server is killed synchronously in the
  // callback of the 40th acknowledgement, while other tips are still being parsed or committed.
  const N = 120;
  const KILL_AT = 40;
  const envelopes = await Promise.all(Array.from({ length: N }, (_, i) => sealTip(recipients, `kill tip ${i}`)));
  const requests = await Promise.all(envelopes.map(async (e) => tipRequest(e, await solvedPow(server.url, toBase64Url(e)))));
  const acknowledged = new Set<string>();
  let next = 0;
  const sender = async () => {
    while (next < N && server.child.signalCode === null) {
      const request = requests[next++]!;
      try {
        const res = await fetch(`${server.url}${request.url}`, { method: request.method, headers: request.headers, body: request.payload });
        const body = (await res.json()) as { receipt?: string };
        if (res.status === 201 && body.receipt) {
          acknowledged.add(body.receipt);
          if (acknowledged.size === KILL_AT) server.child.kill('SIGKILL');
        }
      } catch {
        return; // cut off by the kill: not acknowledged, nothing promised
      }
    }
  };
  await Promise.all(Array.from({ length: 30 }, sender));
  const exit = await server.exited;
  t.equal(exit.signal, 'SIGKILL', 'killed, not shut down');
  t.ok(acknowledged.size >= KILL_AT, `${acknowledged.size} tips acknowledged before the kill took effect`);

  const restarted = await startServer(t, env);
  const after = await sealTip(recipients, 'after the restart');
  const res = await fetch(`${restarted.url}/api/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: tipRequest(after, await solvedPow(restarted.url, toBase64Url(after))).payload,
  });
  t.equal(res.status, 201, 'the restarted server takes tips');
  const stored = await storedReceipts(join(dir, 'data', 'tipline.sqlite'));
  t.same(
    [...acknowledged].filter((r) => !stored.has(r)),
    [],
    `all ${acknowledged.size} acknowledged tips are present`,
  );
});
