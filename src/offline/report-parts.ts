// The pure parts of the aggregate report, shared by the offline `report` command
// (src/offline/report.ts, which reads a decrypted folder and writes files) and the desk's
// election view (src/desk/election.ts, which reads the desk's records): the verification
// sidecar's parser, the spreadsheet-safe CSV cell, the counts by region / choice field / day,
// and the hand-written SVG bar chart with its table. No I/O, no Node built-in: one
// implementation for both, so a fix to one is a fix to the other.
import { escapeHtml as e } from '../shared/html.js';
import { builtInForm, textFor, type FieldDef, type FormSchema } from '../forms/schema.js';
import { TiplineError } from '../shared/errors.js';

/** The stylesheet both report pages begin with (the offline report.html and the desk's
 * publication); each adds its own rules after it. */
export const REPORT_STYLE = `
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.dim{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.note,.meta{font-size:.9rem;color:#444}
.msg{white-space:pre-wrap;overflow-wrap:anywhere;max-width:30rem}
`;

export class ReportError extends TiplineError {
  override name = 'ReportError';
}

export const STATUSES = ['verified', 'unverified', 'rejected'] as const;
export type Status = (typeof STATUSES)[number];
export const SIDECAR = 'verification.tsv';

/** What the counts need of a report. */
export interface CountedReport {
  status: Status;
  formId: string;
  fields: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// The verification sidecar

/** Longest note a sidecar line may carry (characters). */
export const MAX_SIDECAR_NOTE = 2000;
/** Control characters (C0 but tab, DEL, C1): never in a line a person typed; refused. */
const CONTROL = /[^\P{Cc}\t]/u;

export interface SidecarLine {
  /** 1-based line number in the file. */
  line: number;
  /** The report as the line names it: folder name, record id or receipt. */
  key: string;
  status: Status;
  note: string;
}

/**
 * The sidecar's lines, strictly: `<report><TAB><status>[<TAB>note…]`, `#` comments and blank
 * lines skipped, a byte-order mark allowed. Throws ReportError naming the first bad line: a
 * status that is not one of the three (separated by a tab), an empty report, a control
 * character, a note longer than MAX_SIDECAR_NOTE. Further tabs in the note become spaces.
 */
export function parseSidecarLines(text: string): SidecarLine[] {
  const out: SidecarLine[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const at = `${SIDECAR} line ${i + 1}`;
      const [key = '', statusText = '', ...noteParts] = raw.split('\t').map((p) => p.trim());
      const status = statusText.toLowerCase() as Status;
      if (!STATUSES.includes(status)) throw new ReportError(`${at}: the status must be verified, unverified or rejected, separated from the report by a tab`);
      if (key === '') throw new ReportError(`${at}: names no report before the tab`);
      if (CONTROL.test(raw)) throw new ReportError(`${at}: holds a control character`);
      const note = noteParts.join(' ');
      if (note.length > MAX_SIDECAR_NOTE) throw new ReportError(`${at}: the note is longer than ${MAX_SIDECAR_NOTE} characters`);
      out.push({ line: i + 1, key, status, note });
    });
  return out;
}

/**
 * The sidecar's statuses by folder name (and the line of each); `unmatched` (and `warnings`, the same in words) for
 * lines that name no report here. A report named twice, or by a receipt several reports share,
 * stops it (ReportError).
 */
export function parseSidecar(
  text: string,
  rows: { folder: string; id: string; receipt: string }[],
): { statuses: Map<string, { status: Status; note: string }>; lines: Map<string, number>; warnings: string[]; unmatched: { line: number; key: string }[] } {
  const byKey = new Map<string, string>();
  // A receipt is a 64-bit hash of the envelope, not a unique id (docs/PROTOCOL.md, "Receipt"):
  // the same envelope sent twice, or two crafted to collide, share one. Such a receipt names no
  // single report, so a line using it is refused rather than applied to one of them.
  const sharedReceipts = new Set<string>();
  const receipts = new Map<string, string>();
  for (const r of rows) {
    if (!r.receipt) continue;
    const receipt = r.receipt.toUpperCase();
    if (receipts.has(receipt)) sharedReceipts.add(receipt);
    receipts.set(receipt, r.folder);
  }
  for (const [receipt, folder] of receipts) if (!sharedReceipts.has(receipt)) byKey.set(receipt, folder);
  for (const r of rows) {
    byKey.set(r.folder, r.folder);
    byKey.set(r.id, r.folder);
  }
  const statuses = new Map<string, { status: Status; note: string }>();
  const lines = new Map<string, number>();
  const warnings: string[] = [];
  const unmatched: { line: number; key: string }[] = [];
  for (const { line, key, status, note } of parseSidecarLines(text)) {
    const at = `${SIDECAR} line ${line}`;
    if (sharedReceipts.has(key.toUpperCase()))
      throw new ReportError(`${at}: the receipt ${key.toUpperCase()} belongs to more than one report here (receipts are not unique ids): name the folder or the record id instead`);
    const folder = byKey.get(key) ?? byKey.get(key.toUpperCase());
    if (!folder) {
      unmatched.push({ line, key });
      warnings.push(`${at} names no report in this folder (${key.slice(0, 40)})`);
      continue;
    }
    if (statuses.has(folder)) throw new ReportError(`${at}: ${folder} is marked more than once`);
    statuses.set(folder, { status, note });
    lines.set(folder, line);
  }
  return { statuses, lines, warnings, unmatched };
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * Text a spreadsheet could take for a formula: starting (after any blanks) with =, +, - or @,
 * or their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20), or with a tab or CR.
 */
