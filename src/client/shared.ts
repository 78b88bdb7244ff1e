// What the submission page (main.ts) and the mailbox page (mailbox.ts) share: reading the
// page's configuration and checking the editors' keys, and sending a JSON body with a proof of
// work solved in the Web Worker (one automatic retry when the server refuses the work with 403).
import { fromBase64Url, toBase64Url } from '../crypto/bytes.js';
import { decodePublicKey, fingerprint, type EditorPublicKey } from '../crypto/keys.js';
import { decodeChallenge, powBinding } from '../crypto/pow.js';
import { loadSodium } from '../crypto/sodium.js';
import type { WorkerMessage, WorkerRequest } from './pow-worker.js';
import { CONFIG_ELEMENT_ID, CONFIG_VERSION, type PageConfig } from '../views/contract.js';

/** Options of every request the pages make: same origin, nothing cached, no referrer. */
export const FETCH_OPTIONS = { cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' } as const;

/** Fetches a challenge from the server (GET /api/pow). */
export async function fetchChallenge(): Promise<Uint8Array> {
  const response = await fetch('/api/pow', { credentials: 'omit', ...FETCH_OPTIONS });
  const answer = (await response.json()) as { challenge?: unknown };
  const challenge = typeof answer.challenge === 'string' ? fromBase64Url(answer.challenge) : undefined;
  if (!response.ok || !challenge || !decodeChallenge(challenge)) throw new Error('no challenge');
  return challenge;
}

/**
 * Solves `challenge` for the submission text `bound` in the worker (started at page load so
 * that it has loaded by the time the source sends), reporting progress from 0 to 99.
 */
export function solveInWorker(worker: Worker, challenge: Uint8Array, binding: Uint8Array, onProgress: (percent: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    worker.onerror = () => reject(new Error('the worker failed'));
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.type === 'progress') {
        // The chance of having found a solution by now: smooth, and never a promise of 100 %.
        onProgress(Math.min(99, Math.floor(100 * (1 - Math.exp(-message.tries / message.expected)))));
      } else if (message.type === 'solved') resolve(message.nonce);
      else if (message.type === 'error') reject(new Error('the worker failed'));
    };
    const request: WorkerRequest = { challenge, binding };
    worker.postMessage(request);
  });
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/**
 * The page's elements under the names of its id table (IDS, MAILBOX_IDS), each looked up when it
 * is read (a missing one throws, as byId does). `kinds` gives the element class of those the
 * code uses as more than an HTMLElement; a read element of another class throws.
 */
export function elementsOf<I extends Record<string, string>, K extends { [N in keyof I]?: abstract new () => HTMLElement }>(
  ids: I,
  kinds: K,
): { readonly [N in keyof I]: K[N] extends abstract new () => infer E ? E : HTMLElement } {
  return new Proxy({} as { readonly [N in keyof I]: K[N] extends abstract new () => infer E ? E : HTMLElement }, {
    get(_, name) {
      if (typeof name !== 'string' || !Object.hasOwn(ids, name)) throw new Error(`the page's id table has no ${String(name)}`);
      const element = byId(ids[name]!);
      const kind = kinds[name];
      if (kind && !(element instanceof kind)) throw new Error(`#${ids[name]} is not a ${kind.name}`);
      return element;
    },
  });
}

/** The page's keys or configuration are wrong: nothing may be sent. */
export class KeyProblem extends Error {}
/** A failure the source can act on; its message is shown as it is. */
export class SendError extends Error {}
/** The server could not be reached (or the proof of work could not be done). */
export class NetworkError extends Error {}

export function readConfig(): PageConfig {
  let config: PageConfig;
  try {
    config = JSON.parse(byId(CONFIG_ELEMENT_ID).textContent ?? '') as PageConfig;
  } catch {
    throw new KeyProblem('the page configuration is not JSON');
  }
  if (config?.v !== CONFIG_VERSION || !Array.isArray(config.editors) || config.editors.length === 0) {
    throw new KeyProblem('the page configuration is malformed');
  }
  return config;
}

/** Decodes the editors' keys and checks each against the fingerprint the page shows: the X-Wing keys tips are sealed to. */
export async function recipientsFrom(config: PageConfig): Promise<Uint8Array[]> {
  return (await editorsFrom(config)).map((key) => key.publicKey);
}

/**
 * The editors' keys pinned by the page (both public keys of each line, checked against the
 * fingerprints shown): replies are shown as from the editors only when one of these signing
 * keys signed them.
 */
export async function editorsFrom(config: PageConfig): Promise<EditorPublicKey[]> {
  const keys: EditorPublicKey[] = [];
  for (const editor of config.editors) {
    let key: EditorPublicKey;
    try {
      key = decodePublicKey(editor.key);
    } catch (err) {
      throw new KeyProblem((err as Error).message);
    }
    if ((await fingerprint(key)) !== editor.fingerprint) throw new KeyProblem('an editor key does not match its fingerprint');
    keys.push(key);
  }
  const shown = Array.from(document.querySelectorAll('.fingerprints code'), (el) => el.textContent);
  const expected = config.editors.map((editor) => editor.fingerprint);
  if (shown.length !== expected.length || shown.some((text, i) => text !== expected[i])) {
    throw new KeyProblem('the fingerprints shown do not match the keys');
  }
  return keys;
}

/** Lets the browser paint the status text before a long synchronous step (sealing without JIT). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

/**
 * The proof-of-work worker, started on first use rather than at page load: its libsodium copy
 * is the largest download of the page, and the work can only start once the tip is sealed
 * (it is bound to the envelope). Pages call the getter when the source starts typing, so
 * it is ready by the time they send.
 */
export function lazyWorker(path: string): () => Worker {
  let worker: Worker | undefined;
  return () => (worker ??= new Worker(path));
}

export interface PowPost {
  /** The proof-of-work worker, started on first call (see lazyWorker). */
  worker: () => Worker;
  url: string;
  /** The text the proof of work is bound to (the member the server's requirePow names). */
  bound: string;
  /** The JSON body, given the solved `pow` member. */
  body: (pow: { challenge: string; nonce: string }) => unknown;
  credentials: RequestCredentials;
  onWorking: (percent: number) => void;
  onSending: () => void;
}

/**
 * Posts `body` with a proof of work: a fresh challenge per attempt; a refused one (403:
 * expired, the server restarted with a new key, …) is fetched and solved once more,
 * automatically. Throws NetworkError when the server cannot be reached.
 */
export async function postWithPow(options: PowPost): Promise<{ response: Response; answer: Record<string, unknown> }> {
  const binding = powBinding(await loadSodium(), options.bound);
  for (let attempt = 1; ; attempt++) {
    options.onWorking(0);
    let pow: { challenge: string; nonce: string };
    try {
      const challenge = await fetchChallenge();
      const nonce = await solveInWorker(options.worker(), challenge, binding, options.onWorking);
      pow = { challenge: toBase64Url(challenge), nonce: toBase64Url(nonce) };
    } catch {
      throw new NetworkError('no proof of work');
    }
    options.onSending();
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.body(pow)),
        credentials: options.credentials,
        ...FETCH_OPTIONS,
      });
    } catch {
      throw new NetworkError('unreachable');
    }
    let answer: Record<string, unknown> = {};
    try {
      answer = (await response.json()) as Record<string, unknown>;
    } catch {
      // not JSON: the caller looks at the status
    }
    if (response.status !== 403 || attempt >= 2) return { response, answer };
  }
}
