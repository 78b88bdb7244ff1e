// Election reports on the desk (docs/EDITORS.md, "Election reports on the
// desk"): from the election-form tips the desk's filters select (Desk.electionTips), the counts
// by region, category, stage and day; each report with its verification, note and editor; the
// reports about one polling station that disagree; the import of a hand-edited
// verification.tsv into `verify` changes; and the export for publication (CSV and one HTML
// file) of verified reports. Pure: no I/O; the desk's server reads and writes, its views
// render (src/desk/views/reports.ts). The counts, the CSV cells, the sidecar parser and the
// chart are the offline `report` command's own (src/offline/report-parts.ts).
//
// Every string of a tip is untrusted (a source wrote it): nothing here interprets it; fields are
// checked against their form and a protocol by validateProtocol before anything reads them.
import type { DeskChange, ElectionTip, Verification } from './api.js';
import { validateFields } from '../forms/fields.js';
import { PROTOCOL_ITEMS, ProtocolError, validateProtocol, type Protocol } from '../forms/protocol.js';
import { textFor, type FormSchema } from '../forms/schema.js';
import { analyseProtocols } from '../results/protocols.js';
import { ReportError, cellText, countDimensions, csvDocument, fieldColumns, fieldDef, parseSidecar, schemaFor, type CountRow, type Dimension } from '../offline/report-parts.js';
import { countWords, say } from './election-words.js';

export { ReportError } from '../offline/report-parts.js';

// ---------------------------------------------------------------------------------------------
// Reading a tip

/** Where a report is about: the polling station as its form names it. */
export interface Station {
  /** The value of the form's region field (`ashgabat`), or of `protocol.region`. */
  region: string;
  /** The `pollingStation` number, or `protocol.station`. */
  station: string;
}

