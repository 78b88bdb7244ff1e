// The election fingerprint and its fraud model (Klimek, Yegorov, Hanel & Thurner, "Statistical
// detection of systematic election irregularities", PNAS 109(41), 2012, 16469–16473).
//
// Fingerprint: stations counted in a 2-D histogram of turnout (x) by the leader's share (y),
// 1-percentage-point bins (100 × 100). A fair election is one roughly round cloud; ballot
// stuffing smears it towards the top right and piles stations at 100 % / 100 %.
//
// Model (the paper's, with its parameters as stated here): each station i keeps its registered
// voters N_i; its fair turnout a_i ~ Normal(μ_a, σ_a) and the leader's fair share v_i ~
// Normal(μ_v, σ_v), both clipped to [0, 1]. With probability f_i it suffers incremental fraud:
// a fraction x_i ~ |Normal(0, σ_x)| of its non-voters is added as votes for the leader
// (ballot stuffing) and the same fraction of the other candidates' votes moved to the leader
// (vote stealing); with probability f_e, extreme fraud, the same with x_i ~ 1 − |Normal(0, σ_x)|;
// σ_x = 0.075. Then turnout a' = a + x(1 − a) and share v' = (a·v + x(1 − a) + x·a(1 − v)) / a'.
// μ and σ are estimated from the data's fair side: μ is the mode of the 0.1-pp histogram
// (smoothed over ±2 pp), σ the root mean square distance to the mode of the stations below
// it (fraud only moves stations up, so that side is the fair one).
//
// Fit: a grid search over f_i = 0, 0.025, …, 0.5 and f_e = 0, 0.005, …, 0.1; for each pair the
// model is simulated for the same stations (one seeded draw of a_i, v_i, x_i and the fraud die,
// reused for every pair, so the surface is smooth) and its 2-D histogram compared with the
// observed one by the sum of squared bin differences; the pair with the smallest sum wins.
// Identifiability, measured (test/results/fingerprint.test.ts, 40 000 simulated stations): with
// the fair cloud known, the fit recovers f_i and f_e within one grid step; with the fair cloud
// estimated from the data (here, or by matching low quantiles, or mean and SD, per grid point),
// f_e is still recovered but the distance along f_i is flat within its noise (for a true f_i of
// 0.2: 57 900–63 700 over f_i = 0…0.5, no trend), because incremental fraud with σ_x = 0.075
// moves a station by about 3 points, which a fair cloud shifted and widened by a few tenths of
// a point imitates. So f_i is reported but is not a finding.
// Caveat: the model is a caricature (one cloud, one kind of fraud, no real heterogeneity such
// as the high turnout of some regions): a non-zero fit says the data look like stuffing under
// this model, not that stuffing happened.
import type { StationTable } from './columns.js';
import { Random } from './random.js';

export const SIDE = 100;
export const SIGMA_X = 0.075;
export const FI_GRID = Array.from({ length: 21 }, (_, k) => k * 0.025);
export const FE_GRID = Array.from({ length: 21 }, (_, k) => k * 0.005);

export interface FingerprintStation {
  registered: number;
  turnout: number; // 0…1
  share: number; // 0…1
}

export interface FingerprintResult {
  stations: number;
  /** counts[y * 100 + x]: x turnout bin, y share bin (1 pp each). */
  counts: number[];
  fair: { turnoutMode: number; turnoutSd: number; shareMode: number; shareSd: number };
  fit: { fi: number; fe: number; distance: number; fairDistance: number; gridFi: number[]; gridFe: number[] };
}

/** Fingerprint stations: all figures present, registered > 0, ballots counted > 0, issued ≤ registered. */
export function fingerprintStations(t: StationTable): FingerprintStation[] {
  const out: FingerprintStation[] = [];
  for (let i = 0; i < t.count; i++) {
    const reg = t.registered[i]!;
    const iss = t.issued[i]!;
    const rec = t.valid[i]! + t.invalid[i]!;
    const lead = t.leader[i]!;
    if (reg <= 0 || iss < 0 || t.valid[i]! < 0 || t.invalid[i]! < 0 || lead < 0 || rec <= 0 || iss > reg || lead > rec) continue;
    out.push({ registered: reg, turnout: iss / reg, share: lead / rec });
  }
  return out;
}

const cell = (v: number) => Math.min(SIDE - 1, Math.max(0, Math.floor(v * SIDE)));

export function histogram2d(stations: { turnout: number; share: number }[]): Float64Array {
  const h = new Float64Array(SIDE * SIDE);
  for (const s of stations) h[cell(s.share) * SIDE + cell(s.turnout)]!++;
  return h;
}

/**
 * The fair Gaussian of a set of values in 0…1, from the rising (left) flank of their histogram,
 * which fraud leaves alone: the mode of the 0.1-pp histogram smoothed over ±2 pp, then a Gaussian
 * (a parabola in log counts) fitted by least squares to the 1-pp bins on the left flank whose
 * counts lie between 10 % and 80 % of the peak; its vertex is μ and its curvature gives σ.
 */
