// Fuzzing every HTTP handler through app.inject(): random and mutated methods, paths,
// headers, content types and bodies, including mutations of a valid submission (envelope and
// JSON text). Properties: never a crash, never a 5xx but 503 (a refusal the source can retry),
// errors are JSON, and nothing is stored unless the answer is 201 for a body whose envelope is
// well formed and whose proof of work holds for that envelope's text. 10 000+ cases in all.
//
// What the server can and cannot tell: it checks an envelope's structure, never its content
// (it holds no key), and a proof of work only to the difficulty it asked for. At the tests'
// TEST_POW_BITS = 4 a solution still holds for a changed envelope 1 time in 16, and that
// envelope is rightly stored; the properties below say so rather than assume it never happens.
import t from 'tap';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { parseEnvelope } from '../../src/crypto/envelope.js';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { POW_NONCE_BYTES, powBinding, powSolves } from '../../src/crypto/pow.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { TEST_POW_BITS, sealTip, solvedPow, type tempDir, testApp } from '../helpers/fixtures.js';

const RECIPIENTS = 2;

async function fuzzApp(t: Parameters<typeof tempDir>[0]) {
  // The tests' low difficulty: a valid solution is cheap, so the fuzzer reaches the envelope checks.
  const { app, store, keys } = await testApp(t, { editors: RECIPIENTS });
  await app.ready();
  /** A body with a fresh, solved proof of work bound to `envelopeText`. */
  const solvedBody = async (envelopeText: string) => ({ envelope: envelopeText, pow: await solvedPow(app, envelopeText) });
  return { app, store, keys, solvedBody };
}

type App = Awaited<ReturnType<typeof fuzzApp>>['app'];

/** Sends the request; checks the answer is not a 5xx other than 503 and that an error is a JSON object. */
async function send(app: App, request: InjectOptions) {
  let res;
  try {
    res = await app.inject(request);
  } catch (err) {
    // inject rejects only on a request it cannot even build (e.g. a header Node refuses).
    if ((err as { code?: string }).code === 'ERR_INVALID_CHAR' || (err as { code?: string }).code === 'ERR_HTTP_INVALID_HEADER_VALUE') return undefined;
    throw err;
  }
  if (res.statusCode >= 500 && res.statusCode !== 503) throw new Error(`${res.statusCode} for ${request.method} ${request.url}: ${res.body.slice(0, 200)}`);
  if (res.statusCode >= 400 && request.method !== 'HEAD') {
    const body = res.json() as { error?: unknown };
    if (typeof body.error !== 'string') throw new Error(`error without a message for ${request.method} ${request.url}`);
  }
  return res;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const PATHS = [
  '/',
  '/favicon.ico',
  '/robots.txt',
  '/api/tips',
  '/api/pow',
  '/.well-known/tipline-client.json',
  '/assets/',
  '/assets/main.js',
  '/api/tips/',
  '/api',
  '//api/tips',
  '/api/tips?x=1',
  '/%2e%2e/etc/passwd',
  '/assets/..%2f..%2fpackage.json',
  '/api/tips#',
  '/API/TIPS',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
  '',
];

const method = fc.constantFrom(...METHODS);
const path = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  fc.string({ maxLength: 40 }).map((s) => '/' + encodeURIComponent(s)),
  fc.webSegment().map((s) => `/assets/${s}`),
);
const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.string({ maxLength: 30 }));
const headers = fc.dictionary(
  fc.constantFrom('accept', 'accept-encoding', 'origin', 'cookie', 'x-forwarded-for', 'content-encoding', 'transfer-encoding', 'range', 'if-none-match', 'authorization'),
  fc.string({ maxLength: 30 }),
  { maxKeys: 3 },
);
const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

