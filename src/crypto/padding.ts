// Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", PETS 2019): a length L is rounded up so that only its top
// ~log2(log2(L)) + 1 bits remain significant. Overhead is at most 12 %, and an observer
// learns only O(log log L) bits about the size. Tipline adds a floor, MIN_PADDED_LENGTH, so
// every short tip looks the same.

export const MIN_PADDED_LENGTH = 1024;

/** Padmé(L) for L >= 1. */
export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError('length must be a positive integer');
  if (length < 2) return length;
  const e = floorLog2(length);
  const s = floorLog2(e) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits;
  return Math.ceil(length / mask) * mask;
}

/** The padded size Tipline uses for a plaintext of `length` bytes. */
export function paddedLength(length: number): number {
  return length <= MIN_PADDED_LENGTH ? MIN_PADDED_LENGTH : padme(length);
}

/** True when `length` is one of the sizes paddedLength() can produce. */
export function isPaddedLength(length: number): boolean {
  return Number.isSafeInteger(length) && length >= MIN_PADDED_LENGTH && paddedLength(length) === length;
}

function floorLog2(n: number): number {
  let e = 0;
  while (2 ** (e + 1) <= n) e++;
  return e;
}
