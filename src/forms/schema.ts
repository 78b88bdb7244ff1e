// Form schemas: which structured fields the tip form has (docs/OPERATIONS.md, TIPLINE_FORM).
// A schema is JSON: `{id, version, title?, intro?, message?, fields: [...]}`. Three are built
// in (src/forms/*.json); an operator may point TIPLINE_FORM at a file of their own. The
// validator is strict (unknown members are errors, so a typo does not silently drop a rule)
// and reports every problem, one line each. Isomorphic except `loadForm`, which reads a file.
//
// Texts (labels, hints, titles) are either a catalog key starting with `form.` that exists in
// src/forms/messages.ts, or an object of literal translations with at least `en`
// (`{"en": "District", "ru": "Район"}`), so a custom form needs no code change.
import generic from './generic.json' with { type: 'json' };
import electionTm from './election-tm.json' with { type: 'json' };
import electionKz from './election-kz.json' with { type: 'json' };
import protocolTm from './protocol-tm.json' with { type: 'json' };
import protocolKz from './protocol-kz.json' with { type: 'json' };
import { FORM_MESSAGES, formLang } from './messages.js';
import type { Election } from './protocol.js';

export const FIELD_TYPES = ['text', 'long-text', 'single-choice', 'multiple-choice', 'date', 'time', 'number', 'region', 'file', 'protocol'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A catalog key (`form.…`) or literal translations by language (`en` required). */
export type Text = string | Record<string, string>;

export interface Choice {
  value: string;
  label: Text;
}

export interface FieldDef {
  name: string;
  type: FieldType;
  label: Text;
  hint?: Text;
  required?: boolean;
  /** single-choice, multiple-choice, region. */
  choices?: Choice[];
  /** text, long-text: the longest value in characters. */
  maxLength?: number;
  /** number: bounds and whether only whole numbers are allowed. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** file: at most this many files (the attachment limit applies too). */
  maxFiles?: number;
  /** protocol: where the country's law defines the protocol's line items (shown as the block's hint). */
  law?: Text;
}

export interface FormSchema {
  id: string;
  version: number;
  title?: Text;
  intro?: Text;
  /** Label and hint of the page's free-text message box, when this form words it differently. */
  message?: { label?: Text; hint?: Text };
  fields: FieldDef[];
  /**
   * A form with a `protocol` field: the election file (TIPLINE_ELECTION) bound to it at start-up
   * (src/forms/protocol-form.ts, bindElection). Never a member of a form file.
   */
  election?: Election;
}

export const DEFAULT_FORM_ID = 'generic';
export const MAX_FIELDS = 50;
export const MAX_CHOICES = 200;
export const FORM_ID_RE = /^[a-z][a-z0-9-]{0,39}$/;
export const FIELD_NAME_RE = /^[a-z][A-Za-z0-9]{0,39}$/;
export const CHOICE_VALUE_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Body members a field may not shadow (a field name is only ever a key of body.fields, but keep them apart for readers). */
const RESERVED_NAMES = new Set(['message', 'files', 'form', 'fields', 'lang', 'reply', 'mailbox', 'clientTime', 'sealedByServer', 'v']);

export class SchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SchemaError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

const FIELD_MEMBERS: Record<string, FieldType[] | 'all'> = {
  name: 'all',
  type: 'all',
  label: 'all',
  hint: 'all',
  required: 'all',
  choices: ['single-choice', 'multiple-choice', 'region'],
  maxLength: ['text', 'long-text'],
  min: ['number'],
  max: ['number'],
  integer: ['number'],
  maxFiles: ['file'],
  law: ['protocol'],
};

function checkText(value: unknown, where: string, problems: string[]): void {
  if (typeof value === 'string') {
    if (!value.startsWith('form.')) problems.push(`${where}: ${show(value)} must be a catalog key starting with "form." or an object of translations`);
    else if (!(value in FORM_MESSAGES.en)) problems.push(`${where}: the catalog key ${show(value)} does not exist (src/forms/messages.ts); give the translations as an object instead`);
    return;
  }
  if (!isObject(value)) {
    problems.push(`${where}: must be a catalog key or an object of translations such as {"en": "…", "ru": "…"}`);
    return;
  }
  if (typeof value.en !== 'string' || value.en.trim() === '') problems.push(`${where}: the translations must include a non-empty "en"`);
  for (const [lang, text] of Object.entries(value)) {
    if (!/^[a-z]{2,3}$/.test(lang)) problems.push(`${where}: ${show(lang)} is not a language code such as "en" or "ru"`);
    else if (typeof text !== 'string' || text.length > 2000) problems.push(`${where}.${lang}: must be a text of at most 2000 characters`);
  }
}

function checkField(field: unknown, where: string, names: Set<string>, problems: string[]): void {
  if (!isObject(field)) {
    problems.push(`${where}: must be an object {name, type, label, …}`);
    return;
  }
  const type = field.type as FieldType;
  const name = field.name;
  if (typeof name !== 'string' || !FIELD_NAME_RE.test(name)) {
    problems.push(`${where}.name: ${show(name)} must be a letter then letters or digits (at most 40), e.g. "pollingStation"`);
  } else if (RESERVED_NAMES.has(name)) {
    problems.push(`${where}.name: "${name}" is reserved`);
  } else if (names.has(name)) {
    problems.push(`${where}.name: "${name}" is used by more than one field`);
  } else {
    names.add(name);
  }
  const unique = typeof name === 'string' && FIELD_NAME_RE.test(name) && !RESERVED_NAMES.has(name) && problems.every((p) => !p.startsWith(`${where}.name`));
  // Name the field by its name when that is unambiguous, by its position otherwise.
  const label = unique ? `fields.${name}` : where;
  if (!FIELD_TYPES.includes(type)) {
    problems.push(`${label}.type: ${show(field.type)} is not a field type (one of ${FIELD_TYPES.join(', ')})`);
  }
  for (const member of Object.keys(field)) {
    const allowed = FIELD_MEMBERS[member];
    if (!allowed) problems.push(`${label}: unknown member ${show(member)}`);
    else if (allowed !== 'all' && FIELD_TYPES.includes(type) && !allowed.includes(type)) problems.push(`${label}: "${member}" does not apply to a ${type} field`);
  }
  checkText(field.label, `${label}.label`, problems);
  if (field.hint !== undefined) checkText(field.hint, `${label}.hint`, problems);
  if (field.law !== undefined) checkText(field.law, `${label}.law`, problems);
  if (field.required !== undefined && typeof field.required !== 'boolean') problems.push(`${label}.required: must be true or false`);
  if (type === 'single-choice' || type === 'multiple-choice' || type === 'region') {
    const choices = field.choices;
    if (!Array.isArray(choices) || choices.length === 0 || choices.length > MAX_CHOICES) {
      problems.push(`${label}.choices: a ${type} field needs a list of 1 to ${MAX_CHOICES} choices`);
    } else {
      const values = new Set<string>();
      choices.forEach((choice: unknown, i) => {
        const at = `${label}.choices[${i}]`;
        if (!isObject(choice)) {
          problems.push(`${at}: must be {value, label}`);
          return;
        }
        for (const member of Object.keys(choice)) if (member !== 'value' && member !== 'label') problems.push(`${at}: unknown member ${show(member)}`);
        if (typeof choice.value !== 'string' || !CHOICE_VALUE_RE.test(choice.value)) {
          problems.push(`${at}.value: ${show(choice.value)} must be lower-case letters, digits and dashes (at most 64), e.g. "vote-buying"`);
        } else if (values.has(choice.value)) {
          problems.push(`${at}.value: "${choice.value}" appears twice`);
        } else {
          values.add(choice.value);
        }
        checkText(choice.label, `${at}.label`, problems);
      });
    }
  }
  if (field.maxLength !== undefined && !(Number.isSafeInteger(field.maxLength) && (field.maxLength as number) >= 1 && (field.maxLength as number) <= 100000)) {
    problems.push(`${label}.maxLength: must be a whole number from 1 to 100000`);
  }
  for (const bound of ['min', 'max'] as const) {
    if (field[bound] !== undefined && !(typeof field[bound] === 'number' && Number.isFinite(field[bound]))) problems.push(`${label}.${bound}: must be a number`);
  }
  if (typeof field.min === 'number' && typeof field.max === 'number' && field.min > field.max) problems.push(`${label}: min is greater than max`);
  if (field.integer !== undefined && typeof field.integer !== 'boolean') problems.push(`${label}.integer: must be true or false`);
  if (field.maxFiles !== undefined && !(Number.isSafeInteger(field.maxFiles) && (field.maxFiles as number) >= 1 && (field.maxFiles as number) <= 100)) {
    problems.push(`${label}.maxFiles: must be a whole number from 1 to 100`);
  }
}

/** Checks a parsed JSON value; returns it typed, or throws SchemaError with every problem. */
export function validateSchema(value: unknown, source = 'the form'): FormSchema {
  const problems: string[] = [];
  if (!isObject(value)) throw new SchemaError([`${source}: must be a JSON object {id, version, fields}`]);
  for (const member of Object.keys(value)) {
    if (!['id', 'version', 'title', 'intro', 'message', 'fields'].includes(member)) problems.push(`unknown member ${show(member)}`);
  }
  if (typeof value.id !== 'string' || !FORM_ID_RE.test(value.id)) problems.push(`id: ${show(value.id)} must be lower-case letters, digits and dashes (at most 40), e.g. "election-tm"`);
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) problems.push(`version: ${show(value.version)} must be a whole number from 1 up`);
  if (value.title !== undefined) checkText(value.title, 'title', problems);
  if (value.intro !== undefined) checkText(value.intro, 'intro', problems);
  if (value.message !== undefined) {
    if (!isObject(value.message)) problems.push('message: must be {label?, hint?}');
    else {
      for (const member of Object.keys(value.message)) if (member !== 'label' && member !== 'hint') problems.push(`message: unknown member ${show(member)}`);
      if (value.message.label !== undefined) checkText(value.message.label, 'message.label', problems);
      if (value.message.hint !== undefined) checkText(value.message.hint, 'message.hint', problems);
    }
  }
  if (!Array.isArray(value.fields) || value.fields.length > MAX_FIELDS) {
    problems.push(`fields: must be a list of at most ${MAX_FIELDS} fields`);
  } else {
    const names = new Set<string>();
    value.fields.forEach((field, i) => {
      checkField(field, `fields[${i}]`, names, problems);
    });
    // One protocol per tip: the body has one `protocol` member.
    if (value.fields.filter((f) => isObject(f) && f.type === 'protocol').length > 1) problems.push('fields: at most one protocol field');
  }
  if (problems.length) throw new SchemaError(problems.map((p) => `${source}: ${p}`));
  return value as unknown as FormSchema;
}

