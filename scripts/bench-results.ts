// npm run bench:results [-- --in <file> --columns <mapping>]: the full forensics (1 000 Monte
// Carlo repetitions, fingerprint fit) on the 2016 file (96 871 stations), timed phase by phase,
// against a plain pass that only reads and parses the same file, measured in the same run.
// Prints times, the time per repetition, ratios and peak RSS; asserts nothing (docs/PERFORMANCE.md).
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ROOT } from './build-offline.js';
import { loadStations, readMapping } from '../src/results/command.js';
import { parseCsv } from '../src/results/csv.js';
import { readResultsText } from '../src/results/command.js';
import { integerPercentages } from '../src/results/integer.js';
import { fingerprint, fingerprintStations } from '../src/results/fingerprint.js';
import { distributions } from '../src/results/distributions.js';

const { values } = parseArgs({ options: { in: { type: 'string' }, columns: { type: 'string' }, reps: { type: 'string' } } });
// ../shared beside the repository; from a git worktree, beside the main checkout (as test/results/data.ts).
function dataDir(): string {
  const direct = resolve(ROOT, '../shared/data/elections');
  if (existsSync(direct)) return direct;
  try {
    return resolve(dirname(execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' }).trim()), '../shared/data/elections');
  } catch {
    return direct;
  }
}
const input = values.in ?? resolve(dataDir(), 'ru-2016-duma.csv.gz');
const columns = values.columns ?? resolve(ROOT, 'docs/examples/ru-2016-duma.columns.json');
const reps = Number(values.reps ?? 1000);
const ms = (t0: number) => performance.now() - t0;

let t0 = performance.now();
let rows = 0;
parseCsv(readResultsText(input), () => rows++);
const plain = ms(t0);
t0 = performance.now();
const table = loadStations(input, readMapping(columns));
const read = ms(t0);
t0 = performance.now();
const ip = integerPercentages(table, { reps });
const mc = ms(t0);
t0 = performance.now();
distributions(table);
const fp = fingerprint(fingerprintStations(table));
const fit = ms(t0);
const total = read + mc + fit;
const rss = process.resourceUsage().maxRSS / 1024;
const cpu = process.cpuUsage();
process.stdout.write(
  [
    `file ${input}: ${rows - 1} stations, ${ip.included} included`,
    `plain read + gunzip + CSV parse: ${(plain / 1000).toFixed(2)} s`,
    `read under the mapping:          ${(read / 1000).toFixed(2)} s`,
    `integer Monte Carlo (${reps} reps): ${(mc / 1000).toFixed(2)} s, ${(mc / reps).toFixed(1)} ms per repetition`,
    `distributions + fingerprint fit: ${(fit / 1000).toFixed(2)} s (f_i ${fp.fit.fi}, f_e ${fp.fit.fe})`,
    `total forensics: ${(total / 1000).toFixed(2)} s = ${(total / plain).toFixed(1)} × the plain pass; peak RSS ${rss.toFixed(0)} MiB`,
    `CPU time of the whole run (user + system): ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (wall times above include waiting for a busy machine)`,
    '',
  ].join('\n'),
);
