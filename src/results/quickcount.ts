// Quick count (`results quickcount`): the leader's share from a random sample of stations, with
// its margin of error by the ratio estimator for cluster samples, as NDI's quick-count handbook
// (Estok, Nevitte & Cowan, "The Quick Count and Election Observation", NDI 2002) and its Apollo
// software compute it. Each sampled station is a cluster: y_i the leader's votes, x_i the
// ballots counted (valid + invalid, the denominator the other methods use). Pure.
//
//   r = Σy / Σx                                        (the estimated share)
//   s² = Σ (y_i − r·x_i)² / (n − 1)                    (residual variance of the clusters)
//   Var(r) = (1 − n/N) · s² / (n · x̄²)                 (x̄ = Σx / n; N = stations in the population,
//                                                        no correction when N is not given)
//   margin = z · √Var(r), z = 1.959964 (95 %), 2.575829 (99 %)
//
// Sample size for a target margin m (a proportion): n₀ = z² s² / (m² x̄²), n = n₀ / (1 + n₀/N),
// rounded up, with s² and x̄ from this sample (the sample acts as the pilot).
//
// Caveats: valid only for a random sample of stations drawn before election day (a sample of
// the stations observers happened to reach is not random); it measures the count at those
// stations, not what happened before the count (stuffed boxes are counted too).

export const Z95 = 1.959963984540054;
export const Z99 = 2.5758293035489004;

export interface QuickCount {
  /** Stations in the sample with every figure present. */
  n: number;
  /** Stations left out for a missing figure. */
  noData: number;
  population: number | null;
  /** The leader's share of ballots counted, 0…1. */
  share: number;
  /** Standard error of the share. */
  se: number;
  margin95: number;
  margin99: number;
  /** Stations needed for the target margin (--margin), at 95 % and 99 %. */
  needed?: { margin: number; n95: number; n99: number };
}

export function ratioEstimate(y: ArrayLike<number>, x: ArrayLike<number>, population?: number): { share: number; se: number } {
  const n = y.length;
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    sy += y[i]!;
    sx += x[i]!;
  }
  const r = sy / sx;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i]! - r * x[i]!) ** 2;
  const s2 = n > 1 ? ss / (n - 1) : NaN;
  const xbar = sx / n;
  const fpc = population ? 1 - n / population : 1;
  return { share: r, se: Math.sqrt((fpc * s2) / (n * xbar * xbar)) };
}

/** Stations needed for margin m (a proportion) at quantile z, from the sample's s² and x̄. */
export function sampleSize(y: ArrayLike<number>, x: ArrayLike<number>, m: number, z: number, population?: number): number {
  const n = y.length;
  const { se } = ratioEstimate(y, x);
  // se² = s² / (n x̄²) without correction, so s²/x̄² = n·se².
  const v = n * se * se;
  const n0 = (z * z * v) / (m * m);
  const size = population ? n0 / (1 + n0 / population) : n0;
  return Math.ceil(size);
}

export function quickCount(leader: Int32Array, counted: Int32Array, options: { population?: number; margin?: number } = {}): QuickCount {
  const y: number[] = [];
  const x: number[] = [];
  let noData = 0;
  for (let i = 0; i < leader.length; i++) {
    if (leader[i]! < 0 || counted[i]! < 0) noData++;
    else {
      y.push(leader[i]!);
      x.push(counted[i]!);
    }
  }
  const { share, se } = ratioEstimate(y, x, options.population);
  const out: QuickCount = { n: y.length, noData, population: options.population ?? null, share, se, margin95: Z95 * se, margin99: Z99 * se };
  if (options.margin !== undefined)
    out.needed = { margin: options.margin, n95: sampleSize(y, x, options.margin, Z95, options.population), n99: sampleSize(y, x, options.margin, Z99, options.population) };
  return out;
}
