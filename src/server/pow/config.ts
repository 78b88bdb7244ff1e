// Proof-of-work settings from the environment (called by src/server/config.ts):
//   TIPLINE_POW_MIN_BITS   base difficulty, in leading zero bits (default 13)
//   TIPLINE_POW_MAX_BITS   ceiling the adaptive difficulty never exceeds (default 20)
//   TIPLINE_POW_THRESHOLD  accepted submissions per 10 minutes above which the difficulty
//                          rises by one bit per doubling (default 30)
//   TIPLINE_POW_MAX_SPENT  spent challenges remembered at most (until they expire); beyond
//                          it new solutions get 503 instead of memory growing (default 100000)
import { MAX_POW_BITS } from '../../crypto/pow.js';
import { DEFAULT_MAX_SPENT, DEFAULT_POW_MAX_BITS, DEFAULT_POW_MIN_BITS, DEFAULT_POW_THRESHOLD } from './service.js';

export interface PowConfig {
  minBits: number;
  maxBits: number;
  threshold: number;
  maxSpent: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, low: number, high: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d{1,8}$/.test(text) || value < low || value > high) {
    problems.push(`${name}: "${text.slice(0, 20)}" is not a whole number from ${low} to ${high}`);
    return fallback;
  }
  return value;
}

export function powFromEnv(env: NodeJS.ProcessEnv, problems: string[]): PowConfig {
  const minBits = whole(env, 'TIPLINE_POW_MIN_BITS', DEFAULT_POW_MIN_BITS, 1, MAX_POW_BITS, problems);
  const maxBits = whole(env, 'TIPLINE_POW_MAX_BITS', Math.max(DEFAULT_POW_MAX_BITS, minBits), 1, MAX_POW_BITS, problems);
  const threshold = whole(env, 'TIPLINE_POW_THRESHOLD', DEFAULT_POW_THRESHOLD, 1, 1_000_000, problems);
  if (maxBits < minBits) problems.push(`TIPLINE_POW_MAX_BITS: ${maxBits} is below TIPLINE_POW_MIN_BITS (${minBits})`);
  const maxSpent = whole(env, 'TIPLINE_POW_MAX_SPENT', DEFAULT_MAX_SPENT, 1000, 10_000_000, problems);
  return { minBits, maxBits, threshold, maxSpent };
}
