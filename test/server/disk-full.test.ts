// Disk full: the real server's data directory on a small tmpfs that a ballast file fills up.
// The server answers 507 with a clear message, stays up, loses nothing it acknowledged, stores
// nothing it refused, and takes tips again once the ballast is deleted. Needs root (mount);
// a machine where mounting is impossible FAILS this test rather than skipping it.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { EASY_POW, editorKeys, postTip, sealTip, tempDir, writeRecipients } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';

/** Writes to `path` until the filesystem refuses with ENOSPC; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w', 0o600);
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

t.test('a full disk gets 507, loses nothing, and the server recovers when space is freed', async (t) => {
  await clientDir();
  const dir = tempDir(t);
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tipline-test', mnt]);
  let mounted = true;
  const unmount = () => {
    if (mounted) execFileSync('umount', [mnt]);
    mounted = false;
  };
  t.teardown(() => {
    if (mounted) execFileSync('umount', ['-l', mnt]);
  });

  const keys = await editorKeys(1);
  const recipients = [keys[0]!.publicKey];
  const recipientsFile = writeRecipients(dir, [keys[0]!]);
  const dataDir = join(mnt, 'data');
  const server = await startServer(t, { TIPLINE_DATA_DIR: dataDir, TIPLINE_RECIPIENTS: recipientsFile, ...EASY_POW });
  const post = async (envelope: Uint8Array) => {
    const res = await postTip(server.url, envelope);
    return { status: res.status, body: (await res.json()) as { receipt?: string; error?: string } };
  };

  const acknowledged = new Map<string, string>();
  for (let i = 0; i < 10; i++) {
    const r = await post(await sealTip(recipients, `before the disk filled ${i}`));
    t.equal(r.status, 201);
    acknowledged.set(r.body.receipt!, `before the disk filled ${i}`);
  }

  const ballast = join(mnt, 'ballast');
  t.ok(fill(ballast) > 1 << 20, 'the ballast filled the filesystem');
  const refused: string[] = [];
  for (let i = 0; i < 5; i++) {
    const envelope = await sealTip(recipients, `while full ${i}`);
    const r = await post(envelope);
    t.equal(r.status, 507, `tip ${i} while full: 507`);
    t.equal(r.body.error, 'the server is out of storage: your tip was NOT stored; please try again later');
    refused.push(await receiptFor(envelope));
  }
  t.equal((await fetch(`${server.url}/`)).status, 200, 'the page is still served');
  t.equal((await fetch(`${server.url}/robots.txt`)).status, 200);
  t.equal(server.child.exitCode, null, 'the server is still running');

  rmSync(ballast);
  for (let i = 0; i < 5; i++) {
    const r = await post(await sealTip(recipients, `after space was freed ${i}`));
    t.equal(r.status, 201, `tip ${i} after space was freed: 201`);
    acknowledged.set(r.body.receipt!, `after space was freed ${i}`);
  }

  server.child.kill('SIGTERM');
  t.equal((await server.exited).code, 0, 'clean shutdown');
  t.notMatch(server.output(), /while full|before the disk/, 'no plaintext in the output');
  const db = new Database(join(dataDir, 'tipline.sqlite'), { readonly: true });
  try {
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const stored = new Map<string, Uint8Array>();
    for (const row of db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[]) stored.set(await receiptFor(new Uint8Array(row.envelope)), new Uint8Array(row.envelope));
    t.equal(stored.size, acknowledged.size, 'exactly the acknowledged tips are stored');
    for (const [receipt, message] of acknowledged) {
      t.equal(decodeBody((await openEnvelope(stored.get(receipt)!, keys[0]!.seed)).body).message, message, 'an acknowledged tip decrypts');
    }
    for (const receipt of refused) t.notOk(stored.has(receipt), 'a refused tip was not stored');
  } finally {
    db.close();
  }
  unmount();
});
