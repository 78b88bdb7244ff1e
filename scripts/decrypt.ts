// npm run decrypt -- --key <keyfile> --in <bundle> --out <dir> [--passphrase-file <file>]
// On the air-gapped machine: decrypt every tip of an export bundle into its own folder.
// Exit 0 when every record decrypted (or was already), 1 when any was skipped or on failure.
import { parseArgs } from 'node:util';
import { DecryptError, decryptBundle, formatSummary, readKeyFileText, summaryOk, unlockKey } from '../src/offline/decrypt.js';
import { PassphraseError, readPassphrase } from '../src/offline/passphrase.js';

const USAGE = 'usage: npm run decrypt -- --key <key file> --in <bundle> --out <folder> [--passphrase-file <file>]';

function fail(message: string, code: number): never {
  process.stderr.write(`tipline decrypt: ${message}\n`);
  process.exit(code);
}

let values: { key?: string; in?: string; out?: string; 'passphrase-file'?: string };
try {
  ({ values } = parseArgs({
    options: { key: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' }, 'passphrase-file': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(`${(err as Error).message}; ${USAGE}`, 2);
}
if (!values.key || !values.in || !values.out) fail(USAGE, 2);

try {
  const keyText = readKeyFileText(values.key);
  const passphrase = await readPassphrase({ prompt: `Passphrase for ${values.key}: `, file: values['passphrase-file'] });
  const key = await unlockKey(keyText, passphrase);
  const summary = await decryptBundle({ bundlePath: values.in, outDir: values.out, key });
  key.seed.fill(0);
  process.stdout.write(formatSummary(summary));
  process.exitCode = summaryOk(summary) ? 0 : 1;
} catch (err) {
  if (err instanceof DecryptError || err instanceof PassphraseError) fail(err.message, 1);
  throw err;
}