/** The built-in forms by id, validated once. */
export const BUILT_IN_FORMS: Readonly<Record<string, FormSchema>> = Object.freeze(
  Object.fromEntries(
    [generic, electionTm, electionKz, protocolTm, protocolKz].map((json) => {
      const schema = validateSchema(json, `built-in form ${(json as { id: string }).id}`);
      return [schema.id, schema];
    }),
  ),
);

/** The built-in form of this id and version, if it is one (the report uses it to read old tips). */
export function builtInForm(id: string, version?: number): FormSchema | undefined {
  const form = Object.hasOwn(BUILT_IN_FORMS, id) ? BUILT_IN_FORMS[id] : undefined;
  return form && (version === undefined || form.version === version) ? form : undefined;
}

/**
 * TIPLINE_FORM: a built-in id (`generic`, `election-tm`, `election-kz`), or a path to a JSON
 * file (anything with a `/` or ending in `.json`). `readFile` reads a path (the server passes
 * node:fs); the result is validated. Throws SchemaError, one line per problem.
 */
export function loadForm(spec: string | undefined, readFile: (path: string) => string): FormSchema {
  const value = spec === undefined || spec === '' ? DEFAULT_FORM_ID : spec;
  if (!value.includes('/') && !value.endsWith('.json')) {
    const form = builtInForm(value);
    if (!form) throw new SchemaError([`"${value.slice(0, 40)}" is neither a built-in form (${Object.keys(BUILT_IN_FORMS).join(', ')}) nor a path to a .json file`]);
    return form;
  }
  let text: string;
  try {
    text = readFile(value);
  } catch (err) {
    throw new SchemaError([`cannot read ${value} (${(err as { code?: string }).code ?? 'error'})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SchemaError([`${value} is not valid JSON (${(err as Error).message.split('\n')[0]})`]);
  }
  return validateSchema(json, value);
}

/** A text in `lang` (falling back to English, then to the key itself). */
export function textFor(text: Text | undefined, lang: string | undefined): string {
  if (text === undefined) return '';
  const l = formLang(lang);
  if (typeof text === 'string') return FORM_MESSAGES[l][text] ?? FORM_MESSAGES.en[text] ?? text;
  return text[l] ?? text[(lang ?? '').toLowerCase().split('-')[0] ?? ''] ?? text.en ?? '';
}

/** A shared word of the form renderer and validator (`form.ui.<name>`), with `{x}` filled in. */
export function uiText(name: string, lang: string | undefined, values: Record<string, string | number> = {}): string {
  return textFor(`form.ui.${name}`, lang).replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** Every catalog key a schema uses (the i18n completeness test counts them as used). */
export function schemaKeys(schema: FormSchema): string[] {
  const keys: string[] = [];
  const add = (t: Text | undefined) => {
    if (typeof t === 'string') keys.push(t);
  };
  add(schema.title);
  add(schema.intro);
  add(schema.message?.label);
  add(schema.message?.hint);
  for (const f of schema.fields) {
    add(f.label);
    add(f.hint);
    add(f.law);
    for (const c of f.choices ?? []) add(c.label);
  }
  return keys;
}