t.test('random requests to any route: no 5xx but 503, JSON errors, nothing stored', async (t) => {
  const { app, store } = await fuzzApp(t);
  await fc.assert(
    fc.asyncProperty(method, path, contentType, headers, fc.option(body), async (m, url, type, extra, payload) => {
      const request: InjectOptions = { method: m, url, headers: { ...extra, ...(type ? { 'content-type': type } : {}) } };
      if (payload !== null && m !== 'GET' && m !== 'HEAD') request.payload = payload;
      const res = await send(app, request);
      if (res && res.statusCode === 201) throw new Error('stored a random request');
      return store.count() === 0;
    }),
    { numRuns: 4000 },
  );
  t.equal(store.count(), 0, 'nothing was stored');
});

t.test('random JSON bodies on POST /api/tips: 4xx, nothing stored', async (t) => {
  const { app, store, solvedBody } = await fuzzApp(t);
  const valid = await solvedBody('AAAA');
  const member = fc.oneof(fc.string({ maxLength: 80 }), fc.base64String({ maxLength: 200 }), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }));
  const tipBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ envelope: member }, { requiredKeys: [] }),
    fc.record({ envelope: member, pow: fc.oneof(member, fc.record({ challenge: member, nonce: member }, { requiredKeys: [] }), fc.constant(valid.pow)) }, { requiredKeys: [] }),
    fc.record({ envelope: member, pow: fc.constant(valid.pow), extra: member }),
  );
  await fc.assert(
    fc.asyncProperty(tipBody, fc.constantFrom(...CONTENT_TYPES.slice(0, 4)), async (value, type) => {
      const res = await send(app, { method: 'POST', url: '/api/tips', headers: { 'content-type': type }, payload: JSON.stringify(value) ?? 'null' });
      return res !== undefined && res.statusCode >= 400 && res.statusCode < 500 && store.count() === 0;
    }),
    { numRuns: 2500 },
  );
  t.equal(store.count(), 0);
});

t.test('mutations of a valid envelope (with a solved proof of work): 201 only for a well-formed envelope', async (t) => {
  const { app, store, keys, solvedBody } = await fuzzApp(t);
  const envelope = await sealTip(
    keys.map((k) => k.publicKey),
    'fuzz me',
  );
  const mutation = fc.oneof(
    fc.record({ flip: fc.nat(envelope.length - 1), bit: fc.nat(7) }),
    fc.record({ truncate: fc.nat(envelope.length) }),
    fc.record({ append: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ header: fc.nat(2), value: fc.nat(255) }),
    fc.record({ splice: fc.nat(envelope.length), remove: fc.nat(64), insert: fc.uint8Array({ maxLength: 64 }) }),
  );
  let accepted = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      let bytes = Uint8Array.from(envelope);
      if ('flip' in m) bytes[m.flip]! ^= 1 << m.bit;
      else if ('truncate' in m) bytes = bytes.subarray(0, m.truncate);
      else if ('append' in m) bytes = Uint8Array.from([...bytes, ...m.append]);
      else if ('header' in m) bytes[m.header] = m.value;
      else bytes = Uint8Array.from([...bytes.subarray(0, m.splice), ...m.insert, ...bytes.subarray(m.splice + m.remove)]);
      const before = store.count();
      const res = await send(app, { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(await solvedBody(toBase64Url(bytes))) });
      if (!res) return false;
      let wellFormed = true;
      try {
        parseEnvelope(bytes, { kind: 'tip', recipients: RECIPIENTS });
      } catch {
        wellFormed = false;
      }
      if (res.statusCode === 201) {
        accepted++;
        // The server cannot tell a flipped ciphertext byte from a real tip; it stores exactly the bytes sent.
        return wellFormed && store.count() === before + 1 && store.all().some((row) => Buffer.from(row.envelope).equals(Buffer.from(bytes)));
      }
      refused++;
      return !wellFormed && res.statusCode === 400 && store.count() === before;
    }),
    { numRuns: 2000 },
  );
  t.ok(refused > 0 && accepted > 0, `${accepted} mutations accepted (payload bytes), ${refused} refused`);
});

/**
 * The envelope bytes the server may store for the body `text`, or undefined when it must refuse
 * it: the text must parse as JSON, its `envelope` must be base64url of a well-formed tip envelope,
 * and its `pow` must name `challenge` (the only one whose MAC the fuzzer has) with a nonce that
 * solves it for exactly that envelope text.
 */
