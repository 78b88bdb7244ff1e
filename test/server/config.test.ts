// One settings table (src/server/settings.ts) → one frozen, validated configuration, and the
// operator's documentation in step with it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers/fixtures.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { SETTINGS, settingsTable, type Setting } from '../../src/server/settings.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES, DEFAULT_MIN_FREE_BYTES, DEFAULT_UPLOAD_TTL_HOURS } from '../../src/server/store/uploads.js';
import { DEFAULT_MAX_SPENT, DEFAULT_POW_MAX_BITS, DEFAULT_POW_MIN_BITS, DEFAULT_POW_THRESHOLD } from '../../src/server/pow/service.js';
import { DEFAULT_RETENTION } from '../../src/server/store/retention.js';
import { DEFAULT_NOJS_BURST, DEFAULT_NOJS_MAX_FILE_BYTES, DEFAULT_NOJS_PER_HOUR } from '../../src/server/plugins/nojs.js';

function problemsOf(env: NodeJS.ProcessEnv, dir: string): string[] {
  try {
    loadConfig({ TIPLINE_DATA_DIR: dir, ...env }, dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

t.test("docs/OPERATIONS.md's Configuration table is the settings table, row for row", async (t) => {
  const doc = readFileSync(new URL('../../docs/OPERATIONS.md', import.meta.url), 'utf8');
  const start = doc.indexOf('| variable | default | |');
  t.ok(start > 0, 'the table is there');
  const end = doc.indexOf('\n\n', start);
  t.equal(doc.slice(start, end), settingsTable(), 'edit src/server/settings.ts and paste settingsTable() into docs/OPERATIONS.md');
  // And every TIPLINE_ variable the server reads is a row (none read behind the table's back).
  const source = readFileSync(new URL('../../src/server/config.ts', import.meta.url), 'utf8');
  for (const name of new Set(source.match(/TIPLINE_[A-Z_]+/g))) t.ok(name in SETTINGS, `${name} is in the table`);
});

t.test('the configuration is one frozen value; defaults come from the table only', async (t) => {
  const dir = tempDir(t);
  const config = loadConfig({ TIPLINE_DATA_DIR: dir }, dir);
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.pow) && Object.isFrozen(config.uploads) && Object.isFrozen(config.limits) && Object.isFrozen(config.nojs), 'frozen all the way down');
  t.throws(() => {
    (config as { port: number }).port = 1;
  }, TypeError);
  t.throws(() => {
    (config.pow as { minBits: number }).minBits = 1;
  }, TypeError);
  t.equal(config.port, SETTINGS.TIPLINE_PORT.default);
  t.same(config.pow, { minBits: 13, maxBits: 20, threshold: 30, maxSpent: 100_000 });
  t.same(config.limits, { requestTimeoutSeconds: 120, idleTimeoutSeconds: 30, bodyBytesInFlight: 32 * 1024 * 1024, shutdownSeconds: 5 });
  t.same(config.nojs, { enabled: true, burst: 30, perHour: 120, maxFileBytes: 100 * 1024 * 1024 });
  t.same([config.retentionDays, config.retentionAckedDays], [30, 7]);
  // The modules' own default constants are the table's values (no second copy to drift).
  t.same(DEFAULT_LIMITS, { requestTimeoutSeconds: config.limits.requestTimeoutSeconds, idleTimeoutSeconds: config.limits.idleTimeoutSeconds, bodyBytesInFlight: config.limits.bodyBytesInFlight });
  t.same(
    [DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES, DEFAULT_UPLOAD_TTL_HOURS, DEFAULT_MIN_FREE_BYTES],
    [config.uploads.maxFileBytes, config.uploads.maxFiles, config.uploads.ttlHours, config.uploads.minFreeBytes],
  );
  t.same([DEFAULT_POW_MIN_BITS, DEFAULT_POW_MAX_BITS, DEFAULT_POW_THRESHOLD, DEFAULT_MAX_SPENT], [config.pow.minBits, config.pow.maxBits, config.pow.threshold, config.pow.maxSpent]);
  t.same(DEFAULT_RETENTION, { days: config.retentionDays, ackedDays: config.retentionAckedDays });
  t.same([DEFAULT_NOJS_BURST, DEFAULT_NOJS_PER_HOUR, DEFAULT_NOJS_MAX_FILE_BYTES], [config.nojs.burst, config.nojs.perHour, config.nojs.maxFileBytes]);
});

t.test('every whole-number setting: its bounds accepted, one past them refused with one line', async (t) => {
  const dir = tempDir(t);
  for (const [name, s] of Object.entries(SETTINGS) as [string, Setting][]) {
    if (s.kind !== 'whole') continue;
    // POW_MAX_BITS must not be below POW_MIN_BITS (13 by default): pair the bound with the minimum.
    const pair = name === 'TIPLINE_POW_MAX_BITS' ? { TIPLINE_POW_MIN_BITS: '1' } : {};
    for (const ok of [s.min, s.max, s.default]) t.same(problemsOf({ ...pair, [name]: String(ok) }, dir), [], `${name}=${ok} accepted`);
    const refused = [String(s.max + 1), 'ten', '1e3', ' 1', '0x10', ''];
    if (s.min > 0) refused.push(String(s.min - 1));
    for (const bad of refused) t.same(problemsOf({ ...pair, [name]: bad }, dir), [`${name}: "${bad}" is not ${s.what}`], `${name}=${JSON.stringify(bad)} refused`);
  }
  t.same(problemsOf({ TIPLINE_NOJS: 'yes', TIPLINE_LOG_LEVEL: 'verbose' }, dir), ['TIPLINE_LOG_LEVEL: unknown level "verbose"', 'TIPLINE_NOJS: "yes" is neither on nor off']);
});

t.test('a server name that is not a host name is refused at start-up (it was once ignored)', async (t) => {
  const dir = tempDir(t);
  t.same(problemsOf({ TIPLINE_SERVER_NAMES: 'abc.onion, evil/path' }, dir), ['TIPLINE_SERVER_NAMES: "evil/path" is not a host name (with an optional :port)']);
  t.same(loadConfig({ TIPLINE_DATA_DIR: dir, TIPLINE_SERVER_NAMES: 'ABC.onion, abc.onion:8080' }, dir).serverNames, ['abc.onion', 'abc.onion:8080']);
});
