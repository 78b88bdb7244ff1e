// npm run purge -- --db <path>: delete the tips whose retention time is up and put what arrived
// since the last run at random places in the file (the server also does both by itself every
// hour; store/retention.ts runMaintenance). Safe while the server runs. Reads TIPLINE_RETENTION_DAYS
// and TIPLINE_RETENTION_ACKED_DAYS like the server, so give it the same environment.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/server/store/db.js';
import { runMaintenance } from '../src/server/store/retention.js';
import { retentionFromEnv } from '../src/server/config.js';

const USAGE = 'usage: npm run purge -- --db <tipline.sqlite>';

function fail(message: string, code: number): never {
  process.stderr.write(`tipline purge: ${message}\n`);
  process.exit(code);
}

let values: { db?: string };
try {
  ({ values } = parseArgs({ options: { db: { type: 'string' } }, strict: true, allowPositionals: false }));
} catch (err) {
  fail(`${(err as Error).message}; ${USAGE}`, 2);
}
if (!values.db) fail(USAGE, 2);
const problems: string[] = [];
const policy = retentionFromEnv(process.env, problems);
if (problems.length) fail(problems.join('; '), 2);
// openDatabase would create an empty database: a typo in --db must not look like success.
if (!existsSync(values.db)) fail(`no database at ${values.db}`, 1);

try {
  const db = openDatabase(values.db);
  try {
    const { deleted, walTruncated } = await runMaintenance(db, policy);
    const summary = Object.entries(deleted).map(([name, n]) => `${n} from ${name}`).join(', ');
    process.stdout.write(`purged ${summary} (retention ${policy.days} days, ${policy.ackedDays} after acknowledgement)\n`);
    if (!walTruncated) process.stdout.write('the write-ahead log is still in use by a reader; the server truncates it at its next hourly purge\n');
  } finally {
    db.close();
  }
} catch (err) {
  fail(`cannot purge ${values.db}: ${(err as Error).message}`, 1);
}
