// npm run keygen -- --out <key file> [--passphrase-file <file>]
// On the air-gapped machine: make a new editor key. Writes the encrypted secret key file
// (mode 0600, never over an existing file); prints the public key line for the server's
// recipients file on standard output and what to do next on standard error.
import { parseArgs } from 'node:util';
import { KeygenError, checkCanCreate, checkNewPassphrase, createKeyFile, nextSteps, publicKeyOutput } from '../src/offline/keygen.js';
import { KeyFileError } from '../src/offline/keyfile.js';
import { PassphraseError, readPassphrase } from '../src/offline/passphrase.js';

const USAGE = 'usage: npm run keygen -- --out <key file> [--passphrase-file <file>]';

function fail(message: string, code: number): never {
  process.stderr.write(`tipline keygen: ${message}\n`);
  process.exit(code);
}

let values: { out?: string; 'passphrase-file'?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { out: { type: 'string' }, 'passphrase-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(`${(err as Error).message}; ${USAGE}`, 2);
}
if (values.help) {
  process.stdout.write(
    `${USAGE}\n` +
      'Makes a new editor key. The passphrase (at least 8 characters) is asked twice on the terminal,\n' +
      'or taken from --passphrase-file (its first line) or TIPLINE_PASSPHRASE.\n' +
      'Standard output gets the recipients-file entry (fingerprint comment and public key line), so\n' +
      '`npm run --silent keygen -- --out editor.key > editor.pub` saves it for the server.\n',
  );
  process.exit(0);
}
if (!values.out) fail(USAGE, 2);

try {
  checkCanCreate(values.out);
  const passphrase = await readPassphrase({ prompt: `New passphrase for ${values.out}: `, confirm: true, file: values['passphrase-file'] });
  checkNewPassphrase(passphrase);
  process.stderr.write('Making the key (this takes a few seconds)...\n');
  const key = await createKeyFile(values.out, passphrase);
  process.stdout.write(publicKeyOutput(key));
  process.stderr.write(nextSteps(key));
} catch (err) {
  if (err instanceof KeygenError || err instanceof PassphraseError || err instanceof KeyFileError) fail(err.message, 1);
  throw err;
}
