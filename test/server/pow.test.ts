// Proof of work on the server: GET /api/pow, every refusal on POST /api/tips (missing, forged,
// expired, reused, unsolved, bound to another envelope) before any envelope parsing and with
// nothing stored, adaptive difficulty, the bounded spent set, the key file and the config.
import t from 'tap';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../src/crypto/bytes.js';
import { decodeChallenge, powBinding, powSolves, solvePow } from '../../src/crypto/pow.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { AdaptiveDifficulty } from '../../src/server/pow/difficulty.js';
import { POW_KEY_FILE, loadOrCreatePowKey } from '../../src/server/pow/key.js';
import { PowService } from '../../src/server/pow/service.js';
import { powFromEnv } from '../../src/server/config.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { POW_STALE } from '../../src/server/plugins/pow.js';
import { TEST_POW_BITS, sealTip, solvedPow, solvedTipRequest, tempDir, testApp, tipRequest } from '../helpers/fixtures.js';

t.test("GET /api/pow hands out a fresh MAC'd challenge at the configured difficulty", async (t) => {
  const { app } = await testApp(t);
  const a = await app.inject({ method: 'GET', url: '/api/pow' });
  const b = await app.inject({ method: 'GET', url: '/api/pow' });
  t.equal(a.statusCode, 200);
  t.match(a.headers['content-type'], /^application\/json/);
  t.equal(a.headers['cache-control'], 'no-store');
  const body = a.json();
  t.same(Object.keys(body).sort(), ['bits', 'challenge', 'expiresIn']);
  t.equal(body.bits, TEST_POW_BITS);
  t.equal(body.expiresIn, 600);
  const fields = decodeChallenge(fromBase64Url(body.challenge)!)!;
  t.equal(fields.bits, TEST_POW_BITS);
  t.ok(Math.abs(fields.expiry - (Date.now() / 1000 + 600)) < 60, 'expires in ten minutes');
  t.not(body.challenge, b.json().challenge, 'random, never repeated');
});

t.test('every bad proof of work is refused with 403 before the envelope is parsed, and nothing is stored', async (t) => {
  const { app, store, keys } = await testApp(t);
  const envelope = await sealTip([keys[0]!.publicKey], 'spam?');
  const text = toBase64Url(envelope);
  const good = await solvedPow(app, text);
  const forged = { ...good, challenge: good.challenge.slice(0, 30) + (good.challenge[30] === 'A' ? 'B' : 'A') + good.challenge.slice(31) };
  const { challenge: unsolvedChallenge } = (await app.inject({ method: 'GET', url: '/api/pow' })).json();
  // A nonce that does not solve: try nonces until one fails (at 4 bits, 15 in 16 do).
  const sodium = await loadSodium();
  let unsolved = '';
  for (let i = 0; !unsolved; i++) {
    const nonce = toBase64Url(Uint8Array.of(0, 0, 0, 0, 0, 0, i >> 8, i & 255));
    if (!powSolves(sodium, fromBase64Url(unsolvedChallenge)!, powBinding(sodium, text), fromBase64Url(nonce)!, TEST_POW_BITS)) unsolved = nonce;
  }
  // Another envelope the good solution does not solve: at 4 bits it still does for 1 in 16
  // (and that one is rightly accepted: test/server/fuzz.test.ts), so pick one it fails for.
  let other = await sealTip([keys[0]!.publicKey], 'another tip');
  while (powSolves(sodium, fromBase64Url(good.challenge)!, powBinding(sodium, toBase64Url(other)), fromBase64Url(good.nonce)!, TEST_POW_BITS))
    other = await sealTip([keys[0]!.publicKey], 'another tip');
  const cases: [string, string, number][] = [
    ['no pow member', JSON.stringify({ envelope: text }), 403],
    ['no pow member, and an invalid envelope', JSON.stringify({ envelope: 'AAAA' }), 403],
    ['forged challenge', JSON.stringify({ envelope: text, pow: forged }), 403],
    ['unsolved', JSON.stringify({ envelope: text, pow: { challenge: unsolvedChallenge, nonce: unsolved } }), 403],
    ['solved for another envelope', JSON.stringify({ envelope: toBase64Url(other), pow: good }), 403],
    ['malformed pow member', JSON.stringify({ envelope: text, pow: { challenge: 'x', nonce: 'y' } }), 400],
  ];
  for (const [name, payload, status] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json' }, payload });
    t.equal(res.statusCode, status, `${name}: ${status}`);
    if (status === 403) t.same(res.json(), { error: 'proof of work missing or invalid: reload the page' }, `${name}: clear message`);
  }
  t.equal(store.count(), 0, 'nothing stored');
  // The good solution still works (the refusals above did not spend it), once.
  t.equal((await app.inject(tipRequest(envelope, good))).statusCode, 201, 'accepted');
  const replay = await app.inject(tipRequest(envelope, good));
  t.equal(replay.statusCode, 403, 'a replayed solution is refused');
  t.equal(store.count(), 1, 'stored once');
});

