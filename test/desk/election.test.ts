// The desk's election reports (src/desk/election.ts) with the real forms (election-tm,
// election-kz, protocol-kz): counts in the editor's language, verifications, conflicts per
// polling station, the verification.tsv import (strict, applied once, the desk's newer state
// kept), the publication table (verified only, free text left out unless asked, the choice in
// every free-text cell). Property tests (fast-check) for the TSV parser and the conflict finder.
import t from 'tap';
import fc from 'fast-check';
import type { ElectionTip, Verification } from '../../src/desk/api.js';
import { ReportError, findConflicts, folderName, importVerification, publicationCsv, publicationTable, readElectionReports, summarise, type StationConflict } from '../../src/desk/election.js';
import { parseSidecarLines, STATUSES, MAX_SIDECAR_NOTE } from '../../src/offline/report-parts.js';
import { textFor } from '../../src/forms/schema.js';
import { PROTOCOL_ITEMS } from '../helpers/protocol.js';

const EN = new TextEncoder();
const TM = { id: 'election-tm', version: 1 };
const KZ = { id: 'election-kz', version: 1 };
const PKZ = { id: 'protocol-kz', version: 1 };

let next = 1;
const hex = (n: number) => n.toString(16).padStart(32, '0');
/** A tip as the desk's model hands it over (Desk.electionTips). */
function tip(o: Partial<ElectionTip> & { state?: Verification; note?: string; editor?: string } = {}): ElectionTip {
  const id = o.id ?? hex(next++);
  const { state = 'unverified', note = '', editor, ...rest } = o;
  return { id, thread: `th${id.slice(2)}`, received: '2026-03-15', form: TM, fields: {}, message: `message of ${id}`, verification: { state, note, ...(editor ? { editor } : {}) }, ...rest };
}

const ITEMS = PROTOCOL_ITEMS;
const VOTES = { 'party-a': 300, 'party-b': 200, 'party-c': 100 };
const protocol = (station: string, items: Record<string, number> = ITEMS, votes: Record<string, number> = VOTES) => ({ v: 1, election: 'kz-2026', station, items, votes, failed: [] });

t.test("counts by region, category, stage, day reported and day received, in the editor's language", async (t) => {
  const tips = [
    tip({
      fields: { region: 'ashgabat', pollingStation: 12, date: '2026-03-15', stage: 'counting', category: ['ballot-stuffing', 'observers'] },
      state: 'verified',
      note: 'two witnesses',
      editor: 'Aygul',
    }),
    tip({ fields: { region: 'ashgabat', date: '2026-03-14', stage: 'election-day', category: ['coercion'] }, received: '2026-03-16' }),
    tip({ fields: { region: 'lebap', stage: 'election-day', category: ['coercion', 'other'] } }),
    tip({ fields: { region: 'mary', stage: 'campaign', category: ['other'] }, state: 'rejected', note: 'spam' }),
  ];
  const s = summarise(tips, 'ru');
  t.same([s.total, s.verified, s.unverified, s.rejected], [4, 1, 2, 1]);
  const dim = (key: string) => Object.fromEntries(s.dimensions.find((d) => d.key === key)!.rows.map((r) => [r.label, [r.verified, r.unverified]]));
  const ru = (key: string) => textFor(key, 'ru');
  t.same(
    s.dimensions.map((d) => d.key),
    ['region', 'category', 'stage', 'role', 'day', 'received'],
    'region first, then category, stage, the other choices, the days',
  );
  t.same(dim('region')[ru('form.election-tm.region.ashgabat')], [1, 1], 'Ashgabat: one verified, one unverified, labelled in Russian');
  t.same(dim('region')[ru('form.election-tm.region.mary')], [0, 0], 'the rejected report is never counted');
  t.same(dim('category')[ru('form.election-tm.category.coercion')], [0, 2]);
  t.same(dim('stage')[ru('form.election-tm.stage.election-day')], [0, 2]);
  t.same(dim('day'), { '2026-03-14': [0, 1], '2026-03-15': [1, 0], '(не указано)': [0, 1] }, 'the day as reported, then "(not given)" in Russian');
  t.same(dim('received'), { '2026-03-15': [1, 1], '2026-03-16': [0, 1] });
  t.equal(s.dimensions.find((d) => d.key === 'received')!.title, 'День получения');
  const first = s.reports[0]!;
  t.same(first.verification, { state: 'verified', note: 'two witnesses', editor: 'Aygul' }, 'each report with its verification, note and editor');
  t.same(
    first.answers.find((a) => a.field === 'region'),
    { field: 'region', label: ru('form.election-tm.region.label'), value: ru('form.election-tm.region.ashgabat'), freeText: false },
  );
  t.same(first.station, { region: 'ashgabat', station: '12' });
  t.same(first.problems, []);
});

