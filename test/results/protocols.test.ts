// `results protocols` on a folder made by the real path: bodies with a `protocol` member sealed
// with the real envelope, submitted to the real app (proof of work and all), exported from the
// real SQLite file and decrypted by the real decrypt; then the real command as a child process.
// Checked: conflicts between two observers of one station (which items, each value), relations
// recomputed (a sender's wrong list flagged), a malformed protocol reported (not counted), an
// ordinary tip counted apart, the output folder's safety, and bad input failing in one line.
import t from 'tap';
import { runResults } from './run.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/client-build.js';
import { tempDir } from '../helpers/fixtures.js';
import { PROTOCOL_ITEMS } from '../helpers/protocol.js';
import { decryptedTips } from './decrypted.js';

const run = runResults;
const ELECTION = join(ROOT, 'docs/examples/election-kz-example.json');

const ITEMS = PROTOCOL_ITEMS;
const VOTES = { 'example-party-a': 300, 'example-party-b': 200, 'example-party-c': 100 };
const protocol = (station: string, items: Record<string, number>, votes: Record<string, number>, failed: string[]) => ({
  v: 1,
  election: 'kz-example-2026',
  station,
  region: 'almaty',
  items,
  votes,
  failed,
});

const SENT: { message: string; protocol?: unknown }[] = [
  // Two observers of station 12 disagree on the valid ballots and party A's votes.
  { message: 'observer 1, station 12', protocol: protocol('12', ITEMS, VOTES, []) },
  { message: 'observer 2, station 12', protocol: protocol('12', { ...ITEMS, valid: 720 }, { ...VOTES, 'example-party-a': 400 }, ['found-balance', 'votes-balance']) },
  // Station 7: more ballots in the boxes than issued; the sender's list says nothing failed.
  { message: 'station 7', protocol: protocol('7', { ...ITEMS, foundStationary: 700 }, VOTES, []) },
  // A malformed protocol (a negative count) is reported, never counted.
  { message: 'malformed', protocol: protocol('9', { ...ITEMS, valid: -5 }, VOTES, []) },
  // An ordinary tip.
  { message: 'no protocol here' },
];

t.test('protocols: conflicts, recomputed relations, problems', async (t) => {
  const dir = await decryptedTips(t, SENT);
  const out = join(tempDir(t), 'protocols');
  const r = await run('protocols', '--in', dir, '--out', out, '--election', ELECTION);
  t.equal(r.status, 0, r.stderr);
  t.match(
    r.stdout,
    /^3 protocols at 2 stations; 1 stations with conflicting reports; 2 reports whose sender's failed relations differ from the recomputed ones; 1 unreadable protocols; 1 tips without a protocol$/m,
  );
  t.match(r.stdout, /unreadable protocol in "[^"]+": protocol\.items\.valid must be a whole number/);
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  t.equal(json.protocols, 3);
  t.equal(json.withoutProtocol, 1);
  t.equal(json.problems.length, 1);
  const s12 = json.stations.find((s: { station: string }) => s.station === '12');
  const s7 = json.stations.find((s: { station: string }) => s.station === '7');
  t.equal(s12.reports.length, 2, 'both observers of station 12 grouped');
  const values = new Set(s12.conflicts.map((c: { values: number[] }) => c.values.join('/')));
  t.same(
    s12.conflicts.map((c: { item: string }) => c.item),
    ['valid', 'votes.example-party-a'],
    'the items that disagree',
  );
  t.ok(values.has('620/720') || values.has('720/620'), 'each value of valid shown');
  const byMessageOrder = s12.reports.map((rep: { failed: string[] }) => rep.failed.join(','));
  t.ok(byMessageOrder.includes(''), 'the consistent report fails nothing');
  t.ok(byMessageOrder.includes('found-balance'), 'the other fails found-balance (720 + 10 ≠ 630) and nothing else: its votes add up with party A at 400');
  const second = s12.reports.find((rep: { failed: string[] }) => rep.failed.includes('found-balance'));
  t.equal(second.failedDiffers, true, 'the sender also listed votes-balance, which holds: flagged');
  t.same(s7.reports[0].failed, ['found-le-issued', 'found-balance'], 'station 7 recomputed');
  t.equal(s7.reports[0].failedDiffers, true, 'the sender said none failed: flagged');
  t.same(s7.conflicts, [], 'one report, no conflict');
  const csv = readFileSync(join(out, 'results.csv'), 'utf8');
  t.equal(csv.trim().split('\r\n').length, 4, 'header + one row per report');
  const html = readFileSync(join(out, 'results.html'), 'utf8');
  t.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;/);
  t.notMatch(html, /<script/i);
  t.match(html, /Conflict:<\/strong> valid: (620 \/ 720|720 \/ 620)/);

  const again = await run('protocols', '--in', dir, '--out', out);
  t.equal(again.status, 1, 'an existing output folder is refused');
  t.match(again.stderr, /already exists/);

  // A symlink to a tip folder (someone's trap, or a copy by hand) is not followed: no third report.
  const first = readdirSync(dir).find((f) => existsSync(join(dir, f, 'tip.json')))!;
  symlinkSync(join(dir, first), join(dir, 'zz-linked-tip'));
  const linked = await run('protocols', '--in', dir, '--out', join(out, '..', 'linked'));
  t.equal(linked.status, 0, linked.stderr);
  t.match(linked.stdout, /^3 protocols at 2 stations;/m, 'the symlinked folder is skipped');
});

t.test('protocols: bad input is one line, exit 1, nothing written', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'empty'));
  const out = join(dir, 'out');
  const none = await run('protocols', '--in', join(dir, 'empty'), '--out', out);
  t.equal(none.status, 1);
  t.match(none.stderr, /holds no decrypted tips/);
  t.equal(none.stderr.trim().split('\n').length, 1);
  t.notOk(existsSync(out), 'no output folder');
  const usage = await run('protocols', '--in', join(dir, 'empty'));
  t.equal(usage.status, 2, 'no --out: usage, exit 2');
});
