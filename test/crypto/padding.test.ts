import t from 'tap';
import fc from 'fast-check';
import { MIN_PADDED_LENGTH, isPaddedLength, padme, paddedLength } from '../../src/crypto/padding.js';

t.test('Padmé matches the published examples', async (t) => {
  // Values from the PURBs paper's definition: 2^E rounded to keep S = floor(log2 E) + 1 bits.
  t.equal(padme(1), 1);
  t.equal(padme(1000), 1024);
  t.equal(padme(1025), 1088);
  t.equal(padme(9_999), 10_240);
  t.equal(padme(1_000_000), 1_015_808);
});

t.test('padding is idempotent, never shrinks and costs at most 12 %', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (n) => {
      const p = paddedLength(n);
      return p >= n && paddedLength(p) === p && isPaddedLength(p) && (n <= MIN_PADDED_LENGTH || p <= n * 1.12);
    }),
    { numRuns: 5000 },
  );
  t.pass('property held');
});

t.test('size classes: only padded lengths are valid', async (t) => {
  t.ok(isPaddedLength(MIN_PADDED_LENGTH));
  t.notOk(isPaddedLength(MIN_PADDED_LENGTH - 1));
  t.notOk(isPaddedLength(1025));
  t.ok(isPaddedLength(1088));
  t.notOk(isPaddedLength(1.5));
  t.throws(() => padme(0));
});

t.test('reader rules: Padmé at length 1 and below the floor (docs/PROTOCOL.md, "Reader rules")', async (t) => {
  t.equal(padme(1), 1, 'padme(1) = 1: E = 0 has no log2, the length is kept');
  t.equal(padme(2), 2);
  t.equal(padme(3), 3);
  t.throws(() => padme(0), RangeError, 'padme is undefined at 0');
  for (const n of [0, 1, 2, 3, 4, 1023, 1024]) t.equal(paddedLength(n), MIN_PADDED_LENGTH, `paddedLength(${n}) is the floor`);
  for (const p of [1, 2, 3, 512, 1000, 1023]) t.notOk(isPaddedLength(p), `${p} is below the floor: no size class, although padme(${p}) may equal it`);
});
