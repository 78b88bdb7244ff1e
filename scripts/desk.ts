// npm run desk -- --key <key file> --usb <folder> [--desk <folder>] [--recipients <file>] [--lang en|ru|tk|kk] [--open]
// On the air-gapped machine: the editors' desk (src/desk/command.ts, through src/offline/cli.ts,
// the same code as `node tipline-offline.mjs desk`). The window script is built here at start;
// the toolkit has it compiled in.
import { processContext, runCommand } from '../src/offline/cli.js';
import { registerDeskScript } from '../src/desk/script.js';
import { buildDeskClient } from './build-desk-client.js';

registerDeskScript(await buildDeskClient());
process.exitCode = await runCommand(
  'desk',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
