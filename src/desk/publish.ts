// The export for publication, written: the CSV and the HTML file of verified election reports
// (src/desk/election.ts, src/desk/views/reports.ts) as two NEW files in the folder the editor
// chose (the desk's export folder). Created O_EXCL|O_NOFOLLOW, mode 0600, fsync'd; a name
// already taken gets a number, nothing is ever overwritten. The names say whether free text is
// in them, as the files themselves do.
import { lstatSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionTip } from './api.js';
import { publicationCsv, type PublicationOptions } from './election.js';
import { publicationHtml } from './views/reports.js';
import { numberedName, pathTaken, writeNewFile } from '../offline/files.js';
import { ReportError } from '../offline/report-parts.js';

/** Writes `election-reports-<date>[-with-free-text].csv` and `.html` into `dir`; returns the two paths. */
export function writePublication(dir: string, tips: ElectionTip[], options: PublicationOptions): string[] {
  let root: string;
  try {
    if (!lstatSync(dir).isDirectory()) throw new Error('not a folder');
    root = realpathSync(dir);
  } catch {
    throw new ReportError(`${dir} is not a folder: give the folder to export into`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date)) throw new ReportError('the export date must be YYYY-MM-DD');
  const stem = `election-reports-${options.date}${options.includeFreeText ? '-with-free-text' : ''}`;
  const written: string[] = [];
  for (const [ext, text] of [
    ['csv', publicationCsv(tips, options)],
    ['html', publicationHtml(tips, options)],
  ] as const) {
    const name = numberedName(`${stem}.${ext}`, (n) => pathTaken(join(root, n)));
    const path = join(root, name);
    writeNewFile(path, text);
    written.push(path);
  }
  return written;
}
