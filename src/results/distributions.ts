// Turnout and the leader's share, station by station, counted in 0.1-percentage-point bins
// (bin k holds values within ±0.05 of k/10, as Kobak et al. draw them). Manipulated figures
// pile up on whole and round numbers (70 %, 75 %, 80 %): spikes at those bins stand above their
// neighbours. The same stations as the integer-percentage test.
import type { StationTable } from './columns.js';
import { included } from './integer.js';

export const BINS = 1001; // 0.0, 0.1, …, 100.0

export interface Distributions {
  turnout: number[];
  share: number[];
  /** Stations in whole-number bins (k/10 a whole number), per kind, against 1/10 of all. */
  wholeNumberBins: { turnout: number; share: number; expected: number };
}

export function bin(k: number, n: number): number {
  return Math.min(BINS - 1, Math.max(0, Math.floor((1000 * k) / n + 0.5)));
}

export function distributions(t: StationTable): Distributions {
  const turnout = new Array<number>(BINS).fill(0);
  const share = new Array<number>(BINS).fill(0);
  let n = 0;
  for (let i = 0; i < t.count; i++) {
    if (!included(t, i)) continue;
    n++;
    turnout[bin(t.issued[i]!, t.registered[i]!)]!++;
    share[bin(t.leader[i]!, t.valid[i]! + t.invalid[i]!)]!++;
  }
  const whole = (h: number[]) => h.reduce((s, c, k) => (k % 10 === 0 ? s + c : s), 0);
  return { turnout, share, wholeNumberBins: { turnout: whole(turnout), share: whole(share), expected: n / 10 } };
}
