// An acknowledged tip survives kill -9 of the server the next instant.
import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealTip, serverWithKeys, solvedPow } from '../helpers/fixtures.js';

t.test('every acknowledged tip is on disk after SIGKILL, and decrypts', async (t) => {
  const { server, dataDir, keys } = await serverWithKeys(t, { editors: 2 });

  const N = 60;
  const envelopes = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      sealTip(
        keys.map((k) => k.publicKey),
        `durable tip ${i}`,
      ),
    ),
  );
  const acknowledged = new Map<string, string>();
  // Concurrent submissions, so several share one group commit.
  await Promise.all(
    envelopes.map(async (envelope, i) => {
      const pow = await solvedPow(server.url, toBase64Url(envelope));
      const res = await fetch(`${server.url}/api/tips`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ envelope: toBase64Url(envelope), pow }),
      });
      if (res.status === 201) acknowledged.set(((await res.json()) as { receipt: string }).receipt, `durable tip ${i}`);
    }),
  );
  server.child.kill('SIGKILL');
  const exit = await server.exited;
  t.equal(exit.signal, 'SIGKILL', 'killed, not shut down');
  t.equal(acknowledged.size, N, 'every tip was acknowledged');

  const db = new Database(join(dataDir, 'tipline.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const rows = db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[];
  const found = new Map<string, string>();
  for (const row of rows) {
    const bytes = new Uint8Array(row.envelope);
    found.set(await receiptFor(bytes), decodeBody((await openEnvelope(bytes, keys[0]!.seed)).body).message);
  }
  for (const [receipt, message] of acknowledged) t.equal(found.get(receipt), message, `tip ${receipt} survived and decrypts`);
});
