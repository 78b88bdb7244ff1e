// A polling station's results protocol as an observer reports it: the `protocol` member of a
// tip's body (docs/PROTOCOL.md, "Results protocols"), the election file that names its
// candidates, and the arithmetic control relations between its line items. Pure and
// isomorphic: the page checks relations as the observer types, the server checks them for the
// no-JavaScript path, and the offline `results` tool recomputes them (it never trusts the
// sender's list of failed relations; it reports both when they differ).
//
// A relation that does not hold never blocks sending: a protocol that does not add up is
// itself evidence. A relation whose items are not all filled in is "incomplete", never failed.

/** Line items every protocol form knows, in the order of the protocol sheet. */
export const PROTOCOL_ITEMS = [
  'registered', // voters on the list at the close of voting
  'received', // ballots the station commission received
  'issuedEarly', // ballots issued to voters who voted early
  'issuedStation', // ballots issued in the station on election day
  'issuedOutside', // ballots issued outside the station (mobile box, home voting)
  'cancelled', // unused ballots cancelled after voting
  'foundMobile', // ballots found in mobile (portable) boxes
  'foundStationary', // ballots found in stationary boxes
  'invalid', // invalid ballots
  'valid', // valid ballots
  'againstAll', // votes "against all", where the ballot has that line
] as const;
export type ProtocolItem = (typeof PROTOCOL_ITEMS)[number];

export const PROTOCOL_VERSION = 1;
export const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Station numbers as commissions write them: digits, optionally with a letter or dash suffix. */
export const STATION_RE = /^[0-9A-Za-z][0-9A-Za-z/-]{0,15}$/;
export const MAX_CANDIDATES = 100;
/** No protocol line can exceed this (more than any country's electorate). */
export const MAX_COUNT = 999_999_999;

/** The `protocol` member of a body. Absent items were not filled in (not zero). */
export interface Protocol {
  v: 1;
  /** The election's id, from its election file. */
  election: string;
  station: string;
  region?: string;
  items: Partial<Record<ProtocolItem, number>>;
  /** Votes per candidate or party id, from the election file. */
  votes: Record<string, number>;
  /** Ids of the relations that failed in the sender's page (or on the server, without JavaScript). */
  failed: string[];
}

/** One election: which form, which candidates, whether the ballot has "against all". */
export interface Election {
  id: string;
  /** `protocol-tm` or `protocol-kz` (or an operator's own protocol form). */
  form: string;
  /** Literal translations, `en` required. */
  title: Record<string, string>;
  date: string;
  againstAll: boolean;
  candidates: { id: string; name: Record<string, string> }[];
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_COUNT;
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ProtocolError(message);
}

/** Checks a decoded `protocol` member strictly; returns it typed. */
export function validateProtocol(value: unknown): Protocol {
  check(isObject(value), 'protocol must be an object');
  for (const key of Object.keys(value)) check(['v', 'election', 'station', 'region', 'items', 'votes', 'failed'].includes(key), `protocol: unknown member "${key.slice(0, 40)}"`);
  check(value.v === PROTOCOL_VERSION, `protocol: unsupported version ${String(value.v).slice(0, 20)}`);
  check(typeof value.election === 'string' && ID_RE.test(value.election), 'protocol.election must be an election id');
  check(typeof value.station === 'string' && STATION_RE.test(value.station), 'protocol.station must be a polling station number');
  if (value.region !== undefined) check(typeof value.region === 'string' && ID_RE.test(value.region), 'protocol.region must be a region id');
  check(isObject(value.items), 'protocol.items must be an object');
  for (const [key, count] of Object.entries(value.items)) {
    check((PROTOCOL_ITEMS as readonly string[]).includes(key), `protocol.items: unknown line item "${key.slice(0, 40)}"`);
    check(isCount(count), `protocol.items.${key} must be a whole number from 0 to ${MAX_COUNT}`);
  }
  check(isObject(value.votes), 'protocol.votes must be an object');
  const votes = Object.entries(value.votes);
  check(votes.length <= MAX_CANDIDATES, `protocol.votes: at most ${MAX_CANDIDATES} candidates`);
  for (const [key, count] of votes) {
    check(ID_RE.test(key), 'protocol.votes: candidate ids are lower-case letters, digits and dashes');
    check(isCount(count), `protocol.votes.${key} must be a whole number from 0 to ${MAX_COUNT}`);
  }
  check(
    Array.isArray(value.failed) && value.failed.length <= RELATIONS.length && value.failed.every((id) => typeof id === 'string' && RELATIONS.some((r) => r.id === id)),
    'protocol.failed must list relation ids',
  );
  return value as unknown as Protocol;
}

