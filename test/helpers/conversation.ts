// Fixtures for conversations: a real app with the conversation plugins on a real SQLite file,
// a source's mailbox keys, signed editor requests. Nothing here is a mock.
import type { buildApp } from '../../src/server/app.js';
import type { Db } from '../../src/server/store/db.js';
import type { TipStore } from '../../src/server/store/tips.js';
import type { EditorKeyPair } from '../../src/crypto/keys.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { createMessage, loginMessage, mailboxKeys, newPassphrase, sign, type MailboxKeys } from '../../src/crypto/mailbox.js';
import { signRequest } from '../../src/crypto/editor-request.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { solvedPow, testApp } from './fixtures.js';

export interface ConversationApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  db: Db;
  /** The app's tip store. */
  store: TipStore;
  keys: EditorKeyPair[];
  fetchKey: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** Moves the app's clock (login challenges, sessions, editor request times). */
  advance: (ms: number) => void;
  nowSeconds: () => number;
}

export async function conversationApp(
  t: { teardown(fn: () => void | Promise<void>): void },
  options: { editors?: number; fetchKey?: { publicKey: Uint8Array; privateKey: Uint8Array }; serverNames?: string[] } = {},
): Promise<ConversationApp> {
  const sodium = await loadSodium();
  const fetchKey = options.fetchKey ?? sodium.crypto_sign_keypair();
  let offset = 0;
  const clock = () => Date.now() + offset;
  const { app, db, store, keys } = await testApp(t, {
    ...(options.editors ? { editors: options.editors } : {}),
    fetchKeys: [fetchKey.publicKey],
    ...(options.serverNames ? { env: { TIPLINE_SERVER_NAMES: options.serverNames.join(',') } } : {}),
    clock,
  });
  return { app, db, store, keys, fetchKey, advance: (ms) => (offset += ms), nowSeconds: () => Math.floor(clock() / 1000) };
}

export async function newSource(): Promise<{ passphrase: string; keys: MailboxKeys }> {
  const passphrase = await newPassphrase();
  return { passphrase, keys: await mailboxKeys(passphrase) };
}

type Injectable = ConversationApp['app'];

export async function createMailbox(app: Injectable, keys: MailboxKeys) {
  const body = {
    mailbox: keys.mailbox,
    signPublicKey: toBase64Url(keys.signPublicKey),
    kemPublicKey: toBase64Url(keys.kemPublicKey),
    signature: toBase64Url(await sign(createMessage(keys.mailbox, keys.kemPublicKey), keys.signSecretKey)),
    pow: await solvedPow(app, keys.mailbox),
  };
  return app.inject({ method: 'POST', url: '/api/mailboxes', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}

export async function challenge(app: Injectable): Promise<string> {
  return (JSON.parse((await app.inject({ method: 'GET', url: '/api/mailbox/challenge' })).body) as { challenge: string }).challenge;
}

/** Logs in with `keys` for the mailbox `mailbox` (by default the keys' own). */
export async function login(app: Injectable, keys: MailboxKeys, options: { mailbox?: string; challenge?: string } = {}) {
  const text = options.challenge ?? (await challenge(app));
  const mailbox = options.mailbox ?? keys.mailbox;
  const { fromBase64Url } = await import('../../src/crypto/bytes.js');
  const signature = toBase64Url(await sign(loginMessage(fromBase64Url(text)!, mailbox), keys.signSecretKey));
  return app.inject({ method: 'POST', url: '/api/mailbox/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ mailbox, challenge: text, signature }) });
}

export function cookieOf(response: { headers: Record<string, unknown> }): string {
  const header = String(response.headers['set-cookie'] ?? '');
  return header.split(';')[0]!;
}

/** An editor API request signed with `secretKey` (at `nowSeconds`). */
export async function editorRequest(
  app: Injectable,
  secretKey: Uint8Array,
  method: 'GET' | 'POST',
  url: string,
  body: string | undefined,
  options: { nowSeconds?: number; contentType?: string; server?: string } = {},
) {
  const bytes = new TextEncoder().encode(body ?? '');
  // app.inject() sends Host: localhost:80 unless told otherwise.
  const server = options.server ?? 'localhost:80';
  const headers: Record<string, string> = await signRequest(secretKey, server, method, url, bytes, options.nowSeconds);
  headers.host = server;
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return { request: { method, url, headers, ...(body !== undefined ? { payload: body } : {}) }, send: () => app.inject({ method, url, headers, ...(body !== undefined ? { payload: body } : {}) }) };
}