t.test('expired challenges are refused; spent ids are forgotten after expiry; a full spent set refuses (503)', async (t) => {
  const sodium = await loadSodium();
  let now = 1_800_000_000_000;
  const pow = new PowService(sodium, { key: new Uint8Array(32).fill(7), minBits: 2, maxBits: 2, maxSpent: 2, now: () => now });
  const solve = (text: string) => {
    const { challenge } = pow.issue();
    return { challenge, nonce: toBase64Url(solvePow(sodium, fromBase64Url(challenge)!, powBinding(sodium, text))) };
  };
  const a = solve('a');
  now += 601_000;
  t.same(pow.verify(a.challenge, a.nonce, 'a'), { ok: false, reason: 'expired' });
  t.same(pow.verify(undefined, undefined, 'a'), { ok: false, reason: 'missing' });
  const [b, c, d] = [solve('b'), solve('c'), solve('d')];
  t.same(pow.verify(b.challenge, b.nonce, 'b'), { ok: true });
  t.same(pow.verify(b.challenge, b.nonce, 'b'), { ok: false, reason: 'reused' });
  t.same(pow.verify(c.challenge, c.nonce, 'c'), { ok: true });
  t.same(pow.verify(d.challenge, d.nonce, 'd'), { ok: false, reason: 'busy' }, 'the set is full of live ids: refuse rather than grow');
  t.equal(pow.spentCount, 2);
  now += 601_000;
  const e = solve('e');
  t.same(pow.verify(e.challenge, e.nonce, 'e'), { ok: true }, 'expired ids are swept to make room');
  t.equal(pow.spentCount, 1);
});

t.test('a sweep stops at the first live id, so its cost does not grow with the set', async (t) => {
  const sodium = await loadSodium();
  let now = 1_800_000_000_000;
  const pow = new PowService(sodium, { key: new Uint8Array(32).fill(9), minBits: 2, maxBits: 2, now: () => now });
  const solve = (text: string) => {
    const { challenge } = pow.issue();
    return { challenge, nonce: toBase64Url(solvePow(sodium, fromBase64Url(challenge)!, powBinding(sodium, text))) };
  };
  const early = solve('early');
  now += 300_000;
  const late = solve('late');
  t.same(pow.verify(late.challenge, late.nonce, 'late'), { ok: true });
  t.same(pow.verify(early.challenge, early.nonce, 'early'), { ok: true });
  now += 350_000; // early has expired, late has not
  pow.sweep();
  t.equal(pow.spentCount, 2, 'an expired id queued behind a live one waits');
  t.same(pow.verify(late.challenge, late.nonce, 'late'), { ok: false, reason: 'reused' }, 'the live id is still remembered');
  now += 300_000;
  pow.sweep();
  t.equal(pow.spentCount, 0, 'both gone once the front has expired');
});

t.test('the difficulty rises with the accepted rate and falls back when it calms', async (t) => {
  let now = 0;
  const d = new AdaptiveDifficulty({ minBits: 10, maxBits: 13, threshold: 5, now: () => now });
  t.equal(d.bits(), 10);
  for (let i = 0; i < 5; i++) d.record();
  t.equal(d.bits(), 10, 'at the threshold: base');
  d.record();
  t.equal(d.bits(), 11, 'above: one more bit');
  for (let i = 0; i < 14; i++) d.record();
  t.equal(d.count(), 20);
  t.equal(d.bits(), 12, 'four times the threshold: two more bits');
  for (let i = 0; i < 1000; i++) d.record();
  t.equal(d.bits(), 13, 'never above the maximum');
  now += 5 * 60_000;
  d.record();
  t.equal(d.count(), 1021, 'still in the window');
  now += 5 * 60_000 + 1;
  t.equal(d.count(), 1, 'the burst left the ten-minute window');
  t.equal(d.bits(), 10, 'back to the base');
  t.throws(() => new AdaptiveDifficulty({ minBits: 5, maxBits: 4, threshold: 1 }));
});

t.test('the service issues harder challenges under load', async (t) => {
  const sodium = await loadSodium();
  const pow = new PowService(sodium, { key: new Uint8Array(32).fill(3), minBits: 1, maxBits: 3, threshold: 2 });
  for (let i = 0; i < 8; i++) {
    const { challenge } = pow.issue();
    t.ok(pow.verify(challenge, toBase64Url(solvePow(sodium, fromBase64Url(challenge)!, powBinding(sodium, `t${i}`))), `t${i}`).ok);
  }
  t.equal(pow.issue().bits, 3, '8 accepted with threshold 2: 1 + log2(4) bits');
});

