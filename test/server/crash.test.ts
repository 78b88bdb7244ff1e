// Crash durability: the real server under concurrent load is killed with SIGKILL at random
// moments, round after round on the same data directory. After every kill, every tip that was
// ever acknowledged is present and decrypts, and the database passes integrity_check.
// CRASH_ROUNDS sets the number of rounds (10 here; `npm run soak` runs more).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodePublicKey } from '../../src/crypto/keys.js';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { TEST_POW_BITS, editorKeys, sealTip, tempDir, solvedPow, tipRequest } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 10);
const WORKERS = 12;

const EASY_POW = { TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS), TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS) };

/** POSTs a tip to a real server with a solved proof of work. */
async function postTip(url: string, envelope: Uint8Array): Promise<Response> {
  const request = tipRequest(envelope, await solvedPow(url, toBase64Url(envelope)));
  return fetch(`${url}${request.url}`, { method: request.method, headers: request.headers, body: request.payload });
}

t.test(`${ROUNDS} rounds of SIGKILL under load lose no acknowledged tip`, { timeout: Math.max(300_000, ROUNDS * 30_000) }, async (t) => {
  await clientDir();
  const dir = tempDir(t);
  const keys = await editorKeys(1);
  const recipients = [keys[0]!.publicKey];
  const recipientsFile = join(dir, 'recipients.txt');
  writeFileSync(recipientsFile, encodePublicKey(keys[0]!) + '\n');
  const dataDir = join(dir, 'data');
  const dbPath = join(dataDir, 'tipline.sqlite');
  /** receipt → message of every acknowledged tip, over all rounds. */
  const acknowledged = new Map<string, string>();
  /** Receipts already decrypted from the database in an earlier round. */
  const verified = new Set<string>();
  let serial = 0;

  for (let round = 1; round <= ROUNDS; round++) {
    const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, ...EASY_POW });
    const killAfterMs = 50 + Math.floor(Math.random() * 700);
    let stop = false;
    let failures = 0;
    const worker = async () => {
      while (!stop) {
        const message = `crash round ${round} tip ${serial++}`;
        const envelope = await sealTip(recipients, message);
        try {
          const res = await postTip(server.url, envelope);
          const body = (await res.json()) as { receipt?: string };
          if (res.status === 201 && body.receipt) acknowledged.set(body.receipt, message);
        } catch {
          failures++; // the connection died with the server: not acknowledged, nothing promised
          return;
        }
      }
    };
    const before = acknowledged.size;
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    await new Promise((r) => setTimeout(r, killAfterMs));
    server.child.kill('SIGKILL');
    const exit = await server.exited;
    stop = true;
    await load;
    t.equal(exit.signal, 'SIGKILL', `round ${round}: killed ${killAfterMs} ms into the load, ${acknowledged.size - before} tips acknowledged, ${failures} requests cut off`);

    const db = new Database(dbPath, { readonly: true });
    try {
      t.equal(db.pragma('integrity_check', { simple: true }), 'ok', `round ${round}: integrity_check`);
      const stored = new Map<string, Uint8Array>();
      for (const row of db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[]) {
        const bytes = new Uint8Array(row.envelope);
        stored.set(await receiptFor(bytes), bytes);
      }
      const missing = [...acknowledged.keys()].filter((r) => !stored.has(r));
      t.same(missing, [], `round ${round}: all ${acknowledged.size} acknowledged tips are present`);
      let wrong = 0;
      for (const [receipt, message] of acknowledged) {
        if (verified.has(receipt) || !stored.has(receipt)) continue;
        const opened = decodeBody((await openEnvelope(stored.get(receipt)!, keys[0]!.seed)).body).message;
        if (opened === message) verified.add(receipt);
        else wrong++;
      }
      t.equal(wrong, 0, `round ${round}: the new tips decrypt to what was sent`);
    } finally {
      db.close();
    }
  }
  t.ok(acknowledged.size > ROUNDS, 'the load got tips acknowledged');

  // After the last kill the server still starts on the same data and takes tips.
  const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, ...EASY_POW });
  const res = await postTip(server.url, await sealTip(recipients, 'after the crashes'));
  t.equal(res.status, 201, 'the restarted server accepts tips');
});
