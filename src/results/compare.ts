// Comparison of official per-station results with observers' protocols (`results compare`),
// and the aggregation check. Pure.
//
// Matching: a protocol's `station` equals the official file's station (the mapping's `station`
// columns, joined with " / "); when both sides have a region, it must be equal too. Line items
// compared: registered; issued (early + in the station + outside); valid; invalid; the
// leader's votes (the protocol's candidate named by --leader, by default the candidate with the
// most votes over all protocols). A station "favours the leader" when the official figures give
// the leader more votes, or the other candidates fewer valid votes (valid − leader), than the
// observer's protocol.
//
// Aggregation check: the sum of the stations' figures (the official file's, and the observers'
// protocols') against the declared totals, with the leader's share, 100 · leader / (valid +
// invalid), both ways.
import { ballotsIssued, type Protocol } from '../forms/protocol.js';
import type { StationTable } from './columns.js';

export const COMPARED = ['registered', 'issued', 'valid', 'invalid', 'leader'] as const;
export type Compared = (typeof COMPARED)[number];

export interface LineComparison {
  item: Compared;
  observed: number | null;
  official: number | null;
  /** official − observed, when both are known. */
  difference: number | null;
}

export interface StationComparison {
  station: string;
  region: string;
  /** The decrypted tip's folder. */
  tip: string;
  lines: LineComparison[];
  favoursLeader: boolean;
}

export type Totals = Partial<Record<Compared, number>>;

export interface Aggregation {
  declared: Totals & { leaderShare?: number };
  official: Totals & { stations: number };
  protocols: Totals & { stations: number };
  /** The leader's share in percent: from the declared totals, the official stations summed, the protocols summed. */
  leaderShare: { declared: number | null; officialSum: number | null; protocolsSum: number | null };
}

export interface ComparisonResult {
  leader: string;
  matched: StationComparison[];
  /** Protocols with no official station of that number (and region). */
  unmatchedProtocols: { tip: string; station: string; region: string }[];
  officialStations: number;
  favoursLeader: number;
  aggregation: Aggregation;
}

/** The candidate with the most votes over all protocols (ties: the first id in order). */
export function defaultLeader(protocols: Protocol[]): string {
  const sums = new Map<string, number>();
  for (const p of protocols) for (const [id, v] of Object.entries(p.votes)) sums.set(id, (sums.get(id) ?? 0) + v);
  let best = '';
  let most = -1;
  for (const [id, v] of [...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (v > most) [best, most] = [id, v];
  return best;
}

export function observedFigures(p: Protocol, leader: string): Record<Compared, number | null> {
  return {
    registered: p.items.registered ?? null,
    issued: ballotsIssued(p.items) ?? null,
    valid: p.items.valid ?? null,
    invalid: p.items.invalid ?? null,
    leader: p.votes[leader] ?? null,
  };
}

const share = (t: Totals): number | null => (t.leader !== undefined && t.valid !== undefined && t.invalid !== undefined && t.valid + t.invalid > 0 ? (100 * t.leader) / (t.valid + t.invalid) : null);

export function compareResults(t: StationTable, protocols: { tip: string; protocol: Protocol }[], declared: Totals & { leaderShare?: number }, leaderOption?: string): ComparisonResult {
  const leader = leaderOption ?? defaultLeader(protocols.map((p) => p.protocol));
  const byStation = new Map<string, number[]>();
  for (let i = 0; i < t.count; i++) {
    const list = byStation.get(t.station[i]!);
    if (list) list.push(i);
    else byStation.set(t.station[i]!, [i]);
  }
  const official = (i: number): Record<Compared, number | null> => {
    const v = (a: Int32Array) => (a[i]! < 0 ? null : a[i]!);
    return { registered: v(t.registered), issued: v(t.issued), valid: v(t.valid), invalid: v(t.invalid), leader: v(t.leader) };
  };
  const matched: StationComparison[] = [];
  const unmatchedProtocols: ComparisonResult['unmatchedProtocols'] = [];
  for (const { tip, protocol: p } of protocols) {
    const region = p.region ?? '';
    const candidates = (byStation.get(p.station) ?? []).filter((i) => region === '' || t.region[i] === '' || t.region[i] === region);
    if (candidates.length !== 1) {
      unmatchedProtocols.push({ tip, station: p.station, region });
      continue;
    }
    const i = candidates[0]!;
    const obs = observedFigures(p, leader);
    const off = official(i);
    const lines = COMPARED.map((item) => ({ item, observed: obs[item], official: off[item], difference: obs[item] !== null && off[item] !== null ? off[item]! - obs[item]! : null }));
    const others = (f: Record<Compared, number | null>) => (f.valid !== null && f.leader !== null ? f.valid - f.leader : null);
    const oo = others(off);
    const ob = others(obs);
    const favoursLeader = (off.leader !== null && obs.leader !== null && off.leader > obs.leader) || (oo !== null && ob !== null && oo < ob);
    matched.push({ station: t.station[i]!, region: t.region[i]!, tip, lines, favoursLeader });
  }
  const officialSum: Totals & { stations: number } = { stations: 0 };
  for (let i = 0; i < t.count; i++) {
    const f = official(i);
    if (COMPARED.some((k) => f[k] === null)) continue;
    officialSum.stations++;
    for (const k of COMPARED) officialSum[k] = (officialSum[k] ?? 0) + f[k]!;
  }
  // The protocols summed: one report per station (the first; conflicts are for `protocols`).
  const protocolsSum: Totals & { stations: number } = { stations: 0 };
  const seen = new Set<string>();
  for (const { protocol: p } of protocols) {
    const key = JSON.stringify([p.election, p.region ?? '', p.station]);
    const f = observedFigures(p, leader);
    if (seen.has(key) || COMPARED.some((k) => f[k] === null)) continue;
    seen.add(key);
    protocolsSum.stations++;
    for (const k of COMPARED) protocolsSum[k] = (protocolsSum[k] ?? 0) + f[k]!;
  }
  return {
    leader,
    matched,
    unmatchedProtocols,
    officialStations: t.count,
    favoursLeader: matched.filter((m) => m.favoursLeader).length,
    aggregation: {
      declared,
      official: officialSum,
      protocols: protocolsSum,
      leaderShare: { declared: declared.leaderShare ?? share(declared), officialSum: share(officialSum), protocolsSum: share(protocolsSum) },
    },
  };
}

/** Checks the declared-totals file: an object of whole numbers for some of the compared items, and optionally leaderShare (percent). */
export function parseDeclared(json: unknown): Totals & { leaderShare?: number } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('must be a JSON object such as {"valid": 5800000, "invalid": 100000, "leader": 4660000}');
  const out: Totals & { leaderShare?: number } = {};
  for (const [k, v] of Object.entries(json)) {
    if (k === 'leaderShare') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 100)) throw new Error('"leaderShare" must be a percentage from 0 to 100');
      out.leaderShare = v;
    } else if ((COMPARED as readonly string[]).includes(k)) {
      if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`"${k}" must be a whole number`);
      out[k as Compared] = v as number;
    } else throw new Error(`unknown key ${JSON.stringify(k.slice(0, 40))} (allowed: ${[...COMPARED, 'leaderShare'].join(', ')})`);
  }
  return out;
}
