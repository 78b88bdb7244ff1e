// The offline aggregate report (air-gapped): reads a decrypted folder (npm run decrypt's output:
// one `<date>_<id>/tip.json` per record, attachments under `<folder>/files/`) and an optional
// verification sidecar, and writes into a NEW output folder:
//   reports.csv   one row per report (tips only, not follow-ups or replies), one column per
//                 field; UTF-8 with a BOM (spreadsheets then read Cyrillic right), CRLF, every
//                 cell quoted, and cells that a spreadsheet would run as a formula prefixed with '
//   report.html   self-contained: counts by region, category, stage, every other choice field
//                 and day, as tables and inline SVG bar charts; the list of reports with links
//                 to their evidence (only files src/offline/file-links.ts allows; the rest listed); filters by region, category and status (a small inline
//                 script allowed by its CSP hash; without it every report shows). A CSP meta
//                 forbids loading anything.
//   verification-template.tsv   when there is no sidecar yet: every report as `unverified`.
//
// The sidecar `<decrypted>/verification.tsv` (docs/EDITORS.md): one line per report,
// `<folder name, record id or receipt><TAB><verified|unverified|rejected>[<TAB>note]`; `#`
// comments and blank lines are ignored; a report it does not name is unverified. Rejected
// reports are in the CSV and the list but never counted; `verifiedOnly` keeps only verified.
//
// The pure parts (sidecar parser, CSV cell, counts, chart) live in report-parts.ts, shared with
// the desk's election view. Node built-ins only (runs inside the one-file toolkit). Nothing is written outside the
// output folder, which must not exist yet or be empty; files are created O_EXCL|O_NOFOLLOW.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, resolve, sep } from 'node:path';
import { validateFields } from '../forms/fields.js';
import { escapeHtml as e, staticPageHead } from '../shared/html.js';
import { textFor, type FormSchema } from '../forms/schema.js';
import { FOLDER_RE } from './decrypt.js';
import { fileLabel, writeNewFile } from './files.js';
import { linkDecision, NOT_LINKED_NOTE } from './file-links.js';
import {
  REPORT_STYLE,
  ReportError,
  SIDECAR,
  STATUSES,
  barChart,
  cellText,
  countDimensions,
  countTable,
  csvDocument,
  fieldColumns,
  fieldDef,
  parseSidecar,
  schemaFor,
  type Dimension,
  type Status,
} from './report-parts.js';

export { ReportError, SIDECAR, STATUSES, countDimensions, csvCell, fieldColumns, parseSidecar, type CountRow, type Dimension, type Status } from './report-parts.js';
const MAX_TIP_JSON_BYTES = 16 * 1024 * 1024;

export interface ReportRow {
  folder: string;
  id: string;
  received: string;
  receipt: string;
  status: Status;
  note: string;
  formId: string;
  formVersion: number | undefined;
  fields: Record<string, unknown>;
  message: string;
  /** Evidence files found under `<folder>/files/` (names), and names the body lists that are not there. */
  files: string[];
  missingFiles: string[];
  /** The type the source declared for each file decrypt completed, by its name under `files/` (from tip.json). */
  declaredTypes: Record<string, string>;
  /** Fields that do not fit the form's schema (an odd or newer tip); shown, never dropped. */
  problems: string[];
}

export interface ReportOptions {
  inDir: string;
  outDir: string;
  /** Labels in this language (en, ru, tk, kk); English by default. */
  lang?: string;
  verifiedOnly?: boolean;
  /** Schemas of forms that are not built in (TIPLINE_FORM files), by id. */
  forms?: FormSchema[];
}

export interface ReportSummary {
  outDir: string;
  reports: number;
  counted: { verified: number; unverified: number; rejected: number };
  warnings: string[];
  files: string[];
}

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};