t.test('the key file: made once with mode 0600, reused, and refused when unsafe', async (t) => {
  const dir = tempDir(t);
  const key = loadOrCreatePowKey(dir);
  const path = join(dir, POW_KEY_FILE);
  t.equal(key.length, 32);
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.same(loadOrCreatePowKey(dir), key, 'the same key on the next start');
  chmodSync(path, 0o644);
  t.throws(() => loadOrCreatePowKey(dir), /readable by others/);
  writeFileSync(path, 'short', { mode: 0o600 });
  chmodSync(path, 0o600);
  t.throws(() => loadOrCreatePowKey(dir), /exactly 32 bytes/);
});

t.test('configuration: defaults are real, bounds are checked', async (t) => {
  t.same(powFromEnv({}, []), { minBits: 13, maxBits: 20, threshold: 30, maxSpent: 100_000 });
  t.same(powFromEnv({ TIPLINE_POW_MAX_SPENT: '2000000' }, []).maxSpent, 2_000_000);
  t.same(powFromEnv({ TIPLINE_POW_MIN_BITS: '4' }, []), { minBits: 4, maxBits: 20, threshold: 30, maxSpent: 100_000 });
  const problems: string[] = [];
  powFromEnv({ TIPLINE_POW_MIN_BITS: '0', TIPLINE_POW_MAX_BITS: 'x', TIPLINE_POW_THRESHOLD: '-1' }, problems);
  t.equal(problems.length, 3);
  const dir = tempDir(t);
  t.throws(() => loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_POW_MIN_BITS: '16', TIPLINE_POW_MAX_BITS: '12' }), ConfigError);
  t.match(loadConfig({ TIPLINE_DATA_DIR: dir }).pow, { minBits: 13, maxBits: 20 });
});

t.test('stockpiled easy challenges are refused once the difficulty has risen; one bit of rise is forgiven', async (t) => {
  const { app, store, keys } = await testApp(t, { pow: { minBits: 4, maxBits: 9, threshold: 4 } });
  const recipients = keys.map((k) => k.publicKey);
  const bitsNow = async () => (await app.inject({ method: 'GET', url: '/api/pow' })).json().bits as number;
  // The attacker fetches and solves 60 challenges while the tip line is calm (4 bits).
  const stockpile: { envelope: Uint8Array; pow: { challenge: string; nonce: string } }[] = [];
  for (let i = 0; i < 60; i++) {
    const envelope = await sealTip(recipients, `stockpiled ${i}`);
    stockpile.push({ envelope, pow: await solvedPow(app, toBase64Url(envelope)) });
  }
  t.ok(
    stockpile.every(({ pow }) => decodeChallenge(fromBase64Url(pow.challenge)!)!.bits === 4),
    'all at 4 bits',
  );
  // Real load raises the difficulty: accepted tips, each with a fresh challenge.
  let accepted = 0;
  while ((await bitsNow()) < 6) {
    const envelope = await sealTip(recipients, `load ${accepted}`);
    t.equal((await app.inject(await solvedTipRequest(app, envelope))).statusCode, 201);
    accepted++;
  }
  t.equal(await bitsNow(), 6, `the difficulty rose to 6 bits after ${accepted} tips`);
  // A challenge fetched now (6 bits), before the difficulty rises one more bit.
  const honestEnvelope = await sealTip(recipients, 'honest, slow');
  const honest = await solvedPow(app, toBase64Url(honestEnvelope));
  const statuses = await Promise.all(stockpile.map(async ({ envelope, pow }) => app.inject(tipRequest(envelope, pow))));
  t.same([...new Set(statuses.map((r) => r.statusCode))], [403], 'every stockpiled solution refused with 403');
  t.same(statuses[0]!.json(), { error: POW_STALE }, 'a clear message (the page fetches a fresh challenge on 403)');
  t.equal(store.count(), accepted, 'none stored');
  while ((await bitsNow()) < 7) {
    const envelope = await sealTip(recipients, `more load ${accepted}`);
    t.equal((await app.inject(await solvedTipRequest(app, envelope))).statusCode, 201);
    accepted++;
  }
  const late = await app.inject(tipRequest(honestEnvelope, honest));
  t.equal(late.statusCode, 201, 'the honest 6-bit solution still counts at 7 bits (one bit tolerated)');
  const fresh = stockpile[0]!;
  const retried = await app.inject(tipRequest(fresh.envelope, await solvedPow(app, toBase64Url(fresh.envelope))));
  t.equal(retried.statusCode, 201, 'the same envelope with a fresh challenge (what the page does on 403) is accepted');
  t.equal(store.count(), accepted + 2);
});