t.test('a field is counted only over the reports whose form asks it: a protocol is never a "not given" category', async (t) => {
  const s = summarise([tip({ form: KZ, fields: { region: 'astana', stage: 'counting', category: ['carousel'] } }), tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('3') })], 'en');
  const rows = (key: string) =>
    Object.fromEntries(
      s.dimensions
        .find((d) => d.key === key)!
        .rows.filter((r) => r.verified + r.unverified > 0)
        .map((r) => [r.label, r.unverified]),
    );
  t.same(rows('category'), { 'Carousel or multiple voting': 1 });
  t.same(rows('region'), { 'Astana (city)': 1, 'Almaty (city)': 1 }, 'both forms ask the region');
});

t.test('reports read against their form: odd answers and protocols are shown as problems, relations recomputed', async (t) => {
  const reports = readElectionReports(
    [
      tip({ form: KZ, fields: { region: 'atlantis', stage: 'election-day', category: ['other'] } }),
      tip({ form: { id: 'election-kz', version: 9 }, fields: { region: 'astana' } }),
      tip({ form: PKZ, fields: { region: 'almaty' }, protocol: { ...protocol('7'), items: { ...ITEMS, foundStationary: 700 }, failed: [] } }),
      tip({ form: PKZ, fields: { region: 'almaty' }, protocol: { ...protocol('8'), items: { valid: -5 } } }),
    ],
    'en',
  );
  t.same(reports[0]!.problems, ['region: invalid']);
  t.match(reports[1]!.problems[0], /form election-kz v9 is not known here/);
  t.same(reports[2]!.failed, ['found-le-issued', 'found-balance'], "recomputed, not the sender's empty list");
  t.same(reports[2]!.station, { region: 'almaty', station: '7' }, "the region of the form's region field");
  t.match(reports[3]!.problems.join(), /protocol\.items\.valid must be a whole number/);
  t.equal(reports[3]!.protocol, undefined);
});

t.test('conflicts: protocols differing on a line, election day on two dates, verified against rejected', async (t) => {
  const a = tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('12') });
  const b = tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('12', { ...ITEMS, valid: 720 }, { ...VOTES, 'party-a': 400 }) });
  const same = tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('13') });
  const same2 = tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('13') });
  const otherRegion = tip({ form: PKZ, fields: { region: 'astana' }, protocol: protocol('12', { ...ITEMS, valid: 1 }) });
  const rejected = tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('13', { ...ITEMS, valid: 1 }), state: 'rejected' });
  const d1 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-03-15', category: ['carousel'] }, state: 'verified' });
  const d2 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-03-16', category: ['carousel'] }, state: 'rejected' });
  const d3 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-03-15', category: ['vote-buying'] } });
  const otherCategories = tip({ form: KZ, fields: { region: 'astana', pollingStation: 6, stage: 'counting', category: ['observers'] }, state: 'verified' });
  const otherCategories2 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 6, stage: 'counting', category: ['coercion'] }, state: 'rejected' });
  const v1 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 7, stage: 'counting', category: ['ballot-stuffing', 'other'] }, state: 'verified' });
  const v2 = tip({ form: KZ, fields: { region: 'astana', pollingStation: 7, stage: 'counting', category: ['ballot-stuffing'] }, state: 'rejected' });
  const conflicts = findConflicts([a, b, same, same2, otherRegion, rejected, d1, d2, d3, otherCategories, otherCategories2, v1, v2]);
  t.same(
    conflicts,
    [
      {
        kind: 'protocol',
        form: 'protocol-kz',
        election: 'kz-2026',
        region: 'almaty',
        station: '12',
        tips: [a.id, b.id],
        lines: [
          { item: 'valid', values: [620, 720] },
          { item: 'votes.party-a', values: [300, 400] },
        ],
      },
      { kind: 'verdict', form: 'election-kz', region: 'astana', station: '7', category: 'ballot-stuffing', verified: [v1.id], rejected: [v2.id] },
    ],
    'one protocol conflict with both reports and each value; d1/d2 are not election day on two dates because d2 is rejected, and their verdicts are on different days',
  );
  // Without the rejection, d1 and d2 place election day on two dates.
  const d2open = { ...d2, verification: { state: 'unverified' as const, note: '' } };
  const withDates = findConflicts([d1, d2open, d3]);
  t.same(withDates, [{ kind: 'date', form: 'election-kz', region: 'astana', station: '5', tips: [d1.id, d2open.id, d3.id], dates: ['2026-03-15', '2026-03-16', '2026-03-15'] }]);
});

