// The desk's publication CSV opened by real LibreOffice (docs/THREAT-MODEL.md, T40), the same
// way as reports.csv (test/helpers/libreoffice.ts: comma, semicolon and tab as separators,
// formulas evaluated, a fresh profile): verified tips whose free text, answers of a custom form,
// unknown choice values and editors' notes are texts made to become formulas. With free text
// included, no cell is a formula and every hostile text is whole in one cell; left out (the
// default), none of the free text is there at all and each of its cells says so.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { HOSTILE_CELLS as HOSTILE, guarded, openInLibreOffice, sofficeMissing } from '../helpers/libreoffice.js';
import type { ElectionTip } from '../../src/desk/api.js';
import { publicationCsv } from '../../src/desk/election.js';
import { validateSchema } from '../../src/forms/schema.js';

t.setTimeout(900_000);

// An operator's own form with free-text fields (TIPLINE_FORM=<file.json>).
const CUSTOM = validateSchema({
  id: 'observer-notes',
  version: 1,
  fields: [
    { name: 'district', type: 'region', label: { en: 'District' }, choices: [{ value: 'north', label: { en: 'North' } }] },
    { name: 'pollingStation', type: 'number', label: { en: 'Station' }, integer: true, min: 1, max: 99999 },
    { name: 'what', type: 'text', label: { en: 'What you saw' } },
    { name: 'details', type: 'long-text', label: { en: 'Details' } },
  ],
});

const hex = (n: number) => n.toString(16).padStart(32, '0');
const TIPS: ElectionTip[] = HOSTILE.map((text, i) => ({
  id: hex(i + 1),
  thread: hex(i + 1),
  received: '2026-03-15',
  form: { id: 'observer-notes', version: 1 },
  // `what` is free text; `district` an unknown choice value (a choice is never free text, so it is exported: guarded).
  fields: { district: text, pollingStation: i + 1, what: `what ${text}`, details: text },
  message: text,
  verification: { state: 'verified', note: `note ${text}`, editor: '=editor' },
}));

t.test('the publication CSV in LibreOffice: no formula, every hostile text whole; free text absent unless asked', { timeout: 900_000 }, async (t) => {
  if (sofficeMissing(t)) return;
  const work = tempDir(t, 'tipline-desk-csv-lo-');
  const included = join(work, 'included.csv');
  writeFileSync(included, publicationCsv(TIPS, { date: '2026-03-17', forms: [CUSTOM], includeFreeText: true }));
  const a = await openInLibreOffice(join(work, 'a'), included);
  t.equal(a.code, 0, a.out);
  t.same(a.formulas, [], 'no cell is a formula');
  for (const text of HOSTILE) {
    for (const cell of [text, `what ${text}`, `note ${text}`]) t.ok(a.cells.includes(guarded(cell)), `${JSON.stringify(cell)} is one text cell`);
  }
  t.notOk(
    a.cells.some((c) => c.includes('editor')),
    'never the editor',
  );

  const leftOut = join(work, 'left-out.csv');
  writeFileSync(leftOut, publicationCsv(TIPS, { date: '2026-03-17', forms: [CUSTOM] }));
  const b = await openInLibreOffice(join(work, 'b'), leftOut);
  t.equal(b.code, 0, b.out);
  t.same(b.formulas, [], 'no cell is a formula');
  t.notOk(
    b.cells.some((c) => c.startsWith('what ') || c.startsWith('note ')),
    'no free text of the sources or notes of the editors',
  );
  // (LibreOffice writes equal neighbouring cells once, repeated: so present, not counted; the unit test checks each cell.)
  t.ok(b.cells.includes('(left out: free text)'), 'the free-text cells say they were left out');
  t.notOk(
    b.cells.some((c) => HOSTILE.some((h) => c === `what ${h}` || c === guarded(`what ${h}`))),
    'no answer of a free-text field',
  );
  for (const text of HOSTILE) t.ok(b.cells.includes(guarded(text)), `the district choice ${JSON.stringify(text)} is one text cell`);
});
