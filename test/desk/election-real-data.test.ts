// The desk's conflict finder on a realistic set of results protocols: the first 400 polling
// stations (in the file's order) of the official 2012 Russian presidential results
// (../shared/data/elections, read by the results tool's own strict CSV reader), each copied by
// two observers as protocol-kz tips (line items and the five candidates' votes as the commission
// published them). For every 9th station the second observer's copy differs on one line (as a
// falsified or mistyped copy would); for every 25th a third copy agrees with the first. Exactly
// those stations are flagged, on exactly that line, naming both reports with each value; the
// counts hold every report once; rejecting the differing copies clears their conflicts.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATA } from '../results/data.js';
import { parseCsv } from '../../src/results/csv.js';
import type { ElectionTip } from '../../src/desk/api.js';
import { findConflicts, summarise } from '../../src/desk/election.js';
import type { ProtocolItem } from '../../src/forms/protocol.js';

const COLUMNS: [ProtocolItem, number][] = [
  ['registered', 3],
  ['received', 4],
  ['issuedEarly', 5],
  ['issuedStation', 6],
  ['issuedOutside', 7],
  ['cancelled', 8],
  ['foundMobile', 9],
  ['foundStationary', 10],
  ['invalid', 11],
  ['valid', 12],
];
const CANDIDATES = ['zhirinovsky', 'zyuganov', 'mironov', 'prokhorov', 'putin'];

t.test('two observers per station of the real 2012 results: every altered line flagged, nothing else', async (t) => {
  const text = gunzipSync(readFileSync(join(DATA, 'ru-2012-president.csv.gz'))).toString('utf8');
  let header: string[] = [];
  const regions: string[] = [];
  const stations: { region: string; uik: string; items: Partial<Record<ProtocolItem, number>>; votes: Record<string, number> }[] = [];
  parseCsv(text, (fields, line) => {
    if (line === 1) {
      header = fields;
      return;
    }
    if (stations.length >= 400) return;
    if (!regions.includes(fields[0]!)) regions.push(fields[0]!);
    const first = header.indexOf('Жириновский Владимир Вольфович');
    stations.push({
      region: `ru-${regions.indexOf(fields[0]!) + 1}`,
      uik: fields[2]!,
      items: Object.fromEntries(COLUMNS.map(([item, i]) => [item, Number(fields[i])])),
      votes: Object.fromEntries(CANDIDATES.map((c, k) => [c, Number(fields[first + k])])),
    });
  });
  t.equal(stations.length, 400, '400 real stations read');
  t.ok(header.includes('Путин Владимир Владимирович'), 'the real header');

  let n = 0;
  const tip = (s: (typeof stations)[number], items = s.items, votes = s.votes): ElectionTip => {
    const id = (++n).toString(16).padStart(32, '0');
    return {
      id,
      thread: id,
      received: '2012-03-05',
      form: { id: 'protocol-kz', version: 1 },
      fields: { region: 'almaty' },
      protocol: { v: 1, election: 'ru-2012-president', region: s.region, station: s.uik, items, votes, failed: [] },
      message: '',
      verification: { state: 'unverified', note: '' },
    };
  };
  const tips: ElectionTip[] = [];
  const expected = new Map<string, { line: string; first: string; second: string; values: number[] }>();
  stations.forEach((s, i) => {
    const a = tip(s);
    tips.push(a);
    let b: ElectionTip;
    if (i % 9 === 0) {
      // Alternate between a line item and the leader's votes, each moved by a plausible amount.
      if (i % 2 === 0) {
        b = tip(s, { ...s.items, valid: s.items.valid! + 150 });
        expected.set(`${s.region}/${s.uik}`, { line: 'valid', first: a.id, second: b.id, values: [s.items.valid!, s.items.valid! + 150] });
      } else {
        b = tip(s, s.items, { ...s.votes, putin: s.votes.putin! + 150 });
        expected.set(`${s.region}/${s.uik}`, { line: 'votes.putin', first: a.id, second: b.id, values: [s.votes.putin!, s.votes.putin! + 150] });
      }
    } else {
      b = tip(s);
    }
    tips.push(b);
    if (i % 25 === 0) tips.push(tip(s));
  });

  const conflicts = findConflicts(tips);
  t.equal(conflicts.length, expected.size, `${expected.size} stations with a differing copy, each flagged once`);
  for (const c of conflicts) {
    if (c.kind !== 'protocol') {
      t.fail(`unexpected ${c.kind} conflict`);
      continue;
    }
    const e = expected.get(`${c.region}/${c.station}`);
    if (!e) {
      t.fail(`station ${c.station} flagged without a differing copy`);
      continue;
    }
    t.same(
      c.lines.map((l) => l.item),
      [e.line],
      `station ${c.station}: only ${e.line}`,
    );
    t.ok(c.tips.includes(e.first) && c.tips.includes(e.second), `station ${c.station}: both reports named`);
    t.same(
      c.lines[0]!.values.filter((v) => v !== null).sort((x, y) => x! - y!),
      c.tips.length === 2 ? e.values : [e.values[0], e.values[0], e.values[1]],
      `station ${c.station}: each value`,
    );
  }

  // The second copies rejected: no conflict left (rejected reports are not compared).
  const judged = tips.map((x) => ([...expected.values()].some((e) => e.second === x.id) ? { ...x, verification: { state: 'rejected' as const, note: 'does not match the photo', editor: 'A' } } : x));
  t.same(findConflicts(judged), [], 'rejecting the altered copies clears every conflict');

  const start = process.hrtime.bigint();
  const s = summarise(tips, 'ru');
  t.comment(`summarise(${tips.length} real protocols): ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`);
  t.same(
    s.dimensions.find((d) => d.key === 'received')!.rows.map((r) => r.unverified),
    [tips.length],
    'every report counted once by day received',
  );
  const relations = new Set(s.reports.flatMap((r) => r.failed));
  t.comment(`relations that fail in the real protocols: ${[...relations].join(', ') || 'none'}`);
});