// ---------------------------------------------------------------------------------------------
// verification.tsv

t.test("verification.tsv import: applied once, the desk's own verifications kept, unmatched lines reported", async (t) => {
  const a = tip({ receipt: '6536-4B9A-4D32-EC2A' });
  const b = tip();
  const c = tip({ state: 'rejected', note: 'dup', editor: 'Bolat' });
  const d = tip({ state: 'verified', note: 'ok', editor: 'Aygul' });
  const tips = [a, b, c, d];
  const file = [
    '# Tipline verification: one line per report',
    `6536-4b9a-4d32-ec2a\tVerified\ttwo witnesses`,
    `${folderName(b)}\trejected\tsee =1+1`,
    `${c.id}\tverified\tthe file says verified`,
    `${d.id}\tverified\tok`,
    `${'f'.repeat(32)}\tverified`,
    '',
  ].join('\r\n');
  const r = importVerification(EN.encode(`\uFEFF${file}`), tips);
  t.same(
    r.changes,
    [
      { thread: a.thread, change: { kind: 'verify', tip: a.id, state: 'verified', note: 'two witnesses' } },
      { thread: b.thread, change: { kind: 'verify', tip: b.id, state: 'rejected', note: 'see =1+1' } },
    ].sort((x, y) => (x.change.tip < y.change.tip ? -1 : 1)),
    'by receipt (any case) and by folder name',
  );
  t.equal(r.already, 1, 'd already so');
  t.same(
    r.kept,
    [{ line: 4, tip: c.id, file: { state: 'verified', note: 'the file says verified' }, desk: { state: 'rejected', note: 'dup', editor: 'Bolat' } }],
    "the desk's newer verification is not overwritten by the file",
  );
  t.same(r.unmatched, [{ line: 6, key: 'f'.repeat(32) }]);
  t.equal(r.canDelete, false, 'a line names a report not on this desk yet: keep the file');
  // Applied (as the desk would), the same file applies nothing again.
  const applied = tips.map((x) => {
    const ch = r.changes.find((y) => y.change.tip === x.id);
    return ch ? { ...x, verification: { state: ch.change.state, note: ch.change.note, editor: 'Me' } } : x;
  });
  const again = importVerification(EN.encode(file), applied);
  t.same(again.changes, [], 'applied once');
  t.equal(again.already, 3);
  const clean = importVerification(EN.encode(`${a.id}\tverified\n`), [a]);
  t.equal(clean.canDelete, true, 'every line on the desk: the file can be deleted');
});

t.test('verification.tsv import is strict: one bad line and nothing is applied', async (t) => {
  const a = tip();
  const b = tip({ receipt: 'AAAA-BBBB-CCCC-DDDD' });
  const c = tip({ receipt: 'AAAA-BBBB-CCCC-DDDD' });
  const bad: [string | Uint8Array, RegExp][] = [
    [`${a.id} verified\n`, /line 1: the status must be verified, unverified or rejected, separated from the report by a tab/],
    [`${a.id}\tapproved\n`, /line 1: the status must be/],
    [`\tverified\n`, /line 1: names no report before the tab/],
    [`${a.id}\tverified\tnote\u0000\n`, /line 1: holds a control character/],
    [`# ok\n${a.id}\tverified\tx\u001b[31m\n`, /line 2: holds a control character/],
    [`${a.id}\tverified\t${'x'.repeat(MAX_SIDECAR_NOTE + 1)}\n`, /line 1: the note is longer than 2000 characters/],
    [`${a.id}\tverified\n${folderName(a)}\trejected\n`, /line 2: .* is marked more than once/],
    [`aaaa-bbbb-cccc-dddd\tverified\n`, /receipts are not unique ids/],
    [new Uint8Array([0x61, 0x09, 0xff, 0xfe]), /not UTF-8 text/],
    [new Uint8Array(4 * 1024 * 1024 + 1), /larger than/],
  ];
  for (const [input, message] of bad) {
    t.throws(() => importVerification(typeof input === 'string' ? EN.encode(input) : input, [a, b, c]), { name: 'ReportError', message }, String(message));
  }
});