export function fairSide(values: number[]): { mode: number; sd: number } {
  const FINE = 1000;
  const W = 20;
  const h = new Float64Array(FINE);
  for (const v of values) h[Math.min(FINE - 1, Math.floor(v * FINE))]!++;
  let s = 0;
  for (let j = 0; j <= Math.min(FINE - 1, W); j++) s += h[j]!;
  let best = s;
  let bestAt = 0;
  for (let k = 1; k < FINE; k++) {
    if (k + W < FINE) s += h[k + W]!;
    if (k - W - 1 >= 0) s -= h[k - W - 1]!;
    if (s > best) {
      best = s;
      bestAt = k;
    }
  }
  const mode = (bestAt + 0.5) / FINE;
  // Left flank, 1-pp bins.
  const coarse = new Float64Array(SIDE);
  for (const v of values) coarse[cell(v)]!++;
  const top = Math.min(SIDE - 1, Math.floor(mode * SIDE));
  let peak = 0;
  for (let k = Math.max(0, top - 2); k <= Math.min(SIDE - 1, top + 2); k++) peak = Math.max(peak, coarse[k]!);
  // Weighted least squares of ln(count) = c0 + c1 x + c2 x², weights = count (Poisson).
  const m = new Float64Array(9);
  const r = new Float64Array(3);
  let used = 0;
  for (let k = top; k >= 0; k--) {
    const c = coarse[k]!;
    if (c < 0.1 * peak) break;
    if (c > 0.8 * peak) continue;
    const x = (k + 0.5) / SIDE - mode;
    const y = Math.log(c);
    const p = [1, x, x * x];
    for (let a = 0; a < 3; a++) {
      r[a]! += c * p[a]! * y;
      for (let b = 0; b < 3; b++) m[a * 3 + b]! += c * p[a]! * p[b]!;
    }
    used++;
  }
  const fallback = () => {
    let ss = 0;
    let n = 0;
    for (const v of values) {
      if (v < mode) {
        ss += (v - mode) * (v - mode);
        n++;
      }
    }
    return { mode, sd: n ? Math.sqrt(ss / n) : 0 };
  };
  if (used < 4) return fallback();
  const sol = solve3(m, r);
  const c1 = sol?.[1] ?? NaN;
  const c2 = sol?.[2] ?? NaN;
  if (!(c2 < 0)) return fallback();
  const sd = Math.sqrt(-1 / (2 * c2));
  const mu = mode - c1 / (2 * c2);
  if (!Number.isFinite(sd) || !Number.isFinite(mu) || mu < 0 || mu > 1 || sd > 0.5) return fallback();
  return { mode: mu, sd };
}

function solve3(m: Float64Array, r: Float64Array): number[] | undefined {
  const a = [
    [m[0]!, m[1]!, m[2]!, r[0]!],
    [m[3]!, m[4]!, m[5]!, r[1]!],
    [m[6]!, m[7]!, m[8]!, r[2]!],
  ];
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[p]![c]!)) p = i;
    if (Math.abs(a[p]![c]!) < 1e-300) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let i = 0; i < 3; i++) {
      if (i === c) continue;
      const f = a[i]![c]! / a[c]![c]!;
      for (let j = c; j < 4; j++) a[i]![j]! -= f * a[c]![j]!;
    }
  }
  return [a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!];
}

export interface ModelDraw {
  za: Float64Array;
  zv: Float64Array;
  die: Float64Array;
  z: Float64Array;
}

export type Fair = FingerprintResult['fair'];

const clip01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

/** One seeded draw of the model's random parts for n stations. */
export function drawModel(n: number, rng: Random): ModelDraw {
  const d: ModelDraw = { za: new Float64Array(n), zv: new Float64Array(n), die: new Float64Array(n), z: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    d.za[i] = rng.normal();
    d.zv[i] = rng.normal();
    d.die[i] = rng.uniform();
    d.z[i] = Math.min(1, Math.abs(SIGMA_X * rng.normal()));
  }
  return d;
}

/** Station i of a draw under fair parameters and fraud (fi, fe): its turnout and share. */
export function applyFraud(d: ModelDraw, i: number, fair: Fair, fi: number, fe: number): { turnout: number; share: number } {
  const a = clip01(fair.turnoutMode + fair.turnoutSd * d.za[i]!);
  const v = clip01(fair.shareMode + fair.shareSd * d.zv[i]!);
  const die = d.die[i]!;
  const x = die < fe ? 1 - d.z[i]! : die < fe + fi ? d.z[i]! : 0;
  const t = a + x * (1 - a);
  const votes = a * v + x * (1 - a) + x * a * (1 - v);
  return { turnout: t, share: t > 0 ? votes / t : 0 };
}

/**
 * Every model station for one grid point (applyFraud inlined, no allocation per station):
 * `visit` receives each station's turnout and leader's share.
 */
