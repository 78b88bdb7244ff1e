// reports.csv opened by real LibreOffice (docs/THREAT-MODEL.md, T40): a decrypted folder whose
// tip carries texts made to become formulas (split at `;` or a tab, full-width signs, leading
// blanks, quotes), `npm run report`'s writer, then `soffice --headless --convert-to fods` with
// an import filter that splits at comma, semicolon AND tab and evaluates formulas, in a fresh
// profile (test/helpers/libreoffice.ts). No cell of the result may be a formula, and every
// hostile text must survive whole, as text, in one cell. Fails (never skips) without soffice:
// .ci/run installs it.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { HOSTILE_CELLS as HOSTILE, guarded, openInLibreOffice, sofficeMissing } from '../helpers/libreoffice.js';
import { writeReport } from '../../src/offline/report.js';

// LibreOffice is slow to start on a busy machine.
t.setTimeout(900_000);

t.test('reports.csv opened by LibreOffice with , ; and tab as separators: no formula, every text whole', { timeout: 900_000 }, async (t) => {
  if (sofficeMissing(t)) return;
  const work = tempDir(t, 'tipline-csv-lo-');
  // A decrypted folder as decrypt writes it: <date>_<id>/tip.json.
  const inDir = join(work, 'decrypted');
  const folder = `2025-03-09_${'ab'.repeat(16)}`;
  mkdirSync(join(inDir, folder), { recursive: true });
  const fields = Object.fromEntries(HOSTILE.map((text, i) => [`x${String(i).padStart(2, '0')}`, text]));
  const body = { v: 1, message: 'x;=HYPERLINK("http://attacker.example";"m")', clientTime: '2025-03-09T20:00:00.000Z', fields };
  writeFileSync(join(inDir, folder, 'tip.json'), JSON.stringify({ id: 'ab'.repeat(16), received: '2025-03-09', receipt: 'AAAA-BBBB-CCCC-DDDD', kind: 'tip', body }));
  writeFileSync(join(inDir, 'verification.tsv'), `${folder}\tverified\tnote;=1+2\n`);
  const outDir = join(work, 'report');
  writeReport({ inDir, outDir });

  const { code, out, cells, formulas } = await openInLibreOffice(work, join(outDir, 'reports.csv'));
  t.equal(code, 0, out);
  t.same(formulas, [], 'no cell is a formula');
  for (const text of [...HOSTILE, body.message, 'note;=1+2']) {
    const expected = guarded(text);
    t.ok(cells.includes(expected), `${JSON.stringify(text)} is one text cell (${JSON.stringify(expected)})`);
  }
});
