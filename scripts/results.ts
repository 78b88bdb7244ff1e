// npm run results -- <forensics|…> [options]
// On the air-gapped machine: forensics of official per-station election results.
// The command is in src/offline/cli.ts (shared with the one-file toolkit); the logic in src/results/.
import { processContext, runCommand } from '../src/offline/cli.js';

process.exitCode = await runCommand(
  'results',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
