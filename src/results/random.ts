// Seeded randomness for the Monte Carlo methods, so that a run is reproducible from its seed.
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", 2018; https://prng.di.unimi.it/xoshiro128starstar.c), 32-bit output. Seeding:
// the 128-bit state is four successive outputs of SplitMix32 (Vigna's SplitMix64 recipe on 32
// bits: add 0x9E3779B9, then xorshift-multiply by 0x21F0AAAD and 0x735A2D97 — the "splitmix32"
// of https://github.com/bryc/code/blob/master/jshash/PRNGs.md) started at the seed (an unsigned
// 32-bit integer).
//
// Binomial variates (the integer-percentage Monte Carlo now draws Bernoulli events of exact
// probability instead, see integer.ts; these remain as its cross-check in the tests): BTRS, the transformed rejection with squeeze of Hörmann ("The generation of
// binomial random variates", J. Statist. Comput. Simul. 46, 1993), for n·min(p,1−p) ≥ 10, and
// sequential inversion (Kachitvichyanukul & Schmeiser's BINV, Comm. ACM 31(2), 1988) below.

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit output, as an unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform on the open interval (0, 1), 32-bit resolution. */
  uniform(): number {
    return (this.u32() + 0.5) * 2.3283064365386963e-10;
  }

  /** Standard normal (Box–Muller, one of the pair). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** log(k!) for k = 0…max, by summing logarithms (exact enough for rejection tests). */
export function logFactorials(max: number): Float64Array {
  const t = new Float64Array(max + 1);
  for (let k = 2; k <= max; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
}

/**
 * Draws from Binomial(n, p). Precompute the per-(n, p) constants once with `binomialPlan` when
 * drawing many times from the same distribution (the Monte Carlo does).
 */
export interface BinomialPlan {
  n: number;
  /** p folded to ≤ 0.5; `flip` says the result is n − k. */
  p: number;
  flip: boolean;
  mode: 0 | 1 | 2; // 0: constant (p = 0), 1: inversion, 2: BTRS
  // inversion
  q: number;
  s: number;
  a: number;
  r0: number;
  // BTRS
  b: number;
  c: number;
  alpha: number;
  vr: number;
  lpq: number;
  m: number;
  h: number;
  bA: number;
}

export function binomialPlan(n: number, p0: number, lf: Float64Array): BinomialPlan {
  const flip = p0 > 0.5;
  const p = flip ? 1 - p0 : p0;
  const q = 1 - p;
  const plan: BinomialPlan = { n, p, flip, mode: 0, q, s: 0, a: 0, r0: 0, b: 0, c: 0, alpha: 0, vr: 0, lpq: 0, m: 0, h: 0, bA: 0 };
  if (n === 0 || p === 0) return plan;
  if (n * p < 10) {
    plan.mode = 1;
    plan.s = p / q;
    plan.a = (n + 1) * plan.s;
    plan.r0 = q ** n;
    return plan;
  }
  plan.mode = 2;
  const spq = Math.sqrt(n * p * q);
  plan.b = 1.15 + 2.53 * spq;
  plan.bA = -0.0873 + 0.0248 * plan.b + 0.01 * p;
  plan.c = n * p + 0.5;
  plan.alpha = (2.83 + 5.1 / plan.b) * spq;
  plan.vr = 0.92 - 4.2 / plan.b;
  plan.lpq = Math.log(p / q);
  plan.m = Math.floor((n + 1) * p);
  plan.h = lf[plan.m]! + lf[n - plan.m]!;
  return plan;
}

export function binomial(plan: BinomialPlan, rng: Random, lf: Float64Array): number {
  const n = plan.n;
  let k: number;
  if (plan.mode === 0) k = 0;
  else if (plan.mode === 1) {
    for (;;) {
      let u = rng.uniform();
      let r = plan.r0;
      k = 0;
      while (u > r) {
        u -= r;
        k++;
        if (k > n) break;
        r *= plan.a / k - plan.s;
      }
      if (k <= n) break;
    }
  } else {
    const { b, bA: a, c, alpha, vr, lpq, m, h } = plan;
    for (;;) {
      const u = rng.uniform() - 0.5;
      let v = rng.uniform();
      const us = 0.5 - Math.abs(u);
      k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) break;
      v = Math.log((v * alpha) / (a / (us * us) + b));
      if (v <= h - lf[k]! - lf[n - k]! + (k - m) * lpq) break;
    }
  }
  return plan.flip ? n - k : k;
}
