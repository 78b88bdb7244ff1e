// The `results` subcommands of the offline command table (src/offline/cli.ts): option parsing
// and output lines only; the work is in ./command.ts.
import type { Command } from '../offline/cli.js';
import { ResultsError, forensicsCommand } from './command.js';

export { ResultsError };

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

function whole(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const s = str(v);
  if (!/^[0-9]{1,10}$/.test(s) || Number(s) < min || Number(s) > max) throw new ResultsError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(s);
}

export const RESULTS_COMMANDS: Record<string, Command> = {
  forensics: {
    synopsis: '--in <official.csv[.gz]> --columns <mapping.json> --out <new folder> [--seed N] [--reps N]',
    summary: 'integer percentages, distributions, fingerprint and digit tests of official per-station results',
    help: () =>
      'Reads the official per-station results (CSV, UTF-8, optionally gzipped) with the column mapping\n' +
      '(docs/examples/*.columns.json) and writes into <new folder> (which must not exist):\n' +
      'results.json, results.csv (one row per station) and results.html (charts, opens offline).\n' +
      '--reps: Monte Carlo repetitions (default 1000); --seed: the random seed (default 42).\n',
    options: { in: { type: 'string' }, columns: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, reps: { type: 'string' } },
    required: ['in', 'columns', 'out'],
    async run(values, ctx) {
      const seed = whole(values.seed, 'seed', 0, 0xffffffff);
      const reps = whole(values.reps, 'reps', 10, 100_000);
      const { files, forensics } = forensicsCommand({ inPath: str(values.in), columnsPath: str(values.columns), outDir: str(values.out), ...(seed !== undefined ? { seed } : {}), ...(reps !== undefined ? { reps } : {}) });
      const ip = forensics.integerPercentages;
      ctx.stdout.write(
        `${forensics.stations} stations, ${forensics.noData} with missing figures; integer percentages: ${ip.included} included, ` +
          `${ip.observed.any} observed, excess ${ip.excess.any.toFixed(1)} (MC SD ${ip.sd.any.toFixed(1)}, ${ip.reps} repetitions, seed ${ip.seed}); ` +
          `fingerprint fit f_i ${forensics.fingerprint.fit.fi.toFixed(3)}, f_e ${forensics.fingerprint.fit.fe.toFixed(3)}\n`,
      );
      for (const f of files) ctx.stdout.write(`wrote ${f}\n`);
      return 0;
    },
  },
};