/** One report as the view lists it. */
export interface ElectionReport {
  tip: string;
  thread: string;
  received: string;
  form: string;
  formVersion: number;
  station?: Station;
  /** Answers with their labels in the desk's language, in the form's order (file fields as a count). */
  answers: { field: string; label: string; value: string; freeText: boolean }[];
  /** The protocol, when the tip carries a readable one. */
  protocol?: Protocol;
  /** Relations of the protocol that do not hold, recomputed (never the sender's list). */
  failed: string[];
  verification: { state: Verification; note: string; editor?: string };
  /** Answers that do not fit the form, and a protocol that is not readable: shown, never dropped. */
  problems: string[];
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The protocol of a tip, with the region of the form's region field when the protocol has none; or why it is unreadable. */
const readProtocols = new WeakMap<ElectionTip, { protocol?: Protocol; problem?: string }>();
function protocolOf(tip: ElectionTip): { protocol?: Protocol; problem?: string } {
  const known = readProtocols.get(tip);
  if (known) return known;
  const read = readProtocol(tip);
  readProtocols.set(tip, read);
  return read;
}
function readProtocol(tip: ElectionTip): { protocol?: Protocol; problem?: string } {
  if (tip.protocol === undefined) return {};
  const raw = isObject(tip.protocol) && tip.protocol.region === undefined && typeof tip.fields.region === 'string' ? { ...tip.protocol, region: tip.fields.region } : tip.protocol;
  try {
    return { protocol: validateProtocol(raw) };
  } catch (err) {
    if (err instanceof ProtocolError) return { problem: err.message };
    throw err;
  }
}

/** The polling station of a report: region + station number, as the forms name them. */
export function stationOf(tip: ElectionTip, forms: FormSchema[] = []): Station | undefined {
  const p = protocolOf(tip).protocol;
  if (p) return p.region ? { region: p.region, station: p.station } : undefined;
  const schema = schemaFor({ formId: tip.form.id }, forms);
  const regionField = schema?.fields.find((f) => f.type === 'region')?.name ?? 'region';
  const region = tip.fields[regionField];
  const station = tip.fields.pollingStation;
  if (typeof region !== 'string' || region === '') return undefined;
  if (!(typeof station === 'number' && Number.isSafeInteger(station)) && !(typeof station === 'string' && /^[0-9A-Za-z][0-9A-Za-z/-]{0,15}$/.test(station))) return undefined;
  return { region, station: String(station) };
}

function displayValue(tips: { formId: string }[], name: string, value: unknown, lang: string | undefined, forms: FormSchema[]): string {
  const f = fieldDef(tips, name, forms);
  if (f?.type === 'file' && Array.isArray(value)) return String(value.length);
  const label = (v: unknown) => {
    const c = f?.choices?.find((x) => x.value === v);
    return c ? textFor(c.label, lang) : String(v);
  };
  return Array.isArray(value) ? value.map(label).join('; ') : label(value);
}

/** Whether a field's answer is free text (typed by the source): text and long-text fields, and any field no form defines. */
function isFreeText(tips: { formId: string }[], name: string, forms: FormSchema[]): boolean {
  const f = fieldDef(tips, name, forms);
  return !f || f.type === 'text' || f.type === 'long-text';
}

const rowsOf = (tips: ElectionTip[]) => tips.map((t) => ({ formId: t.form.id, fields: t.fields, status: t.verification.state }));
/** The forms in use, once each (fieldDef looks a field up in these: per form, not per tip). */
const formsIn = (tips: ElectionTip[]) => [...new Set(tips.map((t) => t.form.id))].map((formId) => ({ formId }));

/** The reports, oldest first (then by id), each read against its form. */
export function readElectionReports(tips: ElectionTip[], lang: string | undefined, forms: FormSchema[] = []): ElectionReport[] {
  const rows = formsIn(tips);
  const columns = fieldColumns(rowsOf(tips), forms);
  const sorted = [...tips].sort((a, b) => (a.received + a.id < b.received + b.id ? -1 : a.received + a.id > b.received + b.id ? 1 : 0));
  return sorted.map((tip) => {
    const schema = schemaFor({ formId: tip.form.id }, forms);
    const problems: string[] = [];
    if (schema && schema.version === tip.form.version) problems.push(...validateFields(schema, tip.fields).map((p) => `${p.field || 'fields'}: ${p.code}`));
    else problems.push(`form ${tip.form.id} v${tip.form.version} is not known here: answers shown as given`);
    const { protocol, problem } = protocolOf(tip);
    if (problem) problems.push(problem);
    let failed: string[] = [];
    if (protocol) failed = analyseProtocols([{ folder: tip.id, body: { protocol } }]).stations[0]?.reports[0]?.failed ?? [];
    const station = stationOf(tip, forms);
    return {
      tip: tip.id,
      thread: tip.thread,
      received: tip.received,
      form: tip.form.id,
      formVersion: tip.form.version,
      ...(station ? { station } : {}),
      answers: columns
        .filter((c) => Object.hasOwn(tip.fields, c) && tip.fields[c] !== undefined)
        .map((c) => {
          const f = fieldDef(rows, c, forms);
          return { field: c, label: f ? textFor(f.label, lang) : c, value: displayValue(rows, c, tip.fields[c], lang, forms), freeText: isFreeText(rows, c, forms) };
        }),
      ...(protocol ? { protocol } : {}),
      failed,
      verification: { state: tip.verification.state, note: tip.verification.note, ...(tip.verification.editor ? { editor: tip.verification.editor } : {}) },
      problems,
      message: tip.message,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Counts

/** Counts by every region / choice field of the forms (region, category, stage, role), by the day reported and by the day received; a field only over the reports whose form asks it. Rejected reports are never counted. */
export function electionCounts(tips: ElectionTip[], lang: string | undefined, forms: FormSchema[] = []): Dimension[] {
  const rows = rowsOf(tips);
  const words = countWords(lang);
  const dims = countDimensions(rows, lang, forms, words, { onlyFormsWithField: true });
  const table = new Map<string, CountRow>();
  for (const t of tips) {
    if (t.verification.state === 'rejected') continue;
    if (!table.has(t.received)) table.set(t.received, { value: t.received, label: t.received, verified: 0, unverified: 0 });
    table.get(t.received)![t.verification.state === 'verified' ? 'verified' : 'unverified']++;
  }
  dims.push({ key: 'received', title: say('dayReceived', lang), rows: [...table.values()].sort((a, b) => a.value.localeCompare(b.value)) });
  return dims;
}

// ---------------------------------------------------------------------------------------------
// Conflicts

/**
 * Reports about one polling station (form family + region + station) that disagree, each
 * naming every report involved:
 * - `protocol`: two results protocols of one election and station with different numbers on a
 *   line (a line item or a candidate's votes), with each report's value (src/results/protocols.ts).
 * - `date`: two violation reports that both place an `election-day` stage at the station on
 *   different dates. Election day is one day at a station, so one of them is wrong.
 * - `verdict`: two violation reports of the same category at the station (on the same reported
 *   date, when both give one), one verified and one rejected on the desk: the editors disagree.
 * Other answers of violation reports never contradict each other: a report names what its
 * author saw; another report that does not name it does not deny it (docs/EDITORS.md, "Election reports on the desk").
 * Rejected reports take part only in `verdict` conflicts.
 */
export type StationConflict =
  | { kind: 'protocol'; form: string; election: string; region: string; station: string; tips: string[]; lines: { item: string; values: (number | null)[] }[] }
  | { kind: 'date'; form: string; region: string; station: string; tips: string[]; dates: string[] }
  | { kind: 'verdict'; form: string; region: string; station: string; category: string; verified: string[]; rejected: string[] };

const byId = (a: ElectionTip, b: ElectionTip) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function findConflicts(tips: ElectionTip[], forms: FormSchema[] = []): StationConflict[] {
  const out: StationConflict[] = [];
  const sorted = [...tips].sort(byId);
  // Results protocols: grouped by election, region and station; rejected ones left out.
  const withProtocol = sorted.filter((t) => t.verification.state !== 'rejected' && protocolOf(t).protocol);
  const analysed = analyseProtocols(withProtocol.map((t) => ({ folder: t.id, body: { protocol: protocolOf(t).protocol } })));
  for (const s of analysed.stations) {
    if (s.conflicts.length === 0) continue;
    out.push({
      kind: 'protocol',
      form: withProtocol.find((t) => t.id === s.reports[0]?.folder)?.form.id ?? '',
      election: s.election,
      region: s.region,
      station: s.station,
      tips: s.reports.map((r) => r.folder),
      lines: s.conflicts.map((c) => ({ item: c.item, values: c.values })),
    });
  }
  // Violation reports: grouped by form, region and station.
  const groups = new Map<string, { form: string; station: Station; tips: ElectionTip[] }>();
  for (const t of sorted) {
    if (t.protocol !== undefined) continue;
    const station = stationOf(t, forms);
    if (!station) continue;
    const key = JSON.stringify([t.form.id, station.region, station.station]);
    const g = groups.get(key) ?? { form: t.form.id, station, tips: [] };
    g.tips.push(t);
    groups.set(key, g);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  for (const key of [...groups.keys()].sort()) {
    const { form, station, tips: group } = groups.get(key)!;
    const electionDay = group.filter((t) => t.verification.state !== 'rejected' && t.fields.stage === 'election-day' && str(t.fields.date) !== '');
    const dates = [...new Set(electionDay.map((t) => str(t.fields.date)))].sort();
    if (dates.length > 1) out.push({ kind: 'date', form, ...station, tips: electionDay.map((t) => t.id), dates: electionDay.map((t) => str(t.fields.date)) });
    const categories = new Set(group.flatMap((t) => (Array.isArray(t.fields.category) ? t.fields.category.filter((c): c is string => typeof c === 'string') : [])));
    for (const category of [...categories].sort()) {
      const naming = group.filter((t) => Array.isArray(t.fields.category) && t.fields.category.includes(category));
      // Same reported date when both give one: a verdict on one day's event says nothing of another day's.
      const sameDay = (a: ElectionTip, b: ElectionTip) => !str(a.fields.date) || !str(b.fields.date) || a.fields.date === b.fields.date;
      const verified = naming.filter((t) => t.verification.state === 'verified');
      const rejected = naming.filter((t) => t.verification.state === 'rejected');
      const v = verified.filter((a) => rejected.some((b) => sameDay(a, b)));
      const r = rejected.filter((b) => verified.some((a) => sameDay(a, b)));
      if (v.length && r.length) out.push({ kind: 'verdict', form, ...station, category, verified: v.map((t) => t.id), rejected: r.map((t) => t.id) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The whole view

export interface ElectionSummary {
  total: number;
  verified: number;
  unverified: number;
  rejected: number;
  dimensions: Dimension[];
  reports: ElectionReport[];
  conflicts: StationConflict[];
}

export function summarise(tips: ElectionTip[], lang: string | undefined, forms: FormSchema[] = []): ElectionSummary {
  const n = (s: Verification) => tips.filter((t) => t.verification.state === s).length;
  return {
    total: tips.length,
    verified: n('verified'),
    unverified: n('unverified'),
    rejected: n('rejected'),
    dimensions: electionCounts(tips, lang, forms),
    reports: readElectionReports(tips, lang, forms),
    conflicts: findConflicts(tips, forms),
  };
}

// ---------------------------------------------------------------------------------------------
// verification.tsv import

/** The largest verification.tsv the desk reads (a line per report: far more than any desk has). */
export const MAX_VERIFICATION_BYTES = 4 * 1024 * 1024;

export interface VerificationImport {
  /** The changes to apply (Desk.change), one per tip: only where the desk still has no verification of its own. */
  changes: { thread: string; change: Extract<DeskChange, { kind: 'verify' }> }[];
  /** Lines that match what the desk already has (a second import applies nothing). */
  already: number;
  /** Lines not applied because the desk has another verification for that tip, set on the desk (it is newer than the file). */
  kept: { line: number; tip: string; file: { state: Verification; note: string }; desk: { state: Verification; note: string; editor?: string } }[];
  /** Lines that name no tip on this desk. */
  unmatched: { line: number; key: string }[];
  /** Every line is on the desk now: the file can be deleted. */
  canDelete: boolean;
}

/** The folder name decrypt gives a tip (`<received>_<id>`): how `report` users named reports in the file. */
export const folderName = (tip: Pick<ElectionTip, 'received' | 'id'>): string => `${tip.received}_${tip.id}`;

/**
 * Reads a verification.tsv that `report` users edited by hand (src/offline/report-parts.ts:
 * `<folder, record id or receipt><TAB><verified|unverified|rejected>[<TAB>note]`) against
 * **every** election tip of the desk (Desk.electionTips({})), strictly: the bytes must be UTF-8,
 * at most MAX_VERIFICATION_BYTES; a bad line, a tip named twice or a receipt shared by two tips
 * throws ReportError naming the line, and nothing is applied. A line changes a tip only while
 * the desk has no verification of its own for it (unverified, no note, no editor): otherwise
 * the desk's (newer) one is kept and the line listed in `kept`.
 */
export function importVerification(file: Uint8Array, tips: ElectionTip[]): VerificationImport {
  if (file.byteLength > MAX_VERIFICATION_BYTES) throw new ReportError(`verification.tsv is larger than ${MAX_VERIFICATION_BYTES} bytes: not a file the report command wrote`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file);
  } catch {
    throw new ReportError('verification.tsv is not UTF-8 text');
  }
  const byFolder = new Map(tips.map((t) => [folderName(t), t]));
  const { statuses, lines, unmatched } = parseSidecar(
    text,
    tips.map((t) => ({ folder: folderName(t), id: t.id, receipt: t.receipt ?? '' })),
  );
  const result: VerificationImport = { changes: [], already: 0, kept: [], unmatched, canDelete: unmatched.length === 0 };
  for (const [folder, s] of statuses) {
    const tip = byFolder.get(folder)!;
    const desk = tip.verification;
    if (desk.state === s.status && desk.note === s.note) result.already++;
    else if (desk.state === 'unverified' && desk.note === '' && !desk.editor) result.changes.push({ thread: tip.thread, change: { kind: 'verify', tip: tip.id, state: s.status, note: s.note } });
    else result.kept.push({ line: lines.get(folder) ?? 0, tip: tip.id, file: { state: s.status, note: s.note }, desk: { ...desk } });
  }
  result.changes.sort((a, b) => (a.change.tip < b.change.tip ? -1 : 1));
  result.kept.sort((a, b) => a.line - b.line);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Export for publication

export interface PublicationOptions {
  lang?: string;
  forms?: FormSchema[];
  /** Include the sources' free text (messages, text answers) and the editors' notes. Off by default: a message can identify its author. */
  includeFreeText?: boolean;
  /** The day of the export (YYYY-MM-DD), written in the files. */
  date: string;
}

/** The reports a publication holds: verified only, oldest first. */
export const publishable = (tips: ElectionTip[]): ElectionTip[] => tips.filter((t) => t.verification.state === 'verified');

/**
 * The publication's table: a header and one row per verified report. No tip id, thread, receipt
 * or editor (internal to the desk); choice answers as their stable values; file fields as a
 * count; protocol lines and votes as columns. Free-text columns stay in place with the words
 * "(left out: free text)" unless `includeFreeText`, so the choice shows in every row.
 */
export function publicationTable(tips: ElectionTip[], options: PublicationOptions): string[][] {
  const forms = options.forms ?? [];
  const lang = options.lang;
  const verified = readElectionReports(publishable(tips), lang, forms);
  const source = publishable(tips);
  const rows = formsIn(source);
  const columns = fieldColumns(rowsOf(source), forms).filter((c) => fieldDef(rows, c, forms)?.type !== 'protocol');
  const leftOut = say('leftOut', lang);
  const free = (text: string) => (options.includeFreeText ? text : leftOut);
  const protocols = verified.filter((r) => r.protocol);
  const items = PROTOCOL_ITEMS.filter((item) => protocols.some((r) => r.protocol!.items[item] !== undefined));
  const candidates = [...new Set(protocols.flatMap((r) => Object.keys(r.protocol!.votes)))].sort();
  const header = [
    'report',
    'received',
    'form',
    'form_version',
    ...columns,
    ...(protocols.length ? ['election', 'protocol.station', ...items.map((i) => `protocol.${i}`), ...candidates.map((c) => `votes.${c}`), 'relations_failed'] : []),
    'message',
    'verification_note',
  ];
  const byTip = new Map(source.map((t) => [t.id, t]));
  const body = verified.map((r, n) => {
    const tip = byTip.get(r.tip)!;
    const cells = columns.map((c) => {
      const v = tip.fields[c];
      if (v === undefined) return '';
      const f = fieldDef(rows, c, forms);
      if (f?.type === 'file') return Array.isArray(v) ? String(v.length) : '';
      return isFreeText(rows, c, forms) ? free(cellText(v)) : cellText(v);
    });
    const p = r.protocol;
    const protocolCells = protocols.length
      ? [p?.election ?? '', p?.station ?? '', ...items.map((i) => cellText(p?.items[i])), ...candidates.map((c) => cellText(p?.votes[c])), r.failed.join('; ')]
      : [];
    return [String(n + 1), r.received, r.form, String(r.formVersion), ...cells, ...protocolCells, free(r.message), free(r.verification.note)];
  });
  return [header, ...body];
}

/** The publication as CSV: every cell quoted and formula-guarded (csvDocument, as reports.csv); the free-text choice is in the cells. */
export function publicationCsv(tips: ElectionTip[], options: PublicationOptions): string {
  return csvDocument(publicationTable(tips, options));
}
