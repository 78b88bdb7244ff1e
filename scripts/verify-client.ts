// npm run verify-client -- --server <url>
// Builds the browser client from this source tree (deterministic build), then checks that a
// running Tipline server serves exactly it: the published manifest, every asset's bytes, the
// page's script and stylesheet tags with their SRI, and the page HTML itself. Prints one line
// per check and a verdict; exit 0 when everything matches, 1 on any mismatch, 2 for usage.
// (Reaching an onion address through Tor's SOCKS port is not supported yet.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildClient } from './build-client.js';
import { verifyClient } from '../src/verify/client.js';

function usage(message: string): never {
  process.stderr.write(`tipline verify-client: ${message}\nusage: npm run verify-client -- --server http://127.0.0.1:3000\n`);
  process.exit(2);
}

let server: string;
try {
  const { values } = parseArgs({ options: { server: { type: 'string' } }, strict: true, allowPositionals: false });
  if (!values.server) usage('--server <url> is required');
  const url = new URL(values.server);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage('--server must be an http:// or https:// URL');
  server = url.href;
} catch (err) {
  usage((err as Error).message);
}

const dir = mkdtempSync(join(tmpdir(), 'tipline-verify-'));
try {
  const local = await buildClient({ outDir: join(dir, 'client') });
  const result = await verifyClient(server, local);
  for (const check of result.checks) process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.text}\n`);
  if (result.ok) {
    process.stdout.write(`verdict: MATCH — ${server} serves exactly the client built from this source\n`);
  } else {
    process.stdout.write(`verdict: MISMATCH — ${server} does NOT serve the client built from this source (${result.checks.filter((c) => !c.ok).length} failed checks)\n`);
    process.exitCode = 1;
  }
} catch (err) {
  process.stderr.write(`tipline verify-client: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
