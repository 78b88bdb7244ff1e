// The `results` subcommands of the offline command table (src/offline/cli.ts): option parsing
// and output lines only; the work is in ./command.ts.
import type { Command } from '../offline/cli.js';
import { optionTable } from '../shared/command.js';
import { ResultsError, quickcountCommand, compareCommand, forensicsCommand, protocolsCommand } from './command.js';

export { ResultsError };

/**
 * A results subcommand. Its options: `required` ones, `optional` ones, and optional whole numbers
 * with their ranges (`whole`), checked before `run`. `run` does the work and returns its summary
 * lines and the files it wrote; each file is printed after them as `wrote <file>`, exit code 0.
 */
function subcommand(c: {
  synopsis: string;
  summary: string;
  help: string;
  required: string[];
  optional?: string[];
  whole?: Record<string, [min: number, max: number]>;
  run: (values: Record<string, string | undefined>, numbers: Record<string, number | undefined>) => { lines: string[]; files: string[] };
}): Command {
  const whole = c.whole ?? {};
  return {
    synopsis: c.synopsis,
    summary: c.summary,
    help: () => c.help,
    options: optionTable([...c.required, ...(c.optional ?? []), ...Object.keys(whole)]),
    required: c.required,
    async run(values, ctx) {
      const strings = values as Record<string, string | undefined>;
      const numbers: Record<string, number | undefined> = {};
      for (const [name, [min, max]] of Object.entries(whole)) {
        const v = strings[name];
        if (v !== undefined && (!/^[0-9]{1,10}$/.test(v) || Number(v) < min || Number(v) > max)) throw new ResultsError(`--${name} must be a whole number from ${min} to ${max}`);
        numbers[name] = v === undefined ? undefined : Number(v);
      }
      const { lines, files } = c.run(strings, numbers);
      for (const line of [...lines, ...files.map((f) => `wrote ${f}`)]) ctx.stdout.write(`${line}\n`);
      return 0;
    },
  };
}

