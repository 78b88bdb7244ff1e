// Adaptive proof-of-work difficulty. Accepted solutions are counted in one-minute buckets over
// a sliding window (10 minutes by default). While the count stays at or below the threshold,
// challenges ask for `minBits`; above it, one more bit (twice the work) for every doubling of
// the rate: bits = minBits + ceil(log2(count / threshold)), never above `maxBits`. As the
// window slides past a burst the difficulty falls back by itself. Only counts are kept, never
// times of individual tips.
export interface DifficultyOptions {
  minBits: number;
  maxBits: number;
  /** Accepted solutions per window above which the difficulty rises. */
  threshold: number;
  windowMinutes?: number;
  /** Milliseconds since the epoch (tests pass a fake clock). */
  now?: () => number;
}

const MINUTE = 60_000;

export class AdaptiveDifficulty {
  readonly minBits: number;
  readonly maxBits: number;
  readonly threshold: number;
  private readonly buckets: number[];
  private readonly now: () => number;
  /** The minute number of buckets[0]'s most recent use, per slot. */
  private readonly minutes: number[];

  constructor(options: DifficultyOptions) {
    if (!(options.minBits >= 1 && options.maxBits >= options.minBits && Number.isInteger(options.minBits) && Number.isInteger(options.maxBits))) {
      throw new RangeError('difficulty bounds must be integers with 1 <= min <= max');
    }
    if (!(options.threshold >= 1)) throw new RangeError('the difficulty threshold must be at least 1');
    this.minBits = options.minBits;
    this.maxBits = options.maxBits;
    this.threshold = options.threshold;
    const size = options.windowMinutes ?? 10;
    this.buckets = new Array<number>(size).fill(0);
    this.minutes = new Array<number>(size).fill(-1);
    this.now = options.now ?? Date.now;
  }

  /** Counts one accepted solution. */
  record(): void {
    const minute = Math.floor(this.now() / MINUTE);
    const slot = minute % this.buckets.length;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.buckets[slot] = 0;
    }
    this.buckets[slot]!++;
  }

  /** Accepted solutions within the window. */
  count(): number {
    const minute = Math.floor(this.now() / MINUTE);
    let total = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      if (minute - this.minutes[i]! < this.buckets.length) total += this.buckets[i]!;
    }
    return total;
  }

  bits(): number {
    const count = this.count();
    if (count <= this.threshold) return this.minBits;
    return Math.min(this.maxBits, this.minBits + Math.ceil(Math.log2(count / this.threshold)));
  }
}