t.test('property: the TSV parser reads back exactly the lines written, whatever comments, blanks, CRLF, BOM and case', async (t) => {
  const key = fc.stringMatching(/^[0-9A-Za-z_-]{1,40}$/);
  // Notes: any text without control characters or line breaks, trimmed (tabs inside become spaces).
  const note = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/\p{Cc}|[\u2028\u2029]/gu, '').trim());
  const line = fc.record({ key, status: fc.constantFrom(...STATUSES), upper: fc.boolean(), note, comment: fc.option(fc.string({ maxLength: 20 }).map((s) => `# ${s.replace(/[\r\n]/g, '')}`)) });
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.boolean(), (lines, crlf, bom) => {
      const out: string[] = [];
      const expected: { line: number; key: string; status: string; note: string }[] = [];
      for (const l of lines) {
        if (l.comment !== null) out.push(l.comment, '');
        out.push(`${l.key}\t${l.upper ? l.status.toUpperCase() : l.status}${l.note ? `\t${l.note}` : ''}`);
        expected.push({ line: out.length, key: l.key, status: l.status, note: l.note });
      }
      const text = (bom ? '\uFEFF' : '') + out.join(crlf ? '\r\n' : '\n');
      t.same(parseSidecarLines(text), expected);
    }),
    { numRuns: 300 },
  );
  t.pass('300 files');
});

t.test('property: any bytes either import or fail with one ReportError; a change only ever names a tip of the desk, once, and a second import applies nothing', async (t) => {
  const tips = Array.from({ length: 6 }, (_, i) => tip({ receipt: `AAAA-BBBB-CCCC-000${i}`, ...(i === 5 ? { state: 'verified' as const, note: 'n', editor: 'E' } : {}) }));
  const keyOf = fc.oneof(fc.constantFrom(...tips.map((x) => x.id), ...tips.map(folderName), ...tips.map((x) => x.receipt!.toLowerCase())), fc.string({ maxLength: 40 }));
  const text = fc
    .array(fc.tuple(keyOf, fc.oneof(fc.constantFrom(...STATUSES), fc.string({ maxLength: 10 })), fc.string({ maxLength: 30 })), { maxLength: 12 })
    .map((ls) => ls.map(([k, s, n]) => `${k}\t${s}\t${n}`).join('\n'));
  const bytes = fc.oneof(
    text.map((s) => EN.encode(s)),
    fc.uint8Array({ maxLength: 200 }),
  );
  let imported = 0;
  fc.assert(
    fc.property(bytes, (file) => {
      let r;
      try {
        r = importVerification(file, tips);
      } catch (err) {
        if (!(err instanceof ReportError)) throw err;
        return;
      }
      imported++;
      const ids = r.changes.map((c) => c.change.tip);
      if (new Set(ids).size !== ids.length) throw new Error('a tip changed twice');
      for (const c of r.changes) {
        const x = tips.find((y) => y.id === c.change.tip);
        if (!x || x.thread !== c.thread) throw new Error('a change for a tip not on the desk');
        if (x.verification.editor) throw new Error('overwrote a verification set on the desk');
      }
      const applied = tips.map((x) => {
        const ch = r.changes.find((y) => y.change.tip === x.id);
        return ch ? { ...x, verification: { state: ch.change.state, note: ch.change.note, editor: 'Me' } } : x;
      });
      if (importVerification(file, applied).changes.length !== 0) throw new Error('applied twice');
    }),
    { numRuns: 500 },
  );
  t.ok(imported > 50, `${imported} of 500 random files imported (the rest refused with a ReportError)`);
});

// ---------------------------------------------------------------------------------------------
// The conflict finder, by property

const normalise = (cs: StationConflict[]) => JSON.stringify([...cs].map((c) => JSON.stringify(c)).sort());

