// Entry of the one-file offline toolkit, dist/tipline-offline.mjs (npm run build:offline):
// `node tipline-offline.mjs <command> [options]`. Everything is in src/offline/cli.ts.
import { basename } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { main, processContext } from './cli.js';

// The key file unlock starts this same file as a worker thread (src/offline/unlock.ts): it runs no command.
if (isMainThread) await run();

async function run(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) {
    process.stderr.write(`tipline: this toolkit needs Node.js 20 or newer (this is ${process.version})\n`);
    process.exit(1);
  }
  const file = basename(process.argv[1] ?? 'tipline-offline.mjs');
  process.exitCode = await main(
    process.argv.slice(2),
    processContext((command) => `node ${file} ${command}`),
  );
}
