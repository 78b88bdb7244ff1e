// The quick count's interval against a synthetic population with a known share: over many
// seeded simple random samples of stations, the 95 % interval covers the true share about 95 %
// of the time and the 99 % interval about 99 % (within binomial tolerance: 3.5 standard errors
// of a proportion over the number of samples). Deterministic: fixed seeds, no timing.
// Then the command through its table (test/results/run.ts): its numbers from a small file, checked by hand.
import t from 'tap';
import { runResults } from './run.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { Random } from '../../src/results/random.js';
import { Z95, Z99, quickCount, ratioEstimate, sampleSize } from '../../src/results/quickcount.js';

const run = runResults;

// 20 000 stations of 200–2 999 ballots; the leader's share varies by station (regional swing).
const rng = new Random(2026);
const N = 20_000;
const counted = new Int32Array(N);
const leader = new Int32Array(N);
// The true share: the leader's ballots over all ballots counted, summed as the stations are made.
let sy = 0;
let sx = 0;
for (let i = 0; i < N; i++) {
  counted[i] = 200 + Math.floor(rng.uniform() * 2800);
  const p = Math.min(0.95, Math.max(0.05, 0.52 + 0.12 * rng.normal()));
  let k = 0;
  for (let j = 0; j < counted[i]!; j += 10) if (rng.uniform() < p) k += 10; // coarse, fast, still varied
  leader[i] = Math.min(k, counted[i]!);
  sy += leader[i]!;
  sx += counted[i]!;
}
const TRUTH = sy / sx;

t.test('coverage of the 95 % and 99 % intervals over 1 000 seeded samples of 400 stations', async (t) => {
  const samples = 1000;
  const n = 400;
  let in95 = 0;
  let in99 = 0;
  const idx = Int32Array.from({ length: N }, (_, i) => i);
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  const draw = new Random(7);
  for (let s = 0; s < samples; s++) {
    // Simple random sample without replacement: a partial Fisher–Yates shuffle.
    for (let k = 0; k < n; k++) {
      const j = k + Math.floor(draw.uniform() * (N - k));
      [idx[k], idx[j]] = [idx[j]!, idx[k]!];
      y[k] = leader[idx[k]!]!;
      x[k] = counted[idx[k]!]!;
    }
    const { share, se } = ratioEstimate(y, x, N);
    if (Math.abs(share - TRUTH) <= Z95 * se) in95++;
    if (Math.abs(share - TRUTH) <= Z99 * se) in99++;
  }
  const tol = (p: number) => 3.5 * Math.sqrt((p * (1 - p)) / samples);
  t.ok(Math.abs(in95 / samples - 0.95) <= tol(0.95), `95 % interval covered the truth in ${in95} of ${samples}`);
  t.ok(Math.abs(in99 / samples - 0.99) <= tol(0.99), `99 % interval covered the truth in ${in99} of ${samples}`);
});

t.test('sample size: the size asked for a margin gives about that margin', async (t) => {
  const take = 300;
  const y = leader.subarray(0, take);
  const x = counted.subarray(0, take);
  const needed = sampleSize(y, x, 0.01, Z95, N);
  const { se } = ratioEstimate(leader.subarray(0, needed), counted.subarray(0, needed), N);
  t.ok(Z95 * se > 0.008 && Z95 * se < 0.0125, `${needed} stations give a 95 % margin of ${(100 * Z95 * se).toFixed(2)} points (target 1.00)`);
  t.equal(quickCount(Int32Array.from([10, -1]), Int32Array.from([20, 30])).noData, 1, 'a missing figure is left out, not read as zero');
});

t.test('quickcount command: numbers by hand, bad input', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'map.json'), JSON.stringify({ station: 'uik', region: 'region', registered: 'reg', issued: 'iss', valid: 'v', invalid: 'inv', leader: 'A' }));
  // y = 60, 50, 70, 30; x = 100 each: r = 0.525; residuals 7.5, −2.5, 17.5, −22.5; s² = 875/3;
  // se = √(s² / (4 · 100²)) = 0.0853913; margin95 = 0.167364.
  writeFileSync(join(dir, 'sample.csv'), 'region,uik,reg,iss,v,inv,A\nr,1,200,100,98,2,60\nr,2,200,100,99,1,50\nr,3,200,100,100,0,70\nr,4,200,100,95,5,30\nr,5,200,,,,\n');
  const out = join(dir, 'out');
  const r = await run('quickcount', '--in', join(dir, 'sample.csv'), '--columns', join(dir, 'map.json'), '--out', out, '--margin', '5');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^4 stations \(1 with a figure missing\); leader's share 52\.50 %, margin ± 16\.74 points at 95 %, ± 22\.00 at 99 %; for ± 5\.00 points: 45 stations \(95 %\), 78 \(99 %\)$/m);
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  t.equal(json.share, 0.525);
  t.equal(json.se.toFixed(7), '0.0853913');
  t.notMatch(readFileSync(join(out, 'results.html'), 'utf8'), /<script/i);
  const bad = await run('quickcount', '--in', join(dir, 'sample.csv'), '--columns', join(dir, 'map.json'), '--out', join(dir, 'out2'), '--margin', 'lots');
  t.equal(bad.status, 1);
  t.match(bad.stderr, /--margin must be a number of percentage points/);
  t.notOk(existsSync(join(dir, 'out2')));
});
