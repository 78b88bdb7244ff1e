// Election reports through the real desk (openDesk on real files: bundles written by the real
// writer into a USB inbox, the real encrypted store, desk events carried between two desks):
// Desk.electionTips follows the inbox's filters; the conflict of two observers' protocols is
// found; an old verification.tsv becomes `verify` changes applied once, attributed to the
// editor who imported it, and reaches the colleague's desk; the publication written from the
// colleague's desk holds the verified reports, no free text and no editor.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Desk } from '../../src/desk/api.js';
import { folderName, importVerification, summarise } from '../../src/desk/election.js';
import { writePublication } from '../../src/desk/publish.js';
import { electionSection } from '../../src/desk/views/reports.js';
import { tempDir } from '../helpers/fixtures.js';
import { carry, deskIn, editors, protocolTip, recipientsText, tipItems, toInbox } from './desk-fixtures.js';

const [A, B] = await editors('Aigul', 'Batyr');
const recipients = recipientsText([A!, B!]);
const KZ = { id: 'election-kz', version: 1 };

const deskOf = (t: Test, who: typeof A, dir: string): Promise<Desk> => deskIn(t, who!, recipients, dir, 'ru');

t.test('election reports on two real desks: filters, conflicts, verification.tsv once, publication', async (t) => {
  const dirA = tempDir(t, 'tipline-election-a-');
  const dirB = tempDir(t, 'tipline-election-b-');
  const r1 = await tipItems([A!, B!], 'Карусель: одни и те же люди голосовали трижды, я живу напротив участка', {
    form: KZ,
    fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-11-29', category: ['carousel'] },
  });
  const r2 = await tipItems([A!, B!], 'Вброс', { form: KZ, fields: { region: 'astana', pollingStation: 5, stage: 'election-day', date: '2026-11-29', category: ['ballot-stuffing', 'carousel'] } });
  const r3 = await tipItems([A!, B!], 'spam', { form: KZ, fields: { region: 'almaty', stage: 'campaign', category: ['other'] } });
  const p1 = await protocolTip([A!, B!], 'observer at 12', '12', 620);
  const p2 = await protocolTip([A!, B!], 'observer at 12', '12', 720);
  const plain = await tipItems([A!, B!], 'a plain tip, no form');
  for (const dir of [dirA, dirB]) await toInbox(join(dir, 'usb'), '2026-11-30.bundle', [...r1.items, ...r2.items, ...r3.items, ...p1.items, ...p2.items, ...plain.items]);
  const a = await deskOf(t, A, dirA);
  await a.importInbox();

  t.equal(a.electionTips({}).length, 5, 'every election-form tip, not the plain one');
  t.same(
    a
      .electionTips({ form: 'protocol-kz' })
      .map((x) => x.id)
      .sort(),
    [p1.id, p2.id].sort(),
    'the inbox filter by form',
  );
  t.same(
    a.electionTips({ text: 'НАПРОТИВ' }).map((x) => x.id),
    [r1.id],
    'the inbox search (case-folded)',
  );
  const before = summarise(a.electionTips({}), 'ru');
  const protocolConflict = before.conflicts.find((c) => c.kind === 'protocol');
  t.same(
    protocolConflict && protocolConflict.kind === 'protocol' ? [protocolConflict.station, [...protocolConflict.tips].sort()] : [],
    ['12', [p1.id, p2.id].sort()],
    'the two observers of station 12 disagree: both named',
  );

  // The hand-edited file of the `report` days, imported once.
  const tips = a.electionTips({});
  const byId = (id: string) => tips.find((x) => x.id === id)!;
  const file = `# from report\n${folderName(byId(r1.id))}\tverified\ttwo witnesses\n${r3.id}\trejected\tspam\n${p1.id}\tverified\n${'0'.repeat(32)}\tverified\n`;
  const imported = importVerification(new TextEncoder().encode(file), tips);
  t.equal(imported.changes.length, 3);
  t.same(imported.unmatched, [{ line: 5, key: '0'.repeat(32) }]);
  for (const c of imported.changes) await a.change(c.thread, c.change);
  const after = a.electionTips({});
  t.same(after.find((x) => x.id === r1.id)!.verification, { state: 'verified', note: 'two witnesses', editor: a.me.id }, 'set, attributed to the editor who imported');
  t.equal(importVerification(new TextEncoder().encode(file), after).changes.length, 0, 'a second import applies nothing');
  const section = electionSection(summarise(after, 'ru'), { lang: 'ru', query: {}, roster: a.roster() });
  t.match(section, /редактор: <bdi>Aigul<\/bdi>/, 'the view names the editor from the roster');
  t.match(section, /Сообщений: 5; проверено 2, не проверено 2, отклонено 1/);

  // B gets A's verifications as desk events, through the outbox.
  carry(dirA, dirB);
  const b = await deskOf(t, B, dirB);
  await b.importInbox();
  const seenByB = b.electionTips({});
  t.same(
    seenByB
      .filter((x) => x.verification.state !== 'unverified')
      .map((x) => [x.id, x.verification.state, x.verification.editor])
      .sort(),
    [
      [r1.id, 'verified', a.me.id],
      [r3.id, 'rejected', a.me.id],
      [p1.id, 'verified', a.me.id],
    ].sort(),
    'every verification reached B, attributed to A',
  );
  mkdirSync(join(dirB, 'export'), { recursive: true, mode: 0o700 });
  const written = writePublication(join(dirB, 'export'), seenByB, { date: '2026-11-30', lang: 'ru' });
  const csv = readFileSync(written[0]!, 'utf8');
  t.equal(csv.trim().split('\r\n').length, 3, 'header and the two verified reports');
  t.notOk(csv.includes('живу напротив') || csv.includes('two witnesses'), 'no free text');
  t.notOk(csv.includes('Aigul') || csv.includes(a.me.id) || csv.includes(r1.id), 'no editor, no id');
  t.match(readFileSync(written[1]!, 'utf8'), /Свободный текст НЕ ВКЛЮЧЁН/);
});
