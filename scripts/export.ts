// npm run export -- --db <path> --out <bundle>: on the server host, copy every stored tip
// (ciphertext only) into one bundle file for the air-gapped machine. Safe while the server runs.
import { processContext } from '../src/shared/command.js';
import { runHostCommand } from '../src/server/commands.js';

process.exitCode = await runHostCommand(
  'export',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
