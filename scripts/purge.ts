// npm run purge -- --db <path>: delete the tips whose retention time is up and put what arrived
// since the last run at random places in the file (the server also does both by itself every
// hour; store/retention.ts runMaintenance). Safe while the server runs. Reads TIPLINE_RETENTION_DAYS
// and TIPLINE_RETENTION_ACKED_DAYS like the server, so give it the same environment.
import { processContext } from '../src/shared/command.js';
import { runHostCommand } from '../src/server/commands.js';

process.exitCode = await runHostCommand(
  'purge',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