t.test('property: conflicts do not depend on the order of the tips; identical protocols never conflict; one changed line is flagged with both reports', async (t) => {
  const item = fc.constantFrom('registered', 'received', 'issuedStation', 'invalid', 'valid', 'foundStationary');
  const count = fc.integer({ min: 0, max: 5000 });
  const station = fc.record({
    station: fc.integer({ min: 1, max: 40 }).map(String),
    region: fc.constantFrom('almaty', 'astana', 'abai'),
    items: fc.dictionary(item, count, { minKeys: 1 }),
    votes: fc.dictionary(fc.constantFrom('party-a', 'party-b'), count),
  });
  fc.assert(
    fc.property(fc.array(station, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), (stations, copies, seed) => {
      const tips: ElectionTip[] = [];
      stations.forEach((s, i) => {
        for (let k = 0; k <= (copies[i] ?? 0) % 3; k++)
          tips.push(tip({ form: PKZ, fields: { region: s.region }, protocol: { v: 1, election: 'kz-2026', station: s.station, items: s.items, votes: s.votes, failed: [] } }));
      });
      const conflicts = findConflicts(tips);
      // Same station drawn twice with different figures is a real conflict; otherwise copies agree.
      const keys = stations.map((s) => `${s.region}/${s.station}`);
      for (const c of conflicts) {
        if (c.kind !== 'protocol') throw new Error('only protocols here');
        if (keys.filter((k) => k === `${c.region}/${c.station}`).length < 2) throw new Error(`copies of one protocol conflict: ${JSON.stringify(c)}`);
      }
      // Order does not matter.
      const shuffled = [...tips].sort((a, b) => ((parseInt(a.id.slice(-6), 16) * 7919 + seed) % 1009) - ((parseInt(b.id.slice(-6), 16) * 7919 + seed) % 1009));
      if (normalise(findConflicts(shuffled)) !== normalise(conflicts)) throw new Error('depends on order');
      // Change one line of one copy: that line is flagged, naming both.
      const lone = stations.findIndex((s, i) => keys.indexOf(`${s.region}/${s.station}`) === i && keys.lastIndexOf(`${s.region}/${s.station}`) === i);
      if (lone >= 0) {
        const s = stations[lone]!;
        const [name, value] = Object.entries(s.items)[0]!;
        const base = tip({ form: PKZ, fields: { region: s.region }, protocol: { v: 1, election: 'kz-2026', station: s.station, items: s.items, votes: s.votes, failed: [] } });
        const changed = tip({
          form: PKZ,
          fields: { region: s.region },
          protocol: { v: 1, election: 'kz-2026', station: s.station, items: { ...s.items, [name]: value + 1 }, votes: s.votes, failed: [] },
        });
        const found = findConflicts([...tips.filter((x) => !isAt(x, s.region, s.station)), base, changed]).filter((c) => c.kind === 'protocol' && c.region === s.region && c.station === s.station);
        const expected = [base.id, changed.id].sort();
        if (found.length !== 1 || JSON.stringify(found[0]!.kind === 'protocol' && found[0]!.tips) !== JSON.stringify(expected)) throw new Error(`not flagged with both: ${JSON.stringify(found)}`);
        const lines = found[0]!.kind === 'protocol' ? found[0]!.lines : [];
        if (lines.length !== 1 || lines[0]!.item !== name) throw new Error(`wrong lines: ${JSON.stringify(lines)}`);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 sets of protocols');
});

const isAt = (x: ElectionTip, region: string, station: string) => (x.protocol as { station?: string } | undefined)?.station === station && x.fields.region === region;

t.test('property: violation reports about different stations never conflict; a verdict conflict names a verified and a rejected report of one category', async (t) => {
  const report = fc.record({
    region: fc.constantFrom('astana', 'almaty'),
    pollingStation: fc.integer({ min: 1, max: 6 }),
    stage: fc.constantFrom('election-day', 'counting'),
    date: fc.constantFrom('2026-03-15', '2026-03-16', undefined),
    category: fc.subarray(['ballot-stuffing', 'carousel', 'coercion'], { minLength: 1 }),
    state: fc.constantFrom<Verification>('verified', 'unverified', 'rejected'),
  });
  fc.assert(
    fc.property(fc.array(report, { maxLength: 14 }), (reports) => {
      const tips = reports.map(({ state, date, ...fields }) => tip({ form: KZ, fields: { ...fields, ...(date ? { date } : {}) }, state }));
      const byId = new Map(tips.map((x) => [x.id, x]));
      for (const c of findConflicts(tips)) {
        const named = c.kind === 'verdict' ? [...c.verified, ...c.rejected] : c.kind === 'date' ? c.tips : [];
        if (named.length < 2) throw new Error('a conflict names fewer than two reports');
        for (const id of named) {
          const x = byId.get(id)!;
          if (x.fields.region !== c.region || String(x.fields.pollingStation) !== c.station) throw new Error('a report of another station');
        }
        if (c.kind === 'verdict') {
          if (!c.verified.every((id) => byId.get(id)!.verification.state === 'verified') || !c.rejected.every((id) => byId.get(id)!.verification.state === 'rejected'))
            throw new Error('verdicts mixed up');
          if (![...c.verified, ...c.rejected].every((id) => (byId.get(id)!.fields.category as string[]).includes(c.category))) throw new Error('a report without the category');
        }
        if (c.kind === 'date' && new Set(c.dates).size < 2) throw new Error('a date conflict on one date');
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 sets of reports');
});

// ---------------------------------------------------------------------------------------------
// Publication

t.test('publication: verified reports only, no ids or editors, free text left out unless asked, the choice in every free-text cell', async (t) => {
  const tips = [
    tip({
      fields: { region: 'ashgabat', pollingStation: 12, stage: 'counting', category: ['ballot-stuffing'], evidence: ['u1', 'u2'] },
      message: 'I am the only observer from Gurbansoltan street',
      state: 'verified',
      note: 'called her back',
      editor: 'Aygul',
    }),
    tip({ fields: { region: 'lebap', stage: 'counting', category: ['other'] }, message: 'unverified text', state: 'unverified' }),
    tip({ fields: { region: 'mary', stage: 'counting', category: ['other'] }, message: 'rejected text', state: 'rejected' }),
    tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol('12'), message: 'photo attached', state: 'verified' }),
  ];
  const [header, ...rows] = publicationTable(tips, { date: '2026-03-17' });
  t.equal(rows.length, 2, 'the two verified reports');
  t.same(header!.slice(0, 4), ['report', 'received', 'form', 'form_version']);
  t.ok(header!.includes('protocol.valid') && header!.includes('votes.party-a') && header!.includes('relations_failed'), 'protocol lines as columns');
  const text = JSON.stringify(rows);
  for (const secret of ['Gurbansoltan', 'called her back', 'Aygul', tips[0]!.id, tips[0]!.thread, 'photo attached', 'unverified text', 'rejected text', 'u1'])
    t.notOk(text.includes(secret), `not in the publication: ${secret}`);
  t.equal(rows[0]![header!.indexOf('message')], '(left out: free text)');
  t.equal(rows[0]![header!.indexOf('verification_note')], '(left out: free text)');
  t.equal(rows[0]![header!.indexOf('evidence')], '2', 'evidence files as a count');
  t.equal(rows[1]![header!.indexOf('protocol.valid')], '620');
  const withText = publicationTable(tips, { date: '2026-03-17', includeFreeText: true, lang: 'ru' });
  t.ok(JSON.stringify(withText).includes('Gurbansoltan'), 'included only by the explicit option');
  t.notOk(JSON.stringify(withText).includes('Aygul'), 'never the editor');
  t.equal(publicationTable(tips, { date: '2026-03-17', lang: 'ru' })[1]![header!.indexOf('message')], '(не включено: свободный текст)', "in the editor's language");
  const csv = publicationCsv(tips, { date: '2026-03-17' });
  t.ok(csv.startsWith('\uFEFF"report","received"'), 'BOM, every cell quoted');
  t.ok(csv.endsWith('\r\n'));
});

// ---------------------------------------------------------------------------------------------
// Many reports: the finder stays linear enough for an election night (printed, not asserted).

t.test('3 000 reports: conflicts and counts (time printed)', async (t) => {
  const tips: ElectionTip[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = String(1 + (i % 1000));
    tips.push(
      i % 2
        ? tip({ form: PKZ, fields: { region: 'almaty' }, protocol: protocol(s, i % 7 ? ITEMS : { ...ITEMS, valid: 621 }) })
        : tip({ form: KZ, fields: { region: 'astana', pollingStation: (i % 500) + 1, stage: 'election-day', date: '2026-03-15', category: ['carousel'] }, state: i % 3 ? 'verified' : 'rejected' }),
    );
  }
  const start = process.hrtime.bigint();
  const s = summarise(tips, 'kk');
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.comment(`summarise(3 000 tips): ${ms.toFixed(0)} ms, ${s.conflicts.length} conflicts`);
  t.ok(s.conflicts.some((c) => c.kind === 'protocol') && s.conflicts.some((c) => c.kind === 'verdict'));
});