/** Checks an election file (parsed JSON); throws ProtocolError naming every problem. */
export function validateElection(value: unknown, source = 'the election file'): Election {
  const problems: string[] = [];
  const texts = (v: unknown): boolean =>
    isObject(v) && typeof v.en === 'string' && v.en.trim() !== '' && Object.entries(v).every(([k, t]) => /^[a-z]{2,3}$/.test(k) && typeof t === 'string' && t.length <= 200);
  if (!isObject(value)) throw new ProtocolError(`${source}: must be a JSON object {id, form, title, date, againstAll, candidates}`);
  for (const key of Object.keys(value)) if (!['id', 'form', 'title', 'date', 'againstAll', 'candidates'].includes(key)) problems.push(`unknown member "${key.slice(0, 40)}"`);
  if (typeof value.id !== 'string' || !ID_RE.test(value.id)) problems.push('id: lower-case letters, digits and dashes, e.g. "kz-2026-mazhilis"');
  if (typeof value.form !== 'string' || !ID_RE.test(value.form)) problems.push('form: the protocol form id, e.g. "protocol-kz"');
  if (!texts(value.title)) problems.push('title: translations such as {"en": "…", "ru": "…"} with a non-empty "en"');
  if (typeof value.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.date)) problems.push('date: YYYY-MM-DD');
  if (typeof value.againstAll !== 'boolean') problems.push('againstAll: true or false');
  if (!Array.isArray(value.candidates) || value.candidates.length < 1 || value.candidates.length > MAX_CANDIDATES) {
    problems.push(`candidates: a list of 1 to ${MAX_CANDIDATES} candidates or parties`);
  } else {
    const ids = new Set<string>();
    value.candidates.forEach((c: unknown, i) => {
      if (!isObject(c) || typeof c.id !== 'string' || !ID_RE.test(c.id)) {
        problems.push(`candidates[${i}].id: lower-case letters, digits and dashes`);
        return;
      }
      if (ids.has(c.id)) problems.push(`candidates[${i}].id: "${c.id}" appears twice`);
      ids.add(c.id);
      if (!texts(c.name)) problems.push(`candidates[${i}].name: translations with a non-empty "en"`);
      for (const key of Object.keys(c)) if (key !== 'id' && key !== 'name') problems.push(`candidates[${i}]: unknown member "${key.slice(0, 40)}"`);
    });
  }
  if (problems.length) throw new ProtocolError(problems.map((p) => `${source}: ${p}`).join('\n'));
  return value as unknown as Election;
}

/** A term of a relation: a line item, or the sum of all candidates' votes. */
export type Term = ProtocolItem | 'votes';

/** `left` (a sum) compared with `right` (a sum): equal, or at most. */
export interface Relation {
  id: string;
  left: Term[];
  op: '=' | '<=';
  right: Term[];
}

/**
 * The control relations, as commissions check a protocol before signing it. Ids are stable
 * (bodies and reports name them); their wording in every language lives with the form's words.
 */
export const RELATIONS: readonly Relation[] = [
  // Every ballot received is either issued or cancelled.
  { id: 'received-balance', left: ['issuedEarly', 'issuedStation', 'issuedOutside', 'cancelled'], op: '=', right: ['received'] },
  // No more ballots issued than voters on the list.
  { id: 'issued-le-registered', left: ['issuedEarly', 'issuedStation', 'issuedOutside'], op: '<=', right: ['registered'] },
  // No more ballots in the boxes than were issued (more is stuffing).
  { id: 'found-le-issued', left: ['foundMobile', 'foundStationary'], op: '<=', right: ['issuedEarly', 'issuedStation', 'issuedOutside'] },
  // No more ballots in mobile boxes than were issued outside the station.
  { id: 'mobile-le-outside', left: ['foundMobile'], op: '<=', right: ['issuedOutside'] },
  // Every ballot found is either valid or invalid.
  { id: 'found-balance', left: ['valid', 'invalid'], op: '=', right: ['foundMobile', 'foundStationary'] },
  // The valid ballots are the votes for the candidates (and "against all").
  { id: 'votes-balance', left: ['votes', 'againstAll'], op: '=', right: ['valid'] },
];

export type RelationState = 'ok' | 'failed' | 'incomplete';

export interface RelationResult {
  id: string;
  state: RelationState;
  /** The two sums when complete. */
  left?: number;
  right?: number;
}

/**
 * Evaluates every relation against the figures entered. `againstAll` counts as a term only when
 * the election has that line; `votes` needs every candidate of the election filled in (pass the
 * election's candidate ids).
 */
export function evaluateRelations(items: Partial<Record<ProtocolItem, number>>, votes: Record<string, number>, candidates: readonly string[], againstAll: boolean): RelationResult[] {
  const value = (term: Term): number | undefined => {
    if (term === 'votes') {
      if (candidates.length === 0) return undefined;
      let sum = 0;
      for (const id of candidates) {
        const v = votes[id];
        if (v === undefined) return undefined;
        sum += v;
      }
      return sum;
    }
    if (term === 'againstAll' && !againstAll) return 0;
    return items[term];
  };
  const total = (terms: Term[]): number | undefined => {
    let sum = 0;
    for (const term of terms) {
      const v = value(term);
      if (v === undefined) return undefined;
      sum += v;
    }
    return sum;
  };
  return RELATIONS.map((r) => {
    const left = total(r.left);
    const right = total(r.right);
    if (left === undefined || right === undefined) return { id: r.id, state: 'incomplete' as const };
    const ok = r.op === '=' ? left === right : left <= right;
    return { id: r.id, state: ok ? ('ok' as const) : ('failed' as const), left, right };
  });
}

/** The ids of the relations that fail: what a sender records in `protocol.failed`. */
export function failedRelations(p: Pick<Protocol, 'items' | 'votes'>, election: Pick<Election, 'candidates' | 'againstAll'>): string[] {
  return evaluateRelations(
    p.items,
    p.votes,
    election.candidates.map((c) => c.id),
    election.againstAll,
  )
    .filter((r) => r.state === 'failed')
    .map((r) => r.id);
}

/** Ballots issued in all (early + in the station + outside), or undefined when a part is missing. */
export function ballotsIssued(items: Partial<Record<ProtocolItem, number>>): number | undefined {
  const { issuedEarly: a, issuedStation: b, issuedOutside: c } = items;
  return a === undefined || b === undefined || c === undefined ? undefined : a + b + c;
}