export const FORMULA_START = /^[\t\r]|^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/;

/**
 * One CSV cell, always quoted: a spreadsheet may split unquoted text at `;` or a tab as well as
 * at `,` (LibreOffice offers all three by default), and a `=` after the split would be a
 * formula. Formula-looking text is also prefixed with ', since some importers evaluate a
 * formula even inside quotes.
 */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** A whole CSV file: UTF-8 byte-order mark (spreadsheets then read Cyrillic right), CRLF, every cell by csvCell. */
export function csvDocument(rows: string[][]): string {
  return `\uFEFF${rows.map((cells) => cells.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export const cellText = (value: unknown): string => (value === undefined || value === null ? '' : Array.isArray(value) ? value.map(String).join('; ') : String(value));

export function schemaFor(row: { formId: string }, extra: FormSchema[]): FormSchema | undefined {
  return extra.find((f) => f.id === row.formId) ?? builtInForm(row.formId);
}

/** The field columns: the known forms' fields in schema order, then any others by name. */
export function fieldColumns(rows: { formId: string; fields: Record<string, unknown> }[], forms: FormSchema[] = []): string[] {
  const columns: string[] = [];
  const seenForms = [...new Set(rows.map((r) => r.formId))];
  for (const id of seenForms) {
    const schema = schemaFor({ formId: id }, forms);
    for (const f of schema?.fields ?? []) if (!columns.includes(f.name)) columns.push(f.name);
  }
  const others = new Set<string>();
  for (const r of rows) for (const name of Object.keys(r.fields)) if (!columns.includes(name)) others.add(name);
  return [...columns, ...[...others].sort()];
}

// ---------------------------------------------------------------------------------------------
// Counts

export interface CountRow {
  value: string;
  label: string;
  verified: number;
  unverified: number;
}

export interface Dimension {
  key: string;
  title: string;
  note?: string;
  rows: CountRow[];
}

/** The words of the counts and charts that are not the forms' own (English by default; the desk passes its language's). */
export interface CountWords {
  notGiven: string;
  severalNote: string;
  /** The day dimension's title, `{label}` being the date field's label. */
  dayTitle: string;
  verified: string;
  unverified: string;
  total: string;
  /** The chart's description, `{title}` `{verified}` `{unverified}` filled in. */
  chartDesc: string;
}

export const COUNT_WORDS_EN: CountWords = {
  notGiven: '(not given)',
  severalNote: 'A report can name several of these, so this column can add up to more than the number of reports.',
  dayTitle: 'Day ({label}, as reported)',
  verified: 'verified',
  unverified: 'unverified',
  total: 'total',
  chartDesc: 'Bar chart of {title}: the dark part of each bar counts {verified} reports, the light part {unverified} ones; the table beside it has the same numbers.',
};

/** The field definition of `name` in the first known form that has it. */
export function fieldDef(rows: { formId: string }[], name: string, forms: FormSchema[]): FieldDef | undefined {
  for (const id of new Set(rows.map((r) => r.formId))) {
    const f = schemaFor({ formId: id }, forms)?.fields.find((x) => x.name === name);
    if (f) return f;
  }
  return undefined;
}

/**
 * Counts by every region / choice field of the forms in use (region, stage, category, role…)
 * and by day (the date field; reports without one under "(not given)"). Rejected reports are
 * never counted. Choice rows follow the schema's order; days are in date order.
 */
export function countDimensions(
  rows: CountedReport[],
  lang: string | undefined,
  forms: FormSchema[] = [],
  words: CountWords = COUNT_WORDS_EN,
  options: { onlyFormsWithField?: boolean } = {},
): Dimension[] {
  const counted = rows.filter((r) => r.status !== 'rejected');
  const dims: Dimension[] = [];
  const names = fieldColumns(rows, forms);
  const order = (f: FieldDef) => (f.type === 'region' ? 0 : f.name === 'category' ? 1 : f.name === 'stage' ? 2 : 3);
  const choiceFields = names.map((n) => fieldDef(rows, n, forms)).filter((f): f is FieldDef => !!f && ['region', 'single-choice', 'multiple-choice'].includes(f.type));
  choiceFields.sort((a, b) => order(a) - order(b));
  const formsInUse = [...new Set(rows.map((r) => r.formId))].map((id) => schemaFor({ formId: id }, forms));
  for (const f of choiceFields) {
    const table = new Map<string, CountRow>((f.choices ?? []).map((c) => [c.value, { value: c.value, label: textFor(c.label, lang), verified: 0, unverified: 0 }]));
    // A value the first form lacks may be a choice of another form in use (election-tm and protocol-tm regions).
    const otherLabel = (value: string) => {
      for (const schema of formsInUse) {
        const c = schema?.fields.find((x) => x.name === f.name)?.choices?.find((x) => x.value === value);
        if (c) return textFor(c.label, lang);
      }
      return value;
    };
    const bump = (value: string, r: CountedReport) => {
      if (!table.has(value)) table.set(value, { value, label: value === '' ? words.notGiven : otherLabel(value), verified: 0, unverified: 0 });
      table.get(value)![r.status === 'verified' ? 'verified' : 'unverified']++;
    };
    // The desk counts a field only over reports whose (known) form asks it: a protocol has no category to be "not given".
    const asks = (r: CountedReport) => !options.onlyFormsWithField || !schemaFor(r, forms) || !!schemaFor(r, forms)?.fields.some((x) => x.name === f.name);
    for (const r of counted) {
      if (!asks(r)) continue;
      const v = r.fields[f.name];
      const values = Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
      if (values.length === 0) bump('', r);
      for (const value of new Set(values)) bump(value, r);
    }
    dims.push({
      key: f.name,
      title: textFor(f.label, lang),
      ...(f.type === 'multiple-choice' ? { note: words.severalNote } : {}),
      rows: [...table.values()],
    });
  }
  const dateField = names.map((n) => fieldDef(rows, n, forms)).find((f) => f?.type === 'date');
  if (dateField) {
    const table = new Map<string, CountRow>();
    for (const r of counted) {
      if (options.onlyFormsWithField && schemaFor(r, forms) && !schemaFor(r, forms)?.fields.some((x) => x.name === dateField.name)) continue;
      const v = r.fields[dateField.name];
      const day = typeof v === 'string' ? v : '';
      if (!table.has(day)) table.set(day, { value: day, label: day || words.notGiven, verified: 0, unverified: 0 });
      table.get(day)![r.status === 'verified' ? 'verified' : 'unverified']++;
    }
    const rowsByDay = [...table.values()].sort((a, b) => (a.value === '' ? 1 : b.value === '' ? -1 : a.value.localeCompare(b.value)));
    dims.push({ key: 'day', title: words.dayTitle.replace('{label}', textFor(dateField.label, lang)), rows: rowsByDay });
  }
  return dims;
}

// ---------------------------------------------------------------------------------------------
// Chart and table

/**
 * A horizontal bar chart, written by hand: verified (dark) then unverified (light) for each
 * row. Inert: no script, no link, no external reference, every label escaped (the labels come
 * from forms and tips). Accessible: role="img" named by its own <title> and <desc>; the same
 * numbers are in countTable, which the page puts beside it.
 */
export function barChart(dim: Dimension, words: CountWords = COUNT_WORDS_EN): string {
  const max = Math.max(1, ...dim.rows.map((r) => r.verified + r.unverified));
  const labelWidth = 290;
  const barWidth = 260;
  const rowHeight = 20;
  const height = dim.rows.length * rowHeight + 4;
  const id = `chart-${dim.key.replace(/[^A-Za-z0-9-]/g, '_')}`;
  const desc = words.chartDesc.replace('{title}', dim.title).replace('{verified}', words.verified).replace('{unverified}', words.unverified);
  const bars = dim.rows
    .map((r, i) => {
      const y = i * rowHeight + 2;
      const wv = (r.verified / max) * barWidth;
      const wu = (r.unverified / max) * barWidth;
      const label = r.label.length > 40 ? `${r.label.slice(0, 39)}…` : r.label;
      return (
        `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end" font-size="12"><title>${e(r.label)}</title>${e(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 2}" width="${wv.toFixed(1)}" height="15" fill="#1f4e79"/>` +
        `<rect x="${(labelWidth + wv).toFixed(1)}" y="${y + 2}" width="${wu.toFixed(1)}" height="15" fill="#9dc3e6"/>` +
        `<text x="${(labelWidth + wv + wu + 4).toFixed(1)}" y="${y + 14}" font-size="12">${r.verified + r.unverified}</text>`
      );
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${labelWidth + barWidth + 40}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 40} ${height}" font-family="system-ui,sans-serif">
<title id="${id}-title">${e(dim.title)}</title><desc id="${id}-desc">${e(desc)}</desc>
${bars}
</svg>`;
}

/** The numbers of a dimension as a table (`id="count-<key>"`): label, verified, unverified, total. */
export function countTable(dim: Dimension, words: CountWords = COUNT_WORDS_EN): string {
  const body = dim.rows.map((r) => `<tr><td>${e(r.label)}</td><td class="n">${r.verified}</td><td class="n">${r.unverified}</td><td class="n">${r.verified + r.unverified}</td></tr>`).join('\n');
  return `<table id="count-${e(dim.key)}"><thead><tr><th>${e(dim.title)}</th><th class="n">${e(words.verified)}</th><th class="n">${e(words.unverified)}</th><th class="n">${e(words.total)}</th></tr></thead>
<tbody>
${body}
</tbody></table>`;
}
