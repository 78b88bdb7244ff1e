// The proof-of-work Web Worker: solves a challenge off the page's main thread (so the page
// stays responsive and shows progress) with the shared implementation in src/crypto/pow.ts.
// Bundled on its own as /assets/pow-worker.<hash>.js (scripts/build-client.ts).
//
// Messages in:  { challenge: Uint8Array, binding: Uint8Array }
// Messages out: { type: 'ready' } once libsodium is loaded;
//               { type: 'progress', tries, expected } about every 100 ms;
//               { type: 'solved', nonce: Uint8Array, tries } | { type: 'error' }.
import './no-wasm.js';
import { PowSolver } from '../crypto/pow.js';
import { loadSodium } from '../crypto/sodium.js';

export type WorkerRequest = { challenge: Uint8Array; binding: Uint8Array };
export type WorkerMessage = { type: 'ready' } | { type: 'progress'; tries: number; expected: number } | { type: 'solved'; nonce: Uint8Array; tries: number } | { type: 'error' };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: WorkerMessage) => scope.postMessage(message);
const sodium = loadSodium();
sodium.then(
  () => post({ type: 'ready' }),
  () => post({ type: 'error' }),
);

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  let solver: PowSolver;
  try {
    solver = new PowSolver(await sodium, event.data.challenge, event.data.binding);
  } catch {
    post({ type: 'error' });
    return;
  }
  // Work in slices of about 100 ms, reporting progress between them.
  let slice = 64;
  for (;;) {
    const started = performance.now();
    const nonce = solver.step(slice);
    if (nonce) {
      post({ type: 'solved', nonce, tries: solver.progress.tries });
      return;
    }
    post({ type: 'progress', ...solver.progress });
    const took = performance.now() - started;
    slice = Math.max(16, Math.min(1 << 20, Math.round((slice * 100) / Math.max(took, 1))));
  }
};
