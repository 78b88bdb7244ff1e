// npm run decrypt -- --key <keyfile> --in <bundle> --out <dir> [--passphrase-file <file>]
// On the air-gapped machine: decrypt every tip of an export bundle into its own folder.
// Exit 0 when every record decrypted (or was already), 1 when any was skipped or on failure.
// The command itself is in src/offline/cli.ts (shared with the one-file toolkit).
import { processContext, runCommand } from '../src/offline/cli.js';

process.exitCode = await runCommand(
  'decrypt',
  process.argv.slice(2),
  processContext((command) => `npm run ${command} --`),
);