export const RESULTS_COMMANDS: Record<string, Command> = {
  forensics: subcommand({
    synopsis: '--in <official.csv[.gz]> --columns <mapping.json> --out <new folder> [--seed N] [--reps N]',
    summary: 'integer percentages, distributions, fingerprint and digit tests of official per-station results',
    help:
      'Reads the official per-station results (CSV, UTF-8, optionally gzipped) with the column mapping\n' +
      '(docs/examples/*.columns.json) and writes into <new folder> (which must not exist):\n' +
      'results.json, results.csv (one row per station) and results.html (charts, opens offline).\n' +
      '--reps: Monte Carlo repetitions (default 1000); --seed: the random seed (default 42).\n',
    required: ['in', 'columns', 'out'],
    whole: { seed: [0, 0xffffffff], reps: [10, 100_000] },
    run(values, { seed, reps }) {
      const { files, forensics } = forensicsCommand({
        inPath: values.in!,
        columnsPath: values.columns!,
        outDir: values.out!,
        ...(seed !== undefined ? { seed } : {}),
        ...(reps !== undefined ? { reps } : {}),
      });
      const ip = forensics.integerPercentages;
      const line =
        `${forensics.stations} stations, ${forensics.noData} with missing figures; integer percentages: ${ip.included} included, ` +
        `${ip.observed.any} observed, excess ${ip.excess.any.toFixed(1)} (MC SD ${ip.sd.any.toFixed(1)}, ${ip.reps} repetitions, seed ${ip.seed}); ` +
        `fingerprint fit f_i ${forensics.fingerprint.fit.fi.toFixed(3)}, f_e ${forensics.fingerprint.fit.fe.toFixed(3)}`;
      return { lines: [line], files };
    },
  }),
  protocols: subcommand({
    synopsis: '--in <decrypted tips folder> --out <new folder> [--election <election.json>]',
    summary: "observers' protocols per station: figures, failed relations, conflicting reports",
    help:
      'Reads every tip.json that decrypt wrote under <decrypted tips folder> and, for the tips with a\n' +
      'results protocol, writes into <new folder> (which must not exist) results.json, results.csv\n' +
      '(one row per report) and results.html: per station the figures, the control relations that\n' +
      "fail (recomputed; the sender's list shown when it differs) and the items on which reports of\n" +
      'the same election and station disagree. --election: the election file (candidates, "against\n' +
      'all"); without it each report\'s own vote lines stand for the candidates.\n',
    required: ['in', 'out'],
    optional: ['election'],
    run(values) {
      const { files, result } = protocolsCommand({ inDir: values.in!, outDir: values.out!, ...(values.election !== undefined ? { electionPath: values.election } : {}) });
      const conflicting = result.stations.filter((s) => s.conflicts.length).length;
      const differs = result.stations.reduce((n, s) => n + s.reports.filter((r) => r.failedDiffers).length, 0);
      const line =
        `${result.protocols} protocols at ${result.stations.length} stations; ${conflicting} stations with conflicting reports; ` +
        `${differs} reports whose sender's failed relations differ from the recomputed ones; ${result.problems.length} unreadable protocols; ${result.withoutProtocol} tips without a protocol`;
      return { lines: [line, ...result.problems.map((p) => `unreadable protocol in ${JSON.stringify(p.folder)}: ${p.problem}`)], files };
    },
  }),
  compare: subcommand({
    synopsis: '--official <csv[.gz]> --columns <mapping.json> --protocols <decrypted tips folder> --out <new folder> [--declared <json>] [--leader <candidate id>]',
    summary: "official per-station figures against the observers' protocols, and the aggregation check",
    help:
      'Matches each protocol to the official station of the same number (and region, when both have\n' +
      'one) and writes into <new folder> results.json, results.csv and results.html: per station\n' +
      'each line item observed / official / difference, flagged when the official figures favour the\n' +
      'leader. --declared: a JSON file of declared totals, e.g. {"valid": 5800000, "invalid": 100000,\n' +
      '"leader": 4660000} or {"leaderShare": 80.1}; the sums of the stations are set against it.\n' +
      "--leader: the protocols' candidate id of the leader (default: the most votes in the protocols).\n",
    required: ['official', 'columns', 'protocols', 'out'],
    optional: ['declared', 'leader'],
    run(values) {
      const { files, result, problems } = compareCommand({
        officialPath: values.official!,
        columnsPath: values.columns!,
        protocolsDir: values.protocols!,
        outDir: values.out!,
        ...(values.declared !== undefined ? { declaredPath: values.declared } : {}),
        ...(values.leader !== undefined ? { leader: values.leader } : {}),
      });
      const s = result.aggregation.leaderShare;
      const pc = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} %`);
      const line =
        `${result.matched.length} protocols matched, ${result.unmatchedProtocols.length} not matched, ${problems} unreadable; ${result.favoursLeader} stations where the official figures favour the leader (${result.leader}); ` +
        `leader's share: declared ${pc(s.declared)}, official stations summed ${pc(s.officialSum)}, protocols summed ${pc(s.protocolsSum)}`;
      return { lines: [line], files };
    },
  }),
  quickcount: subcommand({
    synopsis: '--in <sample.csv[.gz]> --columns <mapping.json> --out <new folder> [--population N] [--margin P]',
    summary: "the leader's share from a random sample of stations, with its margin of error at 95 % and 99 %",
    help:
      'Reads the figures of a random sample of stations (CSV, with the column mapping) and writes into\n' +
      "<new folder> results.json, results.csv and results.html: the leader's share of the ballots\n" +
      'counted by the ratio estimator for cluster samples (NDI), its 95 % and 99 % margins.\n' +
      '--population: the number of stations in the whole election (finite population correction);\n' +
      '--margin: a target margin in percentage points (e.g. 1.5): the sample size it needs.\n',
    required: ['in', 'columns', 'out'],
    optional: ['margin'],
    whole: { population: [2, 10_000_000] },
    run(values, { population }) {
      let margin: number | undefined;
      if (values.margin !== undefined) {
        const m = values.margin;
        if (!/^[0-9]{1,2}(\.[0-9]{1,3})?$/.test(m) || Number(m) <= 0 || Number(m) >= 50) throw new ResultsError('--margin must be a number of percentage points above 0 and below 50, e.g. 1.5');
        margin = Number(m) / 100;
      }
      const { files, result: q } = quickcountCommand({
        inPath: values.in!,
        columnsPath: values.columns!,
        outDir: values.out!,
        ...(population !== undefined ? { population } : {}),
        ...(margin !== undefined ? { margin } : {}),
      });
      const line =
        `${q.n} stations (${q.noData} with a figure missing); leader's share ${(100 * q.share).toFixed(2)} %, ` +
        `margin ± ${(100 * q.margin95).toFixed(2)} points at 95 %, ± ${(100 * q.margin99).toFixed(2)} at 99 %` +
        (q.needed ? `; for ± ${(100 * q.needed.margin).toFixed(2)} points: ${q.needed.n95} stations (95 %), ${q.needed.n99} (99 %)` : '');
      return { lines: [line], files };
    },
  }),
};
