// The `protocol` field type (forms protocol-tm and protocol-kz): a polling station's results
// protocol as the observer copies it. Renders the station number, the line items and one vote
// line per candidate of the election file (TIPLINE_ELECTION) into the form, parses the posted
// inputs into the body's `protocol` member (src/forms/protocol.ts, docs/PROTOCOL.md) and words
// the control relations that do not hold, in the page language. Isomorphic: the page renders
// on the server, the browser bundle checks as the observer types, the no-JavaScript path parses
// a plain form post with the same functions.
//
// Input names: `field.<name>.station`, `field.<name>.item.<item>`, `field.<name>.vote.<candidate>`.
// A relation that fails never blocks sending; it is recorded in `protocol.failed`.
import { MAX_COUNT, PROTOCOL_ITEMS, PROTOCOL_VERSION, ProtocolError, STATION_RE, evaluateRelations, type Election, type Protocol, type ProtocolItem, type RelationResult } from './protocol.js';
import type { FieldDef, FormSchema } from './schema.js';
import type { FieldProblem, FieldValues } from './fields.js';

export const stationInput = (field: Pick<FieldDef, 'name'>): string => `field.${field.name}.station`;
export const itemInput = (field: Pick<FieldDef, 'name'>, item: ProtocolItem): string => `field.${field.name}.item.${item}`;
export const voteInput = (field: Pick<FieldDef, 'name'>, candidate: string): string => `field.${field.name}.vote.${candidate}`;
/** Element ids: `field-<name>-station`, `field-<name>-<item>`, `field-<name>-vote-<candidate>`, `field-<name>-relations`. */
export const protocolIds = (field: Pick<FieldDef, 'name'>) => ({
  station: `field-${field.name}-station`,
  item: (item: ProtocolItem) => `field-${field.name}-${item}`,
  vote: (candidate: string) => `field-${field.name}-vote-${candidate}`,
  relations: `field-${field.name}-relations`,
});
/** Every input name a protocol field may post (the no-JavaScript parser accepts only these). */
export const PROTOCOL_INPUT_RE = /^field\.[a-z][A-Za-z0-9]{0,39}\.(?:station|item\.[a-zA-Z]{1,20}|vote\.[a-z0-9][a-z0-9-]{0,63})$/;

/** The form's protocol field, if it has one. */
export const protocolField = (schema: Pick<FormSchema, 'fields'>): FieldDef | undefined => schema.fields.find((f) => f.type === 'protocol');

/** The items a protocol form shows for this election: "against all" only where the ballot has it. */
export const itemsFor = (election: Pick<Election, 'againstAll'>): ProtocolItem[] => PROTOCOL_ITEMS.filter((item) => item !== 'againstAll' || election.againstAll);

/**
 * The form with its election bound (the server does this once at start-up). A form with a
 * protocol field needs an election for that form; a form without one takes none. Throws
 * ProtocolError with one line saying which.
 */
export function bindElection(schema: FormSchema, election: Election | undefined, source = 'TIPLINE_ELECTION'): FormSchema {
  const field = protocolField(schema);
  if (!field) {
    if (election) throw new ProtocolError(`${source}: the form "${schema.id}" has no protocol field; set TIPLINE_FORM to a protocol form (e.g. protocol-kz) or unset TIPLINE_ELECTION`);
    return schema;
  }
  if (!election) throw new ProtocolError(`${source}: required by the form "${schema.id}" (a JSON election file naming the candidates; see docs/OPERATIONS.md)`);
  if (election.form !== schema.id) throw new ProtocolError(`${source}: the election "${election.id}" is for the form "${election.form.slice(0, 40)}", not "${schema.id}"`);
  return { ...schema, election };
}

/** A count as typed: digits only (spaces, as in "1 204", are allowed and dropped). */
const COUNT_RE = /^\d{1,9}$/;

/** The figures typed so far (what the page checks as the observer types); `invalid` when one is not a count. */
export function figuresFrom(
  field: Pick<FieldDef, 'name'>,
  election: Pick<Election, 'candidates' | 'againstAll'>,
  get: (inputName: string) => readonly string[],
): { items: Protocol['items']; votes: Protocol['votes']; invalid: boolean; any: boolean } {
  const items: Protocol['items'] = {};
  const votes: Protocol['votes'] = {};
  let invalid = false;
  let any = false;
  const count = (name: string): number | undefined => {
    const raw = (get(name)[0] ?? '').replace(/[\s\u00a0\u202f]/g, '');
    if (raw === '') return undefined;
    any = true;
    if (!COUNT_RE.test(raw) || Number(raw) > MAX_COUNT) {
      invalid = true;
      return undefined;
    }
    return Number(raw);
  };
  for (const item of itemsFor(election)) {
    const v = count(itemInput(field, item));
    if (v !== undefined) items[item] = v;
  }
  for (const c of election.candidates) {
    const v = count(voteInput(field, c.id));
    if (v !== undefined) votes[c.id] = v;
  }
  return { items, votes, invalid, any };
}

/**
 * The protocol from a form's inputs (`get` as for parseFormInputs): undefined when nothing of it
 * was filled in (a problem when the field is required), otherwise the `protocol` member with
 * `failed` computed here. `fields` are the form's other values (the region comes from its
 * region field). Problems name the protocol field.
 */
export function parseProtocolInputs(schema: FormSchema, get: (inputName: string) => readonly string[], fields: FieldValues = {}): { protocol?: Protocol; problems: FieldProblem[] } {
  const field = protocolField(schema);
  const election = schema.election;
  if (!field || !election) return { problems: [] };
  const station = (get(stationInput(field))[0] ?? '').trim();
  const figures = figuresFrom(field, election, get);
  const { items, votes } = figures;
  const invalid = figures.invalid || (station !== '' && !STATION_RE.test(station));
  const any = figures.any || station !== '';
  if (invalid) return { problems: [{ field: field.name, code: 'invalid' }] };
  if (!any) return { problems: field.required ? [{ field: field.name, code: 'required' }] : [] };
  // The station number is what makes a protocol a protocol: without it, nothing can be compared.
  if (station === '') return { problems: [{ field: field.name, code: 'required' }] };
  const region = schema.fields.find((f) => f.type === 'region');
  const regionValue = region ? fields[region.name] : undefined;
  const protocol: Protocol = {
    v: PROTOCOL_VERSION,
    election: election.id,
    station,
    ...(typeof regionValue === 'string' ? { region: regionValue } : {}),
    items,
    votes,
    failed: [],
  };
  protocol.failed = checkRelations(protocol, election)
    .filter((r) => r.state === 'failed')
    .map((r) => r.id);
  return { protocol, problems: [] };
}

/** Every relation's state for these figures and this election. */
export const checkRelations = (p: Pick<Protocol, 'items' | 'votes'>, election: Pick<Election, 'candidates' | 'againstAll'>): RelationResult[] =>
  evaluateRelations(
    p.items,
    p.votes,
    election.candidates.map((c) => c.id),
    election.againstAll,
  );

/** The catalog name (`form.ui.<name>`) of a relation's explanation; "against all" words the vote balance its own way. */
export const relationTextName = (id: string, againstAll: boolean): string => `relation.${id}${id === 'votes-balance' && againstAll ? '-against' : ''}`;

/** A failed relation in plain words with its two sums, from the page's words (`{left}`, `{right}`). */
export function relationMessage(template: string, result: Pick<RelationResult, 'left' | 'right'>): string {
  // Plain digits, as on the protocol sheet (and the same in every browser and on the server).
  return template.replace('{left}', String(result.left ?? '?')).replace('{right}', String(result.right ?? '?'));
}
