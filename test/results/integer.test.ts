// Integer percentages reproduce Kobak, Shpilkin & Pshenichnikov (AOAS 2016) on the two real
// files of ../shared/data/elections, read with the mapping files of docs/examples exactly as a
// newsroom would run them: `npm run results -- forensics` as a real child process, 1 000 Monte
// Carlo repetitions. Included and observed counts must match exactly; the excess must lie within
// 4 combined Monte Carlo standard errors of the published one (ours sd/√1000 and the paper's
// own, also from 1 000 repetitions), and the Monte Carlo SD within 10 % of the published SD.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';
import { parseMapping, readStations } from '../../src/results/columns.js';
import { integerPercentages, integerProbability, isInteger } from '../../src/results/integer.js';
import { Random, binomial, binomialPlan, logFactorials } from '../../src/results/random.js';

const CASES = [
  { file: 'ru-2012-president', included: 87_623, observed: 18_025, excess: 1159.6, sd: 116.3 },
  { file: 'ru-2016-duma', included: 90_357, observed: 19_068, excess: 1502.4, sd: 118.1 },
];

t.test('the data folder is there (never skipped)', async (t) => {
  for (const c of CASES) t.ok(existsSync(join(DATA, `${c.file}.csv.gz`)), `${DATA}/${c.file}.csv.gz must exist`);
});

for (const c of CASES) {
  t.test(`${c.file}: the published integer-percentage excess`, async (t) => {
    const out = t.testdir({});
    const dir = join(out, 'out');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/results.ts', 'forensics', '--in', join(DATA, `${c.file}.csv.gz`), '--columns', `docs/examples/${c.file}.columns.json`, '--out', dir, '--seed', '2016'],
      { cwd: ROOT, env: childEnv(), encoding: 'utf8' },
    );
    t.equal(r.status, 0, r.stderr);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    const ip = json.integerPercentages;
    t.equal(ip.reps, 1000);
    t.equal(ip.included, c.included, 'stations included');
    t.equal(ip.observed.any, c.observed, 'integer stations observed');
    for (const k of ['any', 'share', 'turnout']) {
      for (const m of ['observed', 'expected', 'excess', 'sd']) t.type(ip[m][k], 'number', `${m}.${k}`);
    }
    const se = Math.sqrt((ip.sd.any / Math.sqrt(1000)) ** 2 + (c.sd / Math.sqrt(1000)) ** 2);
    t.ok(Math.abs(ip.excess.any - c.excess) <= 4 * se, `excess ${ip.excess.any.toFixed(1)} vs published ${c.excess} (±${(4 * se).toFixed(1)})`);
    t.ok(Math.abs(ip.sd.any - c.sd) <= 0.1 * c.sd, `MC SD ${ip.sd.any.toFixed(1)} vs published ${c.sd}`);
    t.ok(readFileSync(join(dir, 'results.html'), 'utf8').includes(`${c.observed}`), 'results.html shows the observed count');
  });
}

t.test('empty cells are "no data", never zero, and the station is excluded and counted', async (t) => {
  const mapping = parseMapping({ station: 'uik', region: 'region', registered: 'reg', issued: ['a', 'b'], valid: 'v', invalid: 'inv', leader: 'L' });
  const text = 'region,uik,reg,a,b,v,inv,L\nX,1,1000,500,100,590,10,300\nX,2,1000,,100,590,10,300\nX,3,1000,500,100,590,10,\n';
  const table = readStations(text, mapping);
  t.equal(table.noData, 2);
  t.same(Array.from(table.issued), [600, -1, 600]);
  const r = integerPercentages(table, { reps: 20 });
  t.equal(r.included, 1);
  t.equal(r.noData, 2);
  t.equal(r.observed.any, 1, '60 % turnout and 50 % share: integer');
});

t.test('the ±0.05 window includes its bounds, as the authors compute it', async (t) => {
  t.ok(isInteger(1001, 2000), '50.05 % (on the bound) is integer');
  t.ok(isInteger(999, 2000), '49.95 % (on the bound) is integer');
  t.notOk(isInteger(1002, 2000), '50.10 % is not');
  t.notOk(isInteger(1005, 2000), '50.25 % is not');
});

t.test('the Monte Carlo draws "integer or not" with the exact probability of a binomial redraw', async (t) => {
  const lf = logFactorials(5000);
  for (const [n, p] of [
    [1000, 0.3],
    [2873, 0.647],
    [150, 0.02],
    [4000, 0.5],
    [101, 0.99],
  ] as const) {
    // Every k from 0 to n, no truncation.
    let exact = 0;
    for (let k = 0; k <= n; k++) if (isInteger(k, n)) exact += Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * Math.log(p) + (n - k) * Math.log1p(-p));
    const fast = integerProbability(n, p, lf);
    t.ok(Math.abs(fast - exact) <= 1e-12, `n ${n}, p ${p}: ${fast} = ${exact}`);
    // Against binomial variates (BTRS / inversion): the frequency of integer draws.
    const rng = new Random(99);
    const plan = binomialPlan(n, p, lf);
    const draws = 200_000;
    let hits = 0;
    for (let d = 0; d < draws; d++) if (isInteger(binomial(plan, rng, lf), n)) hits++;
    const se = Math.sqrt((exact * (1 - exact)) / draws);
    t.ok(Math.abs(hits / draws - exact) <= 4 * se + 1e-9, `binomial draws: ${(hits / draws).toFixed(4)} vs ${exact.toFixed(4)} (±${(4 * se).toFixed(4)})`);
  }
});
