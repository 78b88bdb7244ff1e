// npm run keygen -- --out <key file> [--passphrase-file <file>]
// On the air-gapped machine: make a new editor key. Writes the encrypted secret key file
// (mode 0600, never over an existing file); prints the public key line for the server's
// recipients file on standard output and what to do next on standard error.
// The command itself is in src/offline/cli.ts (shared with the one-file toolkit).
import { processContext, runCommand } from '../src/offline/cli.js';

process.exitCode = await runCommand(
  'keygen',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
