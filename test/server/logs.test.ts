import t from 'tap';
import type { InjectOptions } from 'fastify';
import { toBase64Url } from '../../src/crypto/bytes.js';
import { sealTip, solvedTipRequest, testApp } from '../helpers/fixtures.js';

t.test('a scripted session leaves no address, user agent, query, size, time or ciphertext in the logs', async (t) => {
  const { app, logs, keys } = await testApp(t);
  const address = '203.0.113.77';
  const agent = 'Mozilla/5.0 (SourcePhone; Turkmenistan) TorBrowser/14.0';
  const headers = { 'user-agent': agent, 'x-forwarded-for': '198.51.100.9' };
  const envelope = await sealTip([keys[0]!.publicKey], 'the plaintext never reaches the server anyway');
  const requests: InjectOptions[] = [
    { method: 'GET' as const, url: '/?lang=ru&secretquery=1' },
    { ...(await solvedTipRequest(app, envelope)) },
    { method: 'POST' as const, url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '{"envelope":"bad' },
    { method: 'GET' as const, url: '/missing?secretquery=2' },
  ];
  const receipts: string[] = [];
  for (const request of requests) {
    const res = await app.inject({ ...request, remoteAddress: address, headers: { ...headers, ...(request.headers as Record<string, string> | undefined) } });
    if (res.statusCode === 201) receipts.push(res.json().receipt);
  }
  t.equal(receipts.length, 1, 'the tip went through');
  // An internal failure is logged, so force one to check what that log line holds.
  app.log.error({ err: Object.assign(new Error(`failure while handling ${address}`), { code: 'SQLITE_FULL' }) }, 'request failed');
  const text = logs.join('');
  t.ok(text.length > 0, 'something was logged');
  const forbidden = [address, '198.51.100.9', agent, 'TorBrowser', 'secretquery', toBase64Url(envelope).slice(0, 40), receipts[0]!, String(toBase64Url(envelope).length)];
  for (const needle of forbidden) t.notOk(text.includes(needle), `logs do not contain ${needle.slice(0, 30)}`);
  for (const line of logs) {
    const entry = JSON.parse(line);
    t.notOk('time' in entry, 'no timestamp');
    t.notOk('hostname' in entry || 'pid' in entry, 'no host or pid');
    t.notOk('reqId' in entry && entry.reqId !== 'r', 'no request counter');
    t.notOk('responseTime' in entry, 'no timing');
  }
});

t.test('a flood of refusals logs each kind once a minute, with how many were not logged', async (t) => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  // One spent challenge fills the set: every further solved tip is refused with 503.
  const { app, logs, keys } = await testApp(t, { pow: { maxSpent: 1 }, clock: () => now });
  const tip = async () => app.inject(await solvedTipRequest(app, await sealTip([keys[0]!.publicKey], 'flood')));
  t.equal((await tip()).statusCode, 201);
  const failures = () => logs.map((line) => JSON.parse(line) as { msg: string; repeated?: number; err?: { type: string } }).filter((e) => e.msg === 'request failed');
  for (let i = 0; i < 5; i++) t.equal((await tip()).statusCode, 503, `refusal ${i + 1}`);
  t.equal(failures().length, 1, 'five refusals within a minute: one line');
  t.notOk('repeated' in failures()[0]!, 'the first says nothing about repeats');
  now += 61_000;
  t.equal((await tip()).statusCode, 503);
  t.equal(failures().length, 2, 'a minute later: the next line');
  t.equal(failures()[1]!.repeated, 4, 'with the four that were only counted');
  t.same(failures()[1]!.err, { type: 'HttpError' }, 'still only the type');
});
