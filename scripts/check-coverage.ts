// Fails the test run when coverage of the code that tests load in-process drops below the
// thresholds below. Not measured, and so not counted: browser-only code (src/client/main.ts,
// run by the e2e tests in Chromium) and command-line entry points that tests run as child
// processes (scripts/*.ts, and what only they import); the tests that run them check their
// behaviour, not their coverage.
import { readFileSync } from 'node:fs';

// Set just under what the suite measures (2026-11-30, npm test on the merged main: lines 95.9,
// branches 86.5, functions 94.1): a drop means new code arrived without tests. Raise them as
// coverage grows; never lower them to let a change through.
const THRESHOLDS = { lines: 95, branches: 86, functions: 93, statements: 95 } as const;

type Metric = { total: number; covered: number };
type Summary = Record<string, Record<keyof typeof THRESHOLDS, Metric>>;

const summary = JSON.parse(readFileSync('.tap/report/coverage-summary.json', 'utf8')) as Summary;
const totals = summary.total!;
let failed = false;
for (const [key, min] of Object.entries(THRESHOLDS) as [keyof typeof THRESHOLDS, number][]) {
  const { total, covered } = totals[key];
  const pct = total === 0 ? 100 : (100 * covered) / total;
  const ok = pct >= min;
  failed ||= !ok;
  console.log(`coverage ${key.padEnd(10)} ${pct.toFixed(1).padStart(5)} % (minimum ${min} %) ${ok ? 'ok' : 'TOO LOW'}`);
}
if (failed) process.exit(1);
