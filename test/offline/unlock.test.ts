// The key file unlock of the offline commands (src/offline/unlock.ts): Argon2id runs in a worker
// thread that has exited when the unlock returns, so its 256 MiB of WebAssembly memory (MODERATE)
// never stays in the process that then runs the desk for hours, and that process's main thread
// never instantiates libsodium's sumo build at all.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId, type Worker } from 'node:worker_threads';
import { encryptKeyFile, KeyFileError } from '../../src/crypto/keyfile.js';
import { fingerprint, generateEditorKeyPair } from '../../src/crypto/keys.js';
import { decryptKeyFileInWorker } from '../../src/offline/unlock.js';
import { runChild } from '../helpers/cli.js';
import { tempDir } from '../helpers/fixtures.js';

const PASSPHRASE = 'seven horses cross the Amu Darya';
const FAST_KDF = { opslimit: 1, memlimit: 8192 };
const MIB = 1024 * 1024;

/** The workers an unlock starts, as seen when they start and when they exit. */
function watch() {
  const seen: { worker: Worker; threadId: number; exit?: number }[] = [];
  const onWorker = (worker: Worker) => {
    const entry: (typeof seen)[number] = { worker, threadId: worker.threadId };
    worker.on('exit', (code) => (entry.exit = code));
    seen.push(entry);
  };
  return { seen, onWorker };
}

t.test('the key pair comes back from a worker thread that has exited', async (t) => {
  const pair = { ...(await generateEditorKeyPair()), name: 'Aida' };
  const text = JSON.stringify(await encryptKeyFile(pair, PASSPHRASE, FAST_KDF));
  const { seen, onWorker } = watch();
  const got = await decryptKeyFileInWorker(text, PASSPHRASE, { onWorker });
  t.equal(seen.length, 1, 'one worker');
  t.ok(seen[0]!.threadId > 0 && seen[0]!.threadId !== threadId, `a thread of its own (${seen[0]!.threadId}, this is ${threadId})`);
  t.equal(seen[0]!.worker.threadId, -1, 'it is no longer running when the unlock returns');
  t.equal(seen[0]!.exit, 0, 'it exited on its own, code 0');
  t.same(got.seed, pair.seed, 'the seed');
  t.same(got.signSecretKey, pair.signSecretKey, 'the signing key, derived here');
  t.same(got.publicKey, pair.publicKey);
  t.equal(got.name, 'Aida', "the public line's name");
});

t.test('a wrong passphrase or a damaged key file: the same one-line KeyFileError, and the worker gone', async (t) => {
  const pair = await generateEditorKeyPair();
  const text = JSON.stringify(await encryptKeyFile(pair, PASSPHRASE, FAST_KDF));
  const cases: [string, string, RegExp][] = [
    [text, 'not the passphrase', /^wrong passphrase \(or the key file was altered\)$/],
    ['{}', PASSPHRASE, /^this is not a Tipline editor secret key file$/],
    ['not json', PASSPHRASE, /^this is not a Tipline key file \(not JSON\)$/],
    [text.replace(/"opslimit":1/, '"opslimit":99'), PASSPHRASE, /^the key file has an out-of-range opslimit$/],
  ];
  for (const [input, passphrase, message] of cases) {
    const { seen, onWorker } = watch();
    const err = await decryptKeyFileInWorker(input, passphrase, { onWorker }).catch((e: unknown) => e);
    t.ok(err instanceof KeyFileError, `${message}: a KeyFileError`);
    t.match((err as Error).message, message);
    t.equal(seen[0]?.worker.threadId, -1, `${message}: the worker has exited`);
  }
});

t.test("an offline command's main thread never holds the sumo build or Argon2id's memory (MODERATE key file)", async (t) => {
  const dir = tempDir(t);
  const pair = await generateEditorKeyPair();
  // The default limits: MODERATE, 256 MiB.
  writeFileSync(join(dir, 'editor.key'), JSON.stringify(await encryptKeyFile(pair, PASSPHRASE)));
  const run = async (inThread: boolean) => {
    const r = await runChild(process.execPath, ['--import', 'tsx', 'test/offline/unlock-child.ts'], {
      UNLOCK_KEY: join(dir, 'editor.key'),
      UNLOCK_PASSPHRASE: PASSPHRASE,
      UNLOCK_IN_THREAD: inThread ? '1' : '0',
    });
    t.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { fingerprint: string; memories: number[]; external: number };
  };
  const expected = await fingerprint(pair);
  const worker = await run(false);
  t.equal(worker.fingerprint, expected, 'unlocked');
  t.equal(worker.memories.length, 1, `one WebAssembly instance in the main thread, the standard build (memories ${worker.memories})`);
  t.ok(worker.memories[0]! < 64 * MIB, `its memory ${(worker.memories[0]! / MIB).toFixed(0)} MiB < 64 MiB`);
  t.ok(worker.external < 64 * MIB, `external memory ${(worker.external / MIB).toFixed(0)} MiB < 64 MiB`);
  // The same probe on the old way (Argon2id in the main thread) sees what the worker keeps out.
  const inThread = await run(true);
  t.equal(inThread.fingerprint, expected);
  t.equal(inThread.memories.length, 2, 'in the main thread: a second instance, the sumo build');
  t.ok(Math.max(...inThread.memories) >= 256 * MIB, 'holding 256 MiB or more');
  t.ok(inThread.external >= 256 * MIB, `external memory ${(inThread.external / MIB).toFixed(0)} MiB`);
});
