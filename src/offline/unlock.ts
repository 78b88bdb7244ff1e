// Unlocking an editor key file in a short-lived worker thread, for every offline command that
// reads one (decrypt, reply, desk, keygen --public). Argon2id MODERATE (src/crypto/keyfile.ts)
// grows libsodium's WebAssembly memory to 256 MiB, and WebAssembly memory never shrinks: in the
// calling thread it would stay for the process's life (the desk runs for hours). A worker's
// memory is freed when it exits. So the worker loads the sumo build, runs decryptKeyFile (every
// check and message unchanged), posts back only the 32-byte seed in a buffer of its own
// (transferred, so no copy stays behind), wipes its key pair and exits; this thread derives the
// key pair from the seed with the standard build, after the worker has exited.
//
// The worker is this same module, started with WORKER_FLAG in workerData. In the one-file
// toolkit (scripts/build-offline.ts) this module's URL is the toolkit file, so the worker is the
// toolkit itself: its entry (src/offline/toolkit.ts) runs no command outside the main thread.
// Node reads that file again when the worker starts, so the file checked against its .sha256
// (docs/EDITORS.md) must stay where it is, unchanged, while the command runs.
// From the sources (tsx) the worker first registers tsx's loader: Node 20 workers do not
// inherit it.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { decryptKeyFile, KeyFileError } from '../crypto/keyfile.js';
import { editorKeyPairFromSeed, wipeEditorKeyPair, type EditorKeyPair } from '../crypto/keys.js';

const WORKER_FLAG = 'tiplineUnlockKeyFile';

type Reply = { ok: true; seed: ArrayBuffer; name?: string } | { ok: false; keyFile: boolean; message: string };

/** The worker's side: one key file, one reply, then the thread ends (nothing else keeps it alive). */
async function serve(text: string, passphrase: string): Promise<void> {
  let reply: Reply;
  const transfer: ArrayBuffer[] = [];
  try {
    const pair = await decryptKeyFile(text, passphrase);
    const seed = new Uint8Array(new ArrayBuffer(pair.seed.length));
    seed.set(pair.seed);
    wipeEditorKeyPair(pair);
    reply = { ok: true, seed: seed.buffer, ...(pair.name !== undefined ? { name: pair.name } : {}) };
    transfer.push(seed.buffer);
  } catch (err) {
    reply = { ok: false, keyFile: err instanceof KeyFileError, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply, transfer);
}

if (!isMainThread && workerData?.[WORKER_FLAG] === true) void serve(workerData.text, workerData.passphrase);

/** Starts this module as a worker (see the header for the two ways). */
function startWorker(text: string, passphrase: string): Worker {
  const data = { [WORKER_FLAG]: true, text, passphrase };
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData: data });
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

export interface UnlockOptions {
  /** Tests: sees the worker as it starts (it has exited by the time the promise settles). */
  onWorker?: (worker: Worker) => void;
}

/**
 * The key pair of a key file's text, its Argon2id run in a worker thread that has exited when
 * this settles. A wrong passphrase or a damaged file is a KeyFileError with decryptKeyFile's message.
 */
export async function decryptKeyFileInWorker(text: string, passphrase: string, options: UnlockOptions = {}): Promise<EditorKeyPair> {
  const worker = startWorker(text, passphrase);
  options.onWorker?.(worker);
  const reply = await new Promise<Reply>((resolve, reject) => {
    let got: Reply | undefined;
    let failure: Error | undefined;
    worker.once('message', (m: Reply) => (got = m));
    worker.once('error', (err) => (failure = err));
    // Settles on exit only: the worker's memory is being released, and no other thread holds the seed.
    worker.once('exit', (code) => {
      if (got) resolve(got);
      else reject(new Error(`the key file unlock stopped (${failure?.message ?? `exit code ${code}`})`));
    });
  });
  if (!reply.ok) throw reply.keyFile ? new KeyFileError(reply.message) : new Error(reply.message);
  const seed = new Uint8Array(reply.seed);
  try {
    const pair = await editorKeyPairFromSeed(seed);
    if (reply.name !== undefined) pair.name = reply.name;
    return pair;
  } finally {
    seed.fill(0);
  }
}
