import t from 'tap';
import type { InjectOptions } from 'fastify';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { receiptFor } from '../../src/crypto/receipt.js';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealTip, solvedPow, solvedTipRequest, testApp } from '../helpers/fixtures.js';

t.test('a good tip is stored durably and answered with its receipt', async (t) => {
  const { app, store, keys } = await testApp(t, { editors: 2 });
  const envelope = await sealTip(
    keys.map((k) => k.publicKey),
    'ballot stuffing at station 12',
  );
  const res = await app.inject(await solvedTipRequest(app, envelope));
  t.equal(res.statusCode, 201);
  t.same(res.json(), { receipt: await receiptFor(envelope) });
  t.equal(store.count(), 1);
  const rows = store.all();
  t.match(rows[0]!.id, /^[0-9a-f]{32}$/);
  t.match(rows[0]!.receivedOn, /^\d{4}-\d{2}-\d{2}$/);
  t.same(rows[0]!.envelope, envelope);
  const opened = await openEnvelope(rows[0]!.envelope, keys[1]!.seed);
  t.equal(decodeBody(opened.body).message, 'ballot stuffing at station 12');
});

t.test('ids are random, not sequential', async (t) => {
  const { app, store, keys } = await testApp(t);
  for (let i = 0; i < 5; i++) t.equal((await app.inject(await solvedTipRequest(app, await sealTip([keys[0]!.publicKey], `tip ${i}`)))).statusCode, 201);
  const ids = store.all().map((r) => r.id);
  t.equal(new Set(ids).size, 5);
  t.notOk(
    ids.some((id) => /^0+\d$/.test(id)),
    'no counter-like ids',
  );
});

t.test('bad input gets a clear 4xx JSON error and stores nothing', async (t) => {
  const { app, store, keys } = await testApp(t, { editors: 2 });
  const good = await sealTip(
    keys.map((k) => k.publicKey),
    'x',
  );
  const oneRecipient = await sealTip([keys[0]!.publicKey], 'x');
  const followUp = await sealTip(
    keys.map((k) => k.publicKey),
    'x',
    'followUp',
  );
  const wrongVersion = Uint8Array.from(good);
  wrongVersion[0] = 2;
  const cases: [string, InjectOptions, number, RegExp][] = [
    ['malformed JSON', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '{"envelope": "abc' }, 400, /not valid JSON/],
    ['empty body', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '' }, 400, /empty|JSON/],
    ['text/plain', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'text/plain' }, payload: 'hello' }, 415, /content type/],
    ['form post', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'message=hello' }, 415, /content type/],
    ['oversized body', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ envelope: 'A'.repeat(4_000_000) }) }, 413, /too large/],
    ['missing envelope', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '{}' }, 400, /envelope/],
    ['extra member', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ envelope: toBase64Url(good), ip: 'x' }) }, 400, /additional/],
    ['not a string', { method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '{"envelope": 12}' }, 400, /string/],
    [
      'not base64url',
      {
        method: 'POST',
        url: '/api/tips',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ envelope: toBase64Url(good) + '=', pow: await solvedPow(app, toBase64Url(good) + '=') }),
      },
      400,
      /base64url/,
    ],
    ['wrong version', await solvedTipRequest(app, wrongVersion), 400, /version/],
    ['wrong recipient count', await solvedTipRequest(app, oneRecipient), 400, /recipients/],
    ['truncated ciphertext', await solvedTipRequest(app, good.subarray(0, good.length - 1)), 400, /padded size class|truncated/],
    ['truncated to the stanzas', await solvedTipRequest(app, good.subarray(0, 500)), 400, /truncated/],
    ['a follow-up posted as a tip', await solvedTipRequest(app, followUp), 400, /kind|tip/],
    ['GET on the endpoint', { method: 'GET', url: '/api/tips' }, 404, /not found/],
  ];
  for (const [name, request, status, message] of cases) {
    const res = await app.inject(request);
    t.equal(res.statusCode, status, `${name}: status`);
    t.match(res.headers['content-type'], /^application\/json/, `${name}: JSON`);
    t.match(res.json().error, message, `${name}: message`);
  }
  t.equal(store.count(), 0, 'nothing stored');
});

t.test('error messages never echo the body', async (t) => {
  const { app } = await testApp(t);
  const secret = 'SECRET-PLAINTEXT-Ашхабад';
  for (const payload of [`{"envelope": "${secret}`, `{"${secret}": 1}`, JSON.stringify({ envelope: secret })]) {
    const res = await app.inject({ method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload });
    t.ok(res.statusCode >= 400 && res.statusCode < 500);
    t.notMatch(res.body, 'SECRET', 'no echo');
  }
});
