// npm run backup -- --db <path> --out <file>: a consistent copy of the database, taken with
// SQLite's online backup API while the server runs. The copy holds ciphertext only, but treat
// it like the database itself (docs/OPERATIONS.md, "Backup and restore").
import { parseArgs } from 'node:util';
import { BackupError, backupDatabase } from '../src/server/store/backup.js';

const USAGE = 'usage: npm run backup -- --db <tipline.sqlite> --out <backup file>';

function fail(message: string, code: number): never {
  process.stderr.write(`tipline backup: ${message}\n`);
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
  const { tips } = await backupDatabase(values.db, values.out);
  process.stdout.write(`backed up ${tips} tip${tips === 1 ? '' : 's'} to ${values.out} (integrity check ok)\n`);
} catch (err) {
  if (err instanceof BackupError) fail(err.message, 1);
  throw err;
}
