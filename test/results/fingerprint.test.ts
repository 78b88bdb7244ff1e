// The fingerprint's fit against stations generated from the Klimek et al. model with known f_i,
// f_e (as whole numbers of ballots, like a real file).
// What is recoverable, measured (see src/results/fingerprint.ts and docs/EDITORS.md): f_e is
// recovered within one grid step with the fair cloud estimated from the data, as the tool runs;
// f_i is recovered within one grid step only when the fair cloud is known. With the cloud
// estimated, the distance is flat along f_i within its noise (incremental fraud with σ_x = 0.075
// looks like a slightly shifted, wider fair cloud), so the tool's f_i is not asserted here and is
// documented as not a finding.
import t from 'tap';
import { FE_GRID, FI_GRID, applyFraud, drawModel, fingerprint, type FingerprintStation } from '../../src/results/fingerprint.js';
import { Random } from '../../src/results/random.js';

const FI_STEP = FI_GRID[1]!;
const FE_STEP = FE_GRID[1]!;
const FAIR = { turnoutMode: 0.55, turnoutSd: 0.08, shareMode: 0.45, shareSd: 0.07 };

function election(fi: number, fe: number, seed: number): FingerprintStation[] {
  const rng = new Random(seed);
  const n = 40_000;
  const d = drawModel(n, rng);
  const out: FingerprintStation[] = [];
  for (let i = 0; i < n; i++) {
    const registered = 300 + Math.floor(rng.uniform() * 2700);
    const { turnout, share } = applyFraud(d, i, FAIR, fi, fe);
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
  t.test(`f_i = ${fi}, f_e = ${fe}`, async (t) => {
    const stations = election(fi, fe, 7);
    const r = fingerprint(stations, { seed: 1234 });
    t.ok(Math.abs(r.fit.fe - fe) <= FE_STEP + 1e-9, `fair cloud estimated: f_e fitted ${r.fit.fe}`);
    t.equal(
      r.counts.reduce((a, b) => a + b, 0),
      r.stations,
      'every station is in the histogram',
    );
    t.comment(`fair cloud estimated: f_i fitted ${r.fit.fi} (true ${fi}; not identifiable, not asserted)`);
    const known = fingerprint(stations, { seed: 1234, fair: FAIR });
    t.ok(Math.abs(known.fit.fi - fi) <= FI_STEP + 1e-9, `fair cloud known: f_i fitted ${known.fit.fi}`);
    t.ok(Math.abs(known.fit.fe - fe) <= FE_STEP + 1e-9, `fair cloud known: f_e fitted ${known.fit.fe}`);
  });
}
