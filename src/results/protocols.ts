// Observers' protocols (`results protocols`): the `protocol` members of decrypted tips, grouped
// by election + region + station. Per report: its figures, the control relations recomputed
// with src/forms/protocol.ts (the sender's own list is never trusted; a difference is shown),
// and per station the **conflicts**: line items (or candidates' votes) on which two reports of
// the same station disagree, with every value given (as NDI's Apollo flags them). Pure.
import { PROTOCOL_ITEMS, ProtocolError, failedRelations, validateProtocol, type Election, type Protocol } from '../forms/protocol.js';

export interface ProtocolReport {
  /** The decrypted tip's folder name. */
  folder: string;
  protocol: Protocol;
  /** Relations that fail, recomputed here. */
  failed: string[];
  /** The sender's list differs from the recomputed one. */
  failedDiffers: boolean;
  /** Whether an election file gave the candidates (otherwise the report's own vote lines are used). */
  electionKnown: boolean;
}

export interface Conflict {
  /** A line item (`valid`) or a candidate's votes (`votes.<id>`). */
  item: string;
  /** Each report's value (undefined: not filled in), in report order. */
  values: (number | null)[];
}

export interface StationProtocols {
  election: string;
  region: string;
  station: string;
  reports: ProtocolReport[];
  conflicts: Conflict[];
}

export interface ProtocolsResult {
  /** Tips read that carry a protocol member. */
  protocols: number;
  /** Tips without a protocol member (ordinary tips), not counted further. */
  withoutProtocol: number;
  /** Tips whose protocol member is malformed: the folder and the reason. */
  problems: { folder: string; problem: string }[];
  stations: StationProtocols[];
}

const sameList = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, k) => x === [...b].sort()[k]);

/** The station's conflicts: every item or candidate on which the reports do not all agree. */
export function conflicts(reports: Protocol[]): Conflict[] {
  if (reports.length < 2) return [];
  const out: Conflict[] = [];
  const compare = (item: string, get: (p: Protocol) => number | undefined) => {
    const values = reports.map((p) => get(p) ?? null);
    if (values.some((v) => v !== values[0])) out.push({ item, values });
  };
  for (const item of PROTOCOL_ITEMS) compare(item, (p) => p.items[item]);
  const candidates = [...new Set(reports.flatMap((p) => Object.keys(p.votes)))].sort();
  for (const id of candidates) compare(`votes.${id}`, (p) => p.votes[id]);
  return out;
}

/**
 * Analyses the bodies of decrypted tips. `elections` gives the candidates and the "against all"
 * line by election id; without one, a report's own vote lines stand for the candidates.
 */
export function analyseProtocols(tips: { folder: string; body: Record<string, unknown> }[], elections: Election[] = []): ProtocolsResult {
  const byId = new Map(elections.map((e) => [e.id, e]));
  const groups = new Map<string, StationProtocols>();
  const result: ProtocolsResult = { protocols: 0, withoutProtocol: 0, problems: [], stations: [] };
  for (const { folder, body } of tips) {
    if (body.protocol === undefined) {
      result.withoutProtocol++;
      continue;
    }
    let p: Protocol;
    try {
      p = validateProtocol(body.protocol);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      result.problems.push({ folder, problem: err.message });
      continue;
    }
    result.protocols++;
    const election = byId.get(p.election);
    const failed = failedRelations(p, election ?? { candidates: Object.keys(p.votes).map((id) => ({ id, name: { en: id } })), againstAll: p.items.againstAll !== undefined });
    const key = JSON.stringify([p.election, p.region ?? '', p.station]);
    let g = groups.get(key);
    if (!g) {
      g = { election: p.election, region: p.region ?? '', station: p.station, reports: [], conflicts: [] };
      groups.set(key, g);
    }
    g.reports.push({ folder, protocol: p, failed, failedDiffers: !sameList(failed, p.failed), electionKnown: election !== undefined });
  }
  for (const g of groups.values()) {
    g.reports.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
    g.conflicts = conflicts(g.reports.map((r) => r.protocol));
  }
  result.stations = [...groups.values()].sort((a, b) => (a.election + '\0' + a.region + '\0' + a.station < b.election + '\0' + b.region + '\0' + b.station ? -1 : 1));
  return result;
}