function readSmallFile(path: string, max: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new ReportError(`${path} is larger than ${max} bytes`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads every tip folder of `inDir` into rows (oldest first); unreadable folders become warnings. */
export function readReports(inDir: string, forms: FormSchema[] = []): { rows: ReportRow[]; warnings: string[] } {
  const root = resolve(inDir);
  const stat = lstatOrUndefined(root);
  if (!stat?.isDirectory()) throw new ReportError(`${inDir} is not a folder (give the output folder of decrypt)`);
  const rows: ReportRow[] = [];
  const warnings: string[] = [];
  for (const folder of readdirSync(root)
    .filter((n) => FOLDER_RE.test(n))
    .sort()) {
    const dir = join(root, folder);
    if (!lstatOrUndefined(dir)?.isDirectory()) continue;
    let tip: { id?: unknown; received?: unknown; receipt?: unknown; kind?: unknown; body?: Record<string, unknown>; files?: unknown };
    try {
      tip = JSON.parse(readSmallFile(join(dir, 'tip.json'), MAX_TIP_JSON_BYTES));
    } catch {
      warnings.push(`${folder}: tip.json is missing or unreadable, left out`);
      continue;
    }
    const body = tip.body;
    if (typeof body !== 'object' || body === null || typeof body.message !== 'string') {
      warnings.push(`${folder}: tip.json has no tip body, left out`);
      continue;
    }
    if (tip.kind !== 'tip') continue; // follow-ups and replies belong to conversations, not to counts
    const form = typeof body.form === 'object' && body.form !== null ? (body.form as { id?: unknown; version?: unknown }) : undefined;
    const fields = typeof body.fields === 'object' && body.fields !== null && !Array.isArray(body.fields) ? (body.fields as Record<string, unknown>) : {};
    const listed = Array.isArray(body.files) ? (body.files as { name?: unknown }[]).map((f) => (typeof f?.name === 'string' ? f.name : '')).filter(Boolean) : [];
    const filesDir = join(dir, 'files');
    const found = lstatOrUndefined(filesDir)?.isDirectory()
      ? readdirSync(filesDir)
          .filter((n) => lstatOrUndefined(join(filesDir, n))?.isFile())
          .sort()
      : [];
    // What decrypt wrote for each file (tip.json's files): the saved name and the declared type.
    const declaredTypes: Record<string, string> = Object.create(null);
    for (const r of Array.isArray(tip.files) ? (tip.files as Record<string, unknown>[]) : []) {
      if (r && r.complete === true && typeof r.saved === 'string' && r.saved.startsWith('files/') && typeof r.type === 'string') declaredTypes[r.saved.slice('files/'.length)] = r.type;
    }
    const row: ReportRow = {
      folder,
      id: typeof tip.id === 'string' ? tip.id : folder.slice(11),
      received: typeof tip.received === 'string' ? tip.received : folder.slice(0, 10),
      receipt: typeof tip.receipt === 'string' ? tip.receipt : '',
      status: 'unverified',
      note: '',
      formId: typeof form?.id === 'string' ? form.id : '',
      formVersion: typeof form?.version === 'number' ? form.version : undefined,
      fields,
      message: body.message,
      files: found,
      missingFiles: listed.filter((n) => !found.includes(n)),
      declaredTypes,
      problems: [],
    };
    const schema = schemaFor(row, forms);
    if (schema && schema.version === row.formVersion) {
      const fileIds = Array.isArray(body.files) ? (body.files as { upload?: unknown }[]).map((f) => String(f?.upload ?? '')) : [];
      row.problems = validateFields(schema, fields, fileIds).map((p) => `${p.field || 'fields'}: ${p.code}`);
    }
    rows.push(row);
  }
  return { rows, warnings };
}

/** reports.csv (csvDocument: BOM, CRLF, every cell quoted and formula-guarded). */
export function renderCsv(rows: ReportRow[], forms: FormSchema[] = []): string {
  const columns = fieldColumns(rows, forms);
  const header = ['folder', 'received', 'receipt', 'status', 'note', 'form', 'form_version', ...columns, 'message', 'files', 'problems'];
  return csvDocument([
    header,
    ...rows.map((r) => [
      r.folder,
      r.received,
      r.receipt,
      r.status,
      r.note,
      r.formId,
      cellText(r.formVersion),
      ...columns.map((c) => cellText(r.fields[c])),
      r.message,
      r.files.map(fileLabel).join('; '),
      r.problems.join('; '),
    ]),
  ]);
}

// ---------------------------------------------------------------------------------------------
// HTML

/** A relative link, each path segment percent-encoded (names come from tips). */
const href = (path: string): string =>
  path
    .split(sep)
    .map((s) => encodeURIComponent(s))
    .join('/');

const STYLE = `${REPORT_STYLE}.status-verified{color:#0a5a0a;font-weight:bold}.status-rejected{color:#a00;text-decoration:line-through}
.filters label{margin-right:1rem}
.warning{background:#fff3cd;padding:.25rem .5rem}
`;

const SCRIPT = `
(function(){
var f=document.getElementById('filters');if(!f)return;f.hidden=false;
var sel=f.querySelectorAll('select');var rows=document.querySelectorAll('#reports tbody tr');var shown=document.getElementById('shown');
function apply(){var n=0;for(var i=0;i<rows.length;i++){var r=rows[i],ok=true;
for(var j=0;j<sel.length;j++){var v=sel[j].value;if(v&&(' '+(r.getAttribute('data-'+sel[j].name)||'')+' ').indexOf(' '+v+' ')<0)ok=false;}
r.hidden=!ok;if(ok)n++;}shown.textContent=String(n);}
for(var k=0;k<sel.length;k++)sel[k].addEventListener('change',apply);apply();
})();
`;

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function displayValue(rows: ReportRow[], name: string, value: unknown, lang: string | undefined, forms: FormSchema[]): string {
  if (value === undefined) return '';
  const f = fieldDef(rows, name, forms);
  const label = (v: unknown) => {
    const c = f?.choices?.find((x) => x.value === v);
    return c ? textFor(c.label, lang) : String(v);
  };
  return Array.isArray(value) ? value.map(label).join('; ') : label(value);
}

export function renderReportHtml(rows: ReportRow[], options: { outDir: string; inDir: string; lang?: string; verifiedOnly?: boolean; forms?: FormSchema[]; warnings?: string[] }): string {
  const forms = options.forms ?? [];
  const lang = options.lang;
  const dims = countDimensions(rows, lang, forms);
  const counted = { verified: 0, unverified: 0, rejected: 0 };
  for (const r of rows) counted[r.status]++;
  const columns = fieldColumns(rows, forms).filter((c) => fieldDef(rows, c, forms)?.type !== 'file');
  const regionDim = dims.find((d) => fieldDef(rows, d.key, forms)?.type === 'region');
  const categoryDim = dims.find((d) => d.key === 'category');
  const filterSelect = (name: string, title: string, dim: Dimension | undefined) =>
    dim
      ? `<label>${e(title)} <select name="${e(name)}"><option value="">all</option>${dim.rows
          .filter((r) => r.value)
          .map((r) => `<option value="${e(r.value)}">${e(r.label)}</option>`)
          .join('')}</select></label>`
      : '';
  const filters = `<p id="filters" class="filters" hidden>${filterSelect('region', regionDim?.title ?? 'region', regionDim)}${filterSelect('category', categoryDim?.title ?? 'category', categoryDim)}<label>status <select name="status"><option value="">all</option>${STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label> showing <span id="shown">${rows.length}</span> of ${rows.length}</p>`;
  const listRows = rows
    .map((r) => {
      const folderRel = relative(options.outDir, join(options.inDir, r.folder));
      const evidence = [
        // The one rule for every page the offline tools write (src/offline/file-links.ts).
        ...r.files.map((f) =>
          linkDecision(join(options.inDir, r.folder, 'files', f), r.declaredTypes[f]).link
            ? `<a href="${e(href(join(folderRel, 'files', f)))}"><bdi>${e(fileLabel(f))}</bdi></a>`
            : `<span class="warning"><bdi>${e(fileLabel(f))}</bdi> (${e(NOT_LINKED_NOTE)})</span>`,
        ),
        ...r.missingFiles.map((f) => `<span class="warning"><bdi>${e(fileLabel(f))}</bdi> (not decrypted)</span>`),
      ].join('<br>');
      const data = (name: string) => {
        const v = regionDim && name === 'region' ? r.fields[regionDim.key] : categoryDim && name === 'category' ? r.fields[categoryDim.key] : undefined;
        return Array.isArray(v) ? v.map(String).join(' ') : v === undefined ? '' : String(v);
      };
      const cells = columns.map((c) => `<td>${e(displayValue(rows, c, r.fields[c], lang, forms))}</td>`).join('');
      const problems = r.problems.length ? `<br><span class="warning">does not fit the form: ${e(r.problems.join('; '))}</span>` : '';
      return `<tr data-region="${e(data('region'))}" data-category="${e(data('category'))}" data-status="${r.status}"><td><a href="${e(href(join(folderRel, 'message.txt')))}">${e(r.received)}</a><br><span class="meta">${e(r.receipt)}</span></td><td class="status-${r.status}">${r.status}${r.note ? `<br><span class="note">${e(r.note)}</span>` : ''}</td>${cells}<td class="msg">${e(r.message.length > 600 ? `${r.message.slice(0, 600)} …` : r.message)}${problems}</td><td>${evidence}</td></tr>`;
    })
    .join('\n');
  const columnHeads = columns
    .map((c) => {
      const f = fieldDef(rows, c, forms);
      return `<th>${e(f ? textFor(f.label, lang) : c)}</th>`;
    })
    .join('');
  const csp = `default-src 'none'; style-src ${cspHash(STYLE)}; script-src ${cspHash(SCRIPT)}; img-src 'none'; form-action 'none'; base-uri 'none'`;
  const warnings = (options.warnings ?? []).map((w) => `<li>${e(w)}</li>`).join('\n');
  const formsUsed = [...new Set(rows.map((r) => (r.formId ? `${r.formId} v${r.formVersion ?? '?'}` : 'no form')))].join(', ');
  return `${staticPageHead({ lang: lang ?? 'en', csp, title: 'Tipline report', style: STYLE })}<body>
<h1>Tipline report</h1>
<p class="meta">${rows.length} report${rows.length === 1 ? '' : 's'}${options.verifiedOnly ? ' (verified only)' : ''}: <span id="total-verified">${counted.verified}</span> verified, <span id="total-unverified">${counted.unverified}</span> unverified, <span id="total-rejected">${counted.rejected}</span> rejected (never counted). Forms: ${e(formsUsed || 'none')}.
Counts below: dark = verified, light = unverified. Statuses come from ${SIDECAR} in the decrypted folder.</p>
${warnings ? `<ul class="warning">\n${warnings}\n</ul>\n` : ''}<h2>Counts</h2>
${dims.map((d) => `<h3>${e(d.title)}</h3>${d.note ? `<p class="note">${e(d.note)}</p>` : ''}\n<div class="dim">\n${countTable(d)}\n${barChart(d)}\n</div>`).join('\n')}
<h2>Reports</h2>
${filters}
<table id="reports"><thead><tr><th>received / receipt</th><th>status</th>${columnHeads}<th>description</th><th>evidence</th></tr></thead>
<tbody>
${listRows}
</tbody></table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Writing

function prepareNewOutDir(outDir: string): string {
  const abs = resolve(outDir);
  const existing = lstatOrUndefined(abs);
  if (existing) {
    if (!existing.isDirectory()) throw new ReportError(`${outDir} exists and is not a folder; give a new folder for the report`);
    if (readdirSync(abs).length > 0) throw new ReportError(`${outDir} is not empty; refusing to overwrite: give a new folder for the report`);
  } else {
    try {
      mkdirSync(abs, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new ReportError(`cannot create ${outDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return realpathSync(abs);
}

function writeNew(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeNewFile(path, text);
  return path;
}

/** Reads, counts and writes the report; throws ReportError with one line on a failure. */
export function writeReport(options: ReportOptions): ReportSummary {
  const inDir = resolve(options.inDir);
  const forms = options.forms ?? [];
  const { rows: all, warnings } = readReports(inDir, forms);
  let sidecarText: string | undefined;
  const sidecarPath = join(inDir, SIDECAR);
  const sidecarStat = lstatOrUndefined(sidecarPath);
  if (sidecarStat) {
    if (!sidecarStat.isFile()) throw new ReportError(`${sidecarPath} is not a regular file`);
    sidecarText = readFileSync(sidecarPath, 'utf8');
  }
  if (sidecarText !== undefined) {
    const { statuses, warnings: sidecarWarnings } = parseSidecar(sidecarText, all);
    warnings.push(...sidecarWarnings);
    for (const r of all) {
      const s = statuses.get(r.folder);
      if (s) Object.assign(r, s);
    }
  }
  const rows = options.verifiedOnly ? all.filter((r) => r.status === 'verified') : all;
  const outDir = prepareNewOutDir(options.outDir);
  const realIn = realpathSync(inDir);
  const files = [
    writeNew(outDir, 'reports.csv', renderCsv(rows, forms)),
    writeNew(
      outDir,
      'report.html',
      renderReportHtml(rows, { outDir, inDir: realIn, ...(options.lang ? { lang: options.lang } : {}), ...(options.verifiedOnly ? { verifiedOnly: true } : {}), forms, warnings }),
    ),
  ];
  if (sidecarText === undefined) {
    const template =
      [
        '# Tipline verification: one line per report, <report><TAB><verified|unverified|rejected>[<TAB>note].',
        `# Copy this file to ${SIDECAR} in the decrypted folder, edit the statuses, run the report again.`,
        ...all.map((r) => `${r.folder}\tunverified`),
      ].join('\n') + '\n';
    files.push(writeNew(outDir, 'verification-template.tsv', template));
  }
  const counted = { verified: 0, unverified: 0, rejected: 0 };
  for (const r of rows) counted[r.status]++;
  return { outDir, reports: rows.length, counted, warnings, files };
}
