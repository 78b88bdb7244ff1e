// npm run export -- --db <path> --out <bundle>: on the server host, copy every stored tip
// (ciphertext only) into one bundle file for the air-gapped machine. Safe while the server runs.
import { parseArgs } from 'node:util';
import { ExportError, exportDatabase } from '../src/server/store/export.js';

const USAGE = 'usage: npm run export -- --db <tipline.sqlite> --out <bundle file>';

function fail(message: string, code: number): never {
  process.stderr.write(`tipline export: ${message}\n`);
  process.exit(code);
}

let values: { db?: string; out?: string };
try {
  ({ values } = parseArgs({ options: { db: { type: 'string' }, out: { type: 'string' } }, strict: true, allowPositionals: false }));
} catch (err) {
  fail(`${(err as Error).message}; ${USAGE}`, 2);
}
if (!values.db || !values.out) fail(USAGE, 2);

try {
  const { count } = await exportDatabase(values.db, values.out);
  process.stdout.write(`exported ${count} tip${count === 1 ? '' : 's'} to ${values.out}\n`);
} catch (err) {
  if (err instanceof ExportError) fail(err.message, 1);
  throw err;
}
