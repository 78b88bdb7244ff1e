// npm run report -- --in <decrypted folder> --out <new report folder> [--verified-only] [--lang ru] [--form <schema.json>]
// On the air-gapped machine: reports.csv and report.html from decrypted structured reports.
// The command is in src/offline/cli.ts (shared with the one-file toolkit); the logic in src/offline/report.ts.
import { processContext, runCommand } from '../src/offline/cli.js';

process.exitCode = await runCommand(
  'report',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