function simulate(d: ModelDraw, n: number, fair: Fair, fi: number, fe: number, visit: (turnout: number, share: number) => void): void {
  const { za, zv, die, z } = d;
  const { turnoutMode: ma, turnoutSd: sa, shareMode: mv, shareSd: sv } = fair;
  const cut = fe + fi;
  for (let i = 0; i < n; i++) {
    const a = clip01(ma + sa * za[i]!);
    const v = clip01(mv + sv * zv[i]!);
    const dd = die[i]!;
    const x = dd < fe ? 1 - z[i]! : dd < cut ? z[i]! : 0;
    const t = a + x * (1 - a);
    visit(t, t > 0 ? (a * v + x * (1 - a) + x * a * (1 - v)) / t : 0);
  }
}

/** The model's 2-D histogram for one grid point. */
function modelHistogram(d: ModelDraw, n: number, fair: Fair, fi: number, fe: number, h: Float64Array): void {
  h.fill(0);
  simulate(d, n, fair, fi, fe, (t, share) => h[cell(share) * SIDE + cell(t)]!++);
}

const FINE = 1000;

/** Quartiles (25, 50, 75 %) from a 0.1-pp histogram. */
function quartiles(h: Float64Array, n: number): [number, number, number] {
  const out: number[] = [];
  let acc = 0;
  let k = 0;
  for (const q of [0.25, 0.5, 0.75]) {
    while (k < FINE && acc + h[k]! < q * n) acc += h[k++]!;
    const inBin = h[k] ?? 0;
    out.push((k + (inBin > 0 ? (q * n - acc) / inBin : 0.5)) / FINE);
  }
  return out as [number, number, number];
}

function modelQuartiles(d: ModelDraw, n: number, fair: Fair, fi: number, fe: number, ht: Float64Array, hs: Float64Array) {
  ht.fill(0);
  hs.fill(0);
  simulate(d, n, fair, fi, fe, (turnout, share) => {
    ht[Math.min(FINE - 1, Math.floor(turnout * FINE))]!++;
    hs[Math.min(FINE - 1, Math.floor(share * FINE))]!++;
  });
  return { t: quartiles(ht, n), s: quartiles(hs, n) };
}

/**
 * The fair parameters that make the model, under fraud (fi, fe), match the observed median and
 * interquartile range of turnout and share (three fixed-point steps from the fair-side estimate).
 */
export function calibrate(d: ModelDraw, n: number, start: Fair, fi: number, fe: number, obs: { t: number[]; s: number[] }, ht: Float64Array, hs: Float64Array): Fair {
  const f = { ...start };
  for (let step = 0; step < 3; step++) {
    const m = modelQuartiles(d, n, f, fi, fe, ht, hs);
    f.turnoutMode += obs.t[1]! - m.t[1];
    f.shareMode += obs.s[1]! - m.s[1];
    const rt = (obs.t[2]! - obs.t[0]!) / (m.t[2] - m.t[0]);
    const rs = (obs.s[2]! - obs.s[0]!) / (m.s[2] - m.s[0]);
    if (Number.isFinite(rt) && rt > 0) f.turnoutSd *= Math.min(2, Math.max(0.5, rt));
    if (Number.isFinite(rs) && rs > 0) f.shareSd *= Math.min(2, Math.max(0.5, rs));
  }
  return f;
}

/**
 * The fingerprint and its fit. `fair`, when given, fixes the fair cloud instead of estimating it
 * from the data (used by the test that shows f_i is recoverable when the fair cloud is known).
 */
export function fingerprint(stations: FingerprintStation[], options: { seed?: number; fair?: Fair } = {}): FingerprintResult {
  const obs = histogram2d(stations);
  const n = stations.length;
  const tf = fairSide(stations.map((s) => s.turnout));
  const sf = fairSide(stations.map((s) => s.share));
  const start: Fair = { turnoutMode: tf.mode, turnoutSd: tf.sd, shareMode: sf.mode, shareSd: sf.sd };
  const ht = new Float64Array(FINE);
  const hs = new Float64Array(FINE);
  for (const st of stations) {
    ht[Math.min(FINE - 1, Math.floor(st.turnout * FINE))]!++;
    hs[Math.min(FINE - 1, Math.floor(st.share * FINE))]!++;
  }
  const obsQ = { t: quartiles(ht, n), s: quartiles(hs, n) };
  const draw = drawModel(n, new Random(options.seed ?? 42));
  const h = new Float64Array(SIDE * SIDE);
  let best = { fi: 0, fe: 0, distance: Infinity, fair: start };
  let fairDistance = NaN;
  for (const fi of FI_GRID) {
    for (const fe of FE_GRID) {
      if (fi + fe > 1) continue;
      const fair = options.fair ?? calibrate(draw, n, start, fi, fe, obsQ, ht, hs);
      modelHistogram(draw, n, fair, fi, fe, h);
      let dist = 0;
      for (let k = 0; k < h.length; k++) {
        const diff = h[k]! - obs[k]!;
        dist += diff * diff;
      }
      if (fi === 0 && fe === 0) fairDistance = dist;
      if (dist < best.distance) best = { fi, fe, distance: dist, fair };
    }
  }
  return { stations: n, counts: Array.from(obs), fair: best.fair, fit: { fi: best.fi, fe: best.fe, distance: best.distance, fairDistance, gridFi: FI_GRID, gridFe: FE_GRID } };
}
