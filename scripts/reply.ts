// npm run reply -- --key <key file> --mailbox <id> --decrypted <folder> --in <text file> --out <reply bundle> [--recipients <file>]
// On the air-gapped machine: encrypt a reply to a source. The command is in src/offline/cli.ts.
import { processContext, runCommand } from '../src/offline/cli.js';

process.exitCode = await runCommand(
  'reply',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