async function storableEnvelope(text: string, challenge: string): Promise<Uint8Array | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { envelope, pow } = body as { envelope?: unknown; pow?: { challenge?: unknown; nonce?: unknown } | null };
  if (typeof envelope !== 'string' || typeof pow !== 'object' || pow === null || pow.challenge !== challenge || typeof pow.nonce !== 'string') return undefined;
  const bytes = fromBase64Url(envelope);
  const nonce = fromBase64Url(pow.nonce);
  if (!bytes || !nonce || nonce.length !== POW_NONCE_BYTES) return undefined;
  const sodium = await loadSodium();
  if (!powSolves(sodium, fromBase64Url(challenge)!, powBinding(sodium, envelope), nonce, TEST_POW_BITS)) return undefined;
  try {
    parseEnvelope(bytes, { kind: 'tip', recipients: RECIPIENTS });
  } catch {
    return undefined;
  }
  return bytes;
}

t.test('a changed envelope whose proof of work still holds is stored: the server cannot tell it from a tip', async (t) => {
  const { app, store, keys, solvedBody } = await fuzzApp(t);
  const envelope = await sealTip(
    keys.map((k) => k.publicKey),
    'changed in transit',
  );
  const { pow } = await solvedBody(toBase64Url(envelope));
  // Flip ciphertext bits, last byte first, until the solution holds for the changed text: at
  // 4 bits about 1 flip in 16 does (deterministic: the same envelope always gives the same order).
  let changed: Uint8Array | undefined;
  for (let i = 0; i < 8 * 256 && !changed; i++) {
    const bytes = Uint8Array.from(envelope);
    bytes[bytes.length - 1 - (i >> 3)]! ^= 1 << (i & 7);
    if (await storableEnvelope(JSON.stringify({ envelope: toBase64Url(bytes), pow }), pow.challenge)) changed = bytes;
  }
  if (!changed) throw new Error('no flip kept the proof of work: the difficulty is not TEST_POW_BITS');
  const res = await send(app, { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ envelope: toBase64Url(changed), pow }) });
  t.equal(res?.statusCode, 201);
  t.same(
    store.all().map((row) => Buffer.from(row.envelope)),
    [Buffer.from(changed)],
    'exactly the bytes sent are stored',
  );
});

t.test('mutations of the JSON text of a valid submission: refused unless a well-formed envelope with a valid proof of work', async (t) => {
  const { app, store, keys, solvedBody } = await fuzzApp(t);
  const envelope = await sealTip(
    keys.map((k) => k.publicKey),
    'fuzz the text',
  );
  const envelopeText = toBase64Url(envelope);
  const edit = fc.record({ at: fc.nat(), remove: fc.nat(8), insert: fc.string({ maxLength: 8 }) });
  let accepted = 0;
  let changed = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
      // A fresh challenge each run: one spent by an earlier run would refuse everything after
      // it at the proof of work, and the envelope checks would go untested.
      const valid = await solvedBody(envelopeText);
      let mutated = JSON.stringify(valid);
      for (const e of edits) {
        const at = e.at % (mutated.length + 1);
        mutated = mutated.slice(0, at) + e.insert + mutated.slice(at + e.remove);
      }
      const before = store.count();
      const res = await send(app, { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: mutated });
      if (!res) return false;
      if (res.statusCode === 201) {
        accepted++;
        // Only a body the server may store, and exactly the envelope it carries (the original,
        // or a changed one the solution still holds for).
        const bytes = await storableEnvelope(mutated, valid.pow.challenge);
        if (!bytes) return false;
        if (!Buffer.from(bytes).equals(Buffer.from(envelope))) changed++;
        return store.count() === before + 1 && store.all().some((row) => Buffer.from(row.envelope).equals(Buffer.from(bytes)));
      }
      refused++;
      return ((res.statusCode >= 400 && res.statusCode < 500) || res.statusCode === 503) && store.count() === before;
    }),
    { numRuns: 1600 },
  );
  t.equal(store.count(), accepted, `${accepted} mutated texts accepted (${changed} with a changed envelope), ${refused} refused`);
});
