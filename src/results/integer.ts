// Integer percentages (Kobak, Shpilkin & Pshenichnikov, "Integer percentages as electoral
// falsification fingerprints", Annals of Applied Statistics 10(1), 2016, 54–73).
//
// A station is "integer" when its turnout, 100·issued/registered, or the leader's share,
// 100·leader/(valid + invalid), lies within ±0.05 percentage points of a whole number, bounds
// included (|x − round(x)| ≤ 0.05, in double precision, as the authors' code computes it).
// Stations enter when valid + invalid > 0, registered ≥ 100, issued/registered ≤ 0.99 and
// leader/(valid + invalid) ≤ 0.99 (ratios compared as the authors' code does), and when none of
// these five figures is missing. The expected count comes from a Monte Carlo: in each
// repetition every station's leader votes are redrawn ~ Binomial(valid + invalid, share) and its
// ballots issued ~ Binomial(registered, turnout), and the integer stations counted again (drawn
// as the equivalent Bernoulli event "the redrawn figure is integer", see integerProbability).
// Excess = observed − mean expected; sd = the standard deviation of the Monte Carlo counts.
import type { StationTable } from './columns.js';
import { Random, logFactorials } from './random.js';

export const WINDOW = 0.05;
export const DEFAULT_REPS = 1000;
export const DEFAULT_SEED = 42;

export interface Triple {
  any: number;
  share: number;
  turnout: number;
}

export interface IntegerResult {
  /** Stations counted (the inclusion rule above). */
  included: number;
  /** Stations left out because a figure was missing. */
  noData: number;
  /** Stations left out by the rule (no ballots, under 100 voters, turnout or share over 99 %). */
  excluded: number;
  reps: number;
  seed: number;
  observed: Triple;
  expected: Triple;
  excess: Triple;
  sd: Triple;
  /** Standard error of the mean expected count, sd/√reps. */
  se: Triple;
}

/** Is 100·k/n within ±0.05 of a whole number? */
export function isInteger(k: number, n: number): boolean {
  const x = (100 * k) / n;
  return Math.abs(x - Math.round(x)) <= WINDOW;
}

/** The inclusion rule; also used by the distributions and fingerprint for the same stations. */
export function included(t: StationTable, i: number): boolean {
  const reg = t.registered[i]!;
  const iss = t.issued[i]!;
  const lead = t.leader[i]!;
  const v = t.valid[i]!;
  const inv = t.invalid[i]!;
  if (reg < 0 || iss < 0 || lead < 0 || v < 0 || inv < 0) return false;
  const rec = v + inv;
  return rec > 0 && reg >= 100 && iss / reg <= 0.99 && lead / rec <= 0.99;
}

/**
 * The probability that a Binomial(n, p) draw k is integer (isInteger(k, n)): the binomial
 * probabilities of the integer k within 12 standard deviations of n·p (the mass beyond is below
 * 1e-30), each exp(log C(n, k) + k log p + (n − k) log(1 − p)) with exact log-factorials.
 */
export function integerProbability(n: number, p: number, lf: Float64Array): number {
  if (p <= 0) return isInteger(0, n) ? 1 : 0;
  if (p >= 1) return isInteger(n, n) ? 1 : 0;
  const mean = n * p;
  const reach = 12 * Math.sqrt(mean * (1 - p)) + 12;
  const lo = Math.max(0, Math.floor(mean - reach));
  const hi = Math.min(n, Math.ceil(mean + reach));
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let sum = 0;
  for (let k = lo; k <= hi; k++) if (isInteger(k, n)) sum += Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * lp + (n - k) * lq);
  return Math.min(1, sum);
}

export function integerPercentages(t: StationTable, options: { reps?: number; seed?: number } = {}): IntegerResult {
  const reps = options.reps ?? DEFAULT_REPS;
  const seed = options.seed ?? DEFAULT_SEED;
  const idx: number[] = [];
  let noData = 0;
  for (let i = 0; i < t.count; i++) {
    if (t.registered[i]! < 0 || t.issued[i]! < 0 || t.leader[i]! < 0 || t.valid[i]! < 0 || t.invalid[i]! < 0) noData++;
    else if (included(t, i)) idx.push(i);
  }
  const observed: Triple = { any: 0, share: 0, turnout: 0 };
  let maxN = 0;
  for (const i of idx) {
    const rec = t.valid[i]! + t.invalid[i]!;
    const s = isInteger(t.leader[i]!, rec);
    const u = isInteger(t.issued[i]!, t.registered[i]!);
    if (s) observed.share++;
    if (u) observed.turnout++;
    if (s || u) observed.any++;
    maxN = Math.max(maxN, rec, t.registered[i]!);
  }
  const lf = logFactorials(maxN);
  const rng = new Random(seed);
  const cAny = new Int32Array(reps);
  const cShare = new Int32Array(reps);
  const cTurnout = new Int32Array(reps);
  // Station by station, all repetitions of one station together. A repetition only needs to know
  // whether the redrawn figure is integer, and for Binomial(n, p) that is a Bernoulli event of
  // probability P = Σ pmf(k) over the integer k (integerProbability): one uniform per figure and
  // repetition, instead of a binomial variate, with the same distribution of counts.
  for (const i of idx) {
    const rec = t.valid[i]! + t.invalid[i]!;
    const reg = t.registered[i]!;
    const ps = integerProbability(rec, t.leader[i]! / rec, lf);
    const pt = integerProbability(reg, t.issued[i]! / reg, lf);
    for (let r = 0; r < reps; r++) {
      const s = rng.uniform() < ps;
      const u = rng.uniform() < pt;
      if (s) cShare[r]!++;
      if (u) cTurnout[r]!++;
      if (s || u) cAny[r]!++;
    }
  }
  const stat = (c: Int32Array) => {
    let m = 0;
    for (const x of c) m += x;
    m /= c.length;
    let v = 0;
    for (const x of c) v += (x - m) * (x - m);
    return { mean: m, sd: Math.sqrt(v / c.length) };
  };
  const a = stat(cAny);
  const s = stat(cShare);
  const u = stat(cTurnout);
  const expected = { any: a.mean, share: s.mean, turnout: u.mean };
  const sd = { any: a.sd, share: s.sd, turnout: u.sd };
  return {
    included: idx.length,
    noData,
    excluded: t.count - idx.length - noData,
    reps,
    seed,
    observed,
    expected,
    excess: { any: observed.any - expected.any, share: observed.share - expected.share, turnout: observed.turnout - expected.turnout },
    sd,
    se: { any: sd.any / Math.sqrt(reps), share: sd.share / Math.sqrt(reps), turnout: sd.turnout / Math.sqrt(reps) },
  };
}
