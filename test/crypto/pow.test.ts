// The proof-of-work primitives, checked against the formulas of docs/PROTOCOL.md recomputed
// here directly from libsodium's BLAKE2b.
import t from 'tap';
import { concat, fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { CHALLENGE_BYTES, PowSolver, challengeTagValid, decodeChallenge, leadingZeroBits, makeChallenge, powBinding, powHash, powSolves, solvePow } from '../../src/crypto/pow.js';
import { loadSodium } from '../../src/crypto/sodium.js';

const KEY = new Uint8Array(32).fill(1);
const ID = new Uint8Array(16).fill(2);

t.test('the challenge layout and tag follow the documented formula', async (t) => {
  const sodium = await loadSodium();
  const challenge = makeChallenge(sodium, KEY, { id: ID, expiry: 1_700_000_000, bits: 8 });
  t.equal(challenge.length, CHALLENGE_BYTES);
  const payload = concat(Uint8Array.of(1), ID, fromHex('6553f100'), Uint8Array.of(8));
  t.equal(toHex(challenge.subarray(0, 22)), toHex(payload), 'version, id, u32be expiry, bits');
  const tag = sodium.crypto_generichash(32, concat(utf8('tipline pow challenge v1'), payload), KEY);
  t.equal(toHex(challenge.subarray(22)), toHex(tag), 'tag = keyed BLAKE2b-256');
  t.same(decodeChallenge(challenge), { id: ID, expiry: 1_700_000_000, bits: 8 });
  t.ok(challengeTagValid(sodium, KEY, challenge));
  t.notOk(challengeTagValid(sodium, new Uint8Array(32).fill(9), challenge), 'another key');
  for (let i = 0; i < challenge.length; i++) {
    const bad = Uint8Array.from(challenge);
    bad[i]! ^= 0x01;
    t.notOk(challengeTagValid(sodium, KEY, bad), `flipped bit in byte ${i} is refused`);
  }
  t.throws(() => makeChallenge(sodium, KEY, { id: ID, expiry: 1, bits: 0 }), RangeError);
  t.throws(() => makeChallenge(sodium, KEY, { id: ID, expiry: 1, bits: 41 }), RangeError);
  t.equal(decodeChallenge(challenge.subarray(1)), undefined, 'wrong length');
});

t.test('hash, binding and leading zero bits', async (t) => {
  const sodium = await loadSodium();
  t.equal(leadingZeroBits(fromHex('80')), 0);
  t.equal(leadingZeroBits(fromHex('01ff')), 7);
  t.equal(leadingZeroBits(fromHex('0000ff')), 16);
  t.equal(leadingZeroBits(fromHex('00000f')), 20);
  t.equal(leadingZeroBits(new Uint8Array(4)), 32);
  const challenge = makeChallenge(sodium, KEY, { id: ID, expiry: 1_700_000_000, bits: 10 });
  const binding = powBinding(sodium, 'envelope text');
  t.equal(toHex(binding), toHex(sodium.crypto_generichash(32, concat(utf8('tipline pow binding v1'), utf8('envelope text')), null)));
  t.equal(toHex(powBinding(sodium, utf8('envelope text'))), toHex(binding), 'string and UTF-8 bytes bind the same');
  const nonce = solvePow(sodium, challenge, binding);
  const hash = sodium.crypto_generichash(32, concat(utf8('tipline pow v1'), challenge, binding, nonce), null);
  t.equal(toHex(powHash(sodium, challenge, binding, nonce)), toHex(hash), 'hash = BLAKE2b-256(context || challenge || binding || nonce)');
  t.ok(leadingZeroBits(hash) >= 10, 'the solution has 10 leading zero bits');
  t.ok(powSolves(sodium, challenge, binding, nonce, 10));
  t.notOk(powSolves(sodium, challenge, powBinding(sodium, 'another envelope'), nonce, 10) && powSolves(sodium, challenge, powBinding(sodium, 'a third'), nonce, 10), 'a solution is bound to its text');
});

t.test('the resumable solver finds the first solving nonce and counts its tries', async (t) => {
  const sodium = await loadSodium();
  const challenge = makeChallenge(sodium, KEY, { id: ID, expiry: 1_700_000_000, bits: 6 });
  const binding = powBinding(sodium, 'x');
  let first = -1;
  for (let n = 0; first < 0; n++) {
    const nonce = new Uint8Array(8);
    new DataView(nonce.buffer).setUint32(4, n);
    if (powSolves(sodium, challenge, binding, nonce, 6)) first = n;
  }
  const solver = new PowSolver(sodium, challenge, binding);
  let found = solver.step(1);
  while (!found) {
    t.ok(solver.progress.tries <= first, 'no solution missed');
    found = solver.step(1);
  }
  t.equal(new DataView(found.buffer).getUint32(4), first, 'the first solving nonce');
  t.same(solver.progress, { tries: first + 1, expected: 64 });
  t.throws(() => new PowSolver(sodium, challenge.subarray(1), binding), RangeError);
});
