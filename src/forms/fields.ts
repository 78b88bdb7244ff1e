// Field values against a form schema (isomorphic: the browser checks them before sealing, the
// server's no-JavaScript path can parse a posted form with them, the offline report reads them).
//
// Values as they travel in the body (`body.fields`, docs/PROTOCOL.md): text, long-text,
// single-choice, region, date ("YYYY-MM-DD"), time ("HH:MM") are strings; number is a JSON
// number; multiple-choice is a list of choice values in the schema's order; file is a list of
// the `upload` ids of the body's `files` that belong to this field. An empty input is absent.
// A protocol field is never in `fields`: it is the body's `protocol` member (protocol-form.ts).
// Only types from schema.ts: the browser bundle gets the schema from the page, not the JSON files.
import type { FieldDef, FormSchema } from './schema.js';

/** The longest text of a text / long-text field without its own maxLength. */
export const DEFAULT_MAX_LENGTH: Record<'text' | 'long-text', number> = { text: 1000, 'long-text': 20000 };

export type FieldValue = string | number | string[];
export type FieldValues = Record<string, FieldValue>;
export type FieldProblemCode = 'required' | 'invalid' | 'tooMany' | 'unknown';

export interface FieldProblem {
  /** The field's name (for `unknown`, the unexpected member's name). */
  field: string;
  code: FieldProblemCode;
}

/** The name of a field's input element(s) on the page (`field.region`). */
export const inputName = (field: Pick<FieldDef, 'name'>): string => `field.${field.name}`;
/** The id of a field's (first) input element on the page. */
export const inputId = (field: Pick<FieldDef, 'name'>): string => `field-${field.name}`;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const NUMBER_RE = /^-?\d{1,15}(\.\d{1,6})?$/;

export function isDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export const isTime = (text: string): boolean => TIME_RE.test(text);

const maxLength = (field: FieldDef): number => field.maxLength ?? (field.type === 'long-text' ? DEFAULT_MAX_LENGTH['long-text'] : DEFAULT_MAX_LENGTH.text);
const choiceValues = (field: FieldDef): string[] => (field.choices ?? []).map((c) => c.value);

/** Why a (present) value does not fit its field, or undefined when it does. */
export function checkFieldValue(field: FieldDef, value: unknown): FieldProblemCode | undefined {
  switch (field.type) {
    case 'text':
    case 'long-text':
      return typeof value === 'string' && value.trim() !== '' && value.length <= maxLength(field) && (field.type === 'long-text' || !/[\r\n]/.test(value)) ? undefined : 'invalid';
    case 'single-choice':
    case 'region':
      return typeof value === 'string' && choiceValues(field).includes(value) ? undefined : 'invalid';
    case 'multiple-choice': {
      if (!Array.isArray(value) || value.length === 0) return 'invalid';
      const values = choiceValues(field);
      const positions = value.map((v) => (typeof v === 'string' ? values.indexOf(v) : -1));
      // Known, no duplicates, in the schema's order: one canonical form per selection.
      return positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)) ? undefined : 'invalid';
    }
    case 'date':
      return typeof value === 'string' && isDate(value) ? undefined : 'invalid';
    case 'time':
      return typeof value === 'string' && isTime(value) ? undefined : 'invalid';
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'invalid';
      if (field.integer && !Number.isSafeInteger(value)) return 'invalid';
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) return 'invalid';
      return undefined;
    case 'protocol':
      // A protocol is the body's `protocol` member (src/forms/protocol-form.ts), never a value in `fields`.
      return 'invalid';
    case 'file':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(v))) return 'invalid';
      if (new Set(value).size !== value.length) return 'invalid';
      return value.length > (field.maxFiles ?? 10) ? 'tooMany' : undefined;
  }
}

/**
 * Checks decoded `body.fields` against a schema: every member must be a field of the schema
 * with a fitting value, and every required field present. `fileIds` (the body's files'
 * upload ids), when given, must contain every id a file field names.
 */
export function validateFields(schema: FormSchema, fields: unknown, fileIds?: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const values: Record<string, unknown> = typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? (fields as Record<string, unknown>) : {};
  if (fields !== undefined && values !== fields) return [{ field: '', code: 'invalid' }];
  const known = new Map(schema.fields.map((f) => [f.name, f]));
  for (const name of Object.keys(values)) if (!known.has(name)) problems.push({ field: name, code: 'unknown' });
  for (const field of schema.fields) {
    if (field.type === 'protocol') continue;
    const value = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    if (value === undefined) {
      if (field.required) problems.push({ field: field.name, code: 'required' });
      continue;
    }
    const code = checkFieldValue(field, value);
    if (code) problems.push({ field: field.name, code });
    else if (field.type === 'file' && fileIds && !(value as string[]).every((id) => fileIds.includes(id))) problems.push({ field: field.name, code: 'invalid' });
  }
  return problems;
}

/**
 * One field's inputs, as a browser submits them (every value of the field's input name, in
 * order), to its value: `{}` when empty, `{value}` when it fits, `{problem}` otherwise. Texts
 * are trimmed and CR LF becomes LF; choice selections are put in the schema's order. File
 * fields are not form inputs (their value comes from the uploads): always `{}` here.
 */
export function parseFieldInput(field: FieldDef, inputs: readonly string[]): { value?: FieldValue; problem?: FieldProblemCode } {
  const first = (inputs[0] ?? '').replace(/\r\n?/g, '\n').trim();
  let value: FieldValue;
  switch (field.type) {
    case 'file':
    case 'protocol':
      return {};
    case 'multiple-choice': {
      const chosen = new Set(inputs.map((i) => i.trim()).filter((i) => i !== ''));
      if (chosen.size === 0) return {};
      const values = choiceValues(field);
      if ([...chosen].some((c) => !values.includes(c))) return { problem: 'invalid' };
      value = values.filter((v) => chosen.has(v));
      break;
    }
    case 'number':
      if (first === '') return {};
      if (!NUMBER_RE.test(first)) return { problem: 'invalid' };
      value = Number(first);
      break;
    default:
      if (first === '') return {};
      value = first;
  }
  const problem = checkFieldValue(field, value);
  return problem ? { problem } : { value };
}

/** The inputs that parse back to `value` (the inverse of parseFieldInput, for tests and prefills). */
export function fieldInputs(_field: FieldDef, value: FieldValue): string[] {
  if (Array.isArray(value)) return [...value];
  return [String(value)];
}

/**
 * A whole form's inputs to `body.fields`: `get(name)` returns every value posted under an input
 * name (FormData.getAll in a browser, the parsed multipart fields on a server). Returns the
 * values and every problem, required fields included; `files` fills the file fields.
 */
export function parseFormInputs(schema: FormSchema, get: (inputName: string) => readonly string[], files: Record<string, string[]> = {}): { values: FieldValues; problems: FieldProblem[] } {
  const values: FieldValues = {};
  const problems: FieldProblem[] = [];
  for (const field of schema.fields) {
    let result: { value?: FieldValue; problem?: FieldProblemCode };
    if (field.type === 'protocol') continue;
    if (field.type === 'file') {
      const ids = files[field.name] ?? [];
      const problem = ids.length ? checkFieldValue(field, ids) : undefined;
      result = ids.length === 0 ? {} : problem ? { problem } : { value: [...ids] };
    } else {
      result = parseFieldInput(field, get(inputName(field)));
    }
    if (result.problem) problems.push({ field: field.name, code: result.problem });
    else if (result.value !== undefined) values[field.name] = result.value;
    else if (field.required) problems.push({ field: field.name, code: 'required' });
  }
  return { values, problems };
}
