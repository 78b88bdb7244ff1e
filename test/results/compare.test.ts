// `results compare` through the command table (test/results/run.ts): an official file of three stations against
// protocols decrypted by the real path (test/results/decrypted.ts). Checked: every line item
// observed / official / difference; the station whose official figures give the leader more is
// flagged and the faithful one is not; a protocol of an unknown station is left unmatched; the
// aggregation check shows the leader's share declared, summed from the official stations and
// summed from the protocols (as Belarus 2020: 61.7 % summed against 80.1 % declared).
import t from 'tap';
import { runResults } from './run.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { PROTOCOL_ITEMS } from '../helpers/protocol.js';
import { decryptedTips } from './decrypted.js';

const run = runResults;
const ITEMS = PROTOCOL_ITEMS;
const VOTES = { 'example-party-a': 300, 'example-party-b': 200, 'example-party-c': 100 };
const protocol = (station: string) => ({ v: 1, election: 'kz-example-2026', station, region: 'almaty', items: ITEMS, votes: VOTES, failed: [] });
const MAPPING = { title: 'test election', station: 'uik', region: 'region', registered: 'reg', issued: 'iss', valid: 'v', invalid: 'inv', leader: 'A' };
// Station 12 as observed; station 7 with 100 more ballots, all for the leader; 99 without observers.
const OFFICIAL = 'region,uik,reg,iss,v,inv,A\nalmaty,12,1200,630,620,10,300\nalmaty,7,1200,730,720,10,400\nalmaty,99,1000,500,490,10,245\n';

t.test('compare: per station differences, the leader favoured, the aggregation check', async (t) => {
  const tips = await decryptedTips(t, [
    { message: 'station 12', protocol: protocol('12') },
    { message: 'station 7', protocol: protocol('7') },
    { message: 'station 404', protocol: protocol('404') },
  ]);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'official.csv'), OFFICIAL);
  writeFileSync(join(dir, 'map.json'), JSON.stringify(MAPPING));
  writeFileSync(join(dir, 'declared.json'), JSON.stringify({ valid: 1830, invalid: 30, leader: 1500 }));
  const out = join(dir, 'out');
  const r = await run('compare', '--official', join(dir, 'official.csv'), '--columns', join(dir, 'map.json'), '--protocols', tips, '--out', out, '--declared', join(dir, 'declared.json'));
  t.equal(r.status, 0, r.stderr);
  t.match(
    r.stdout,
    /^2 protocols matched, 1 not matched, 0 unreadable; 1 stations where the official figures favour the leader \(example-party-a\); leader's share: declared 80\.6 %, official stations summed 50\.8 %, protocols summed 47\.6 %$/m,
  );
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const s7 = json.matched.find((m: { station: string }) => m.station === '7');
  const s12 = json.matched.find((m: { station: string }) => m.station === '12');
  t.same(s7.lines, [
    { item: 'registered', observed: 1200, official: 1200, difference: 0 },
    { item: 'issued', observed: 630, official: 730, difference: 100 },
    { item: 'valid', observed: 620, official: 720, difference: 100 },
    { item: 'invalid', observed: 10, official: 10, difference: 0 },
    { item: 'leader', observed: 300, official: 400, difference: 100 },
  ]);
  t.equal(s7.favoursLeader, true, 'station 7 flagged');
  t.equal(s12.favoursLeader, false, 'station 12 as observed: not flagged');
  t.same(
    json.unmatchedProtocols.map((u: { station: string }) => u.station),
    ['404'],
  );
  t.same(json.aggregation.official, { stations: 3, registered: 3400, issued: 1860, valid: 1830, invalid: 30, leader: 945 });
  t.same(json.aggregation.protocols, { stations: 3, registered: 3600, issued: 1890, valid: 1860, invalid: 30, leader: 900 });
  t.equal(json.aggregation.leaderShare.declared.toFixed(2), ((100 * 1500) / 1860).toFixed(2));
  const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\r\n');
  t.equal(csv.length, 3, 'header + one row per matched protocol');
  t.match(
    csv.find((l) => l.startsWith('"7",')),
    /,yes$/,
  );
  const html = readFileSync(join(out, 'results.html'), 'utf8');
  t.notMatch(html, /<script/i);
  t.match(html, /declared 80\.6 %, official stations summed 50\.8 %, observers' protocols summed 47\.6 %/);
});

t.test('compare: bad declared file or no protocols: one line, exit 1, nothing written', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'official.csv'), OFFICIAL);
  writeFileSync(join(dir, 'map.json'), JSON.stringify(MAPPING));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ leader: 'many' }));
  const out = join(dir, 'out');
  const bad = await run('compare', '--official', join(dir, 'official.csv'), '--columns', join(dir, 'map.json'), '--protocols', dir, '--out', out, '--declared', join(dir, 'bad.json'));
  t.equal(bad.status, 1);
  t.match(bad.stderr, /bad\.json: "leader" must be a whole number/);
  t.notOk(existsSync(out));
  const none = await run('compare', '--official', join(dir, 'official.csv'), '--columns', join(dir, 'map.json'), '--protocols', dir, '--out', out);
  t.equal(none.status, 1);
  t.match(none.stderr, /holds no decrypted tips/);
  t.equal(none.stderr.trim().split('\n').length, 1);
  t.notOk(existsSync(out));
});
