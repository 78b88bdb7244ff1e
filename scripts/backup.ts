// npm run backup -- --db <path> --out <file>: a consistent copy of the database, taken with
// SQLite's online backup API while the server runs. The copy holds ciphertext only, but treat
// it like the database itself (docs/OPERATIONS.md, "Backup and restore").
import { processContext } from '../src/shared/command.js';
import { runHostCommand } from '../src/server/commands.js';

process.exitCode = await runHostCommand(
  'backup',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
