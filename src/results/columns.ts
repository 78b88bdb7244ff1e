// The column mapping of an official results file: which column (or columns, summed) holds each
// role. A newsroom writes one small JSON file per election (docs/examples/*.columns.json):
//
//   { "title": "…", "station": ["tik", "uik"], "region": "region",
//     "registered": "…", "issued": ["…", "…", "…"], "valid": "…", "invalid": "…",
//     "leader": "…", "candidates": ["…", "…"] }
//
// `station` (a column or several, joined with " / ") and `region` name the station; the numeric
// roles are summed over their columns. An empty cell means "no data": the station is kept in the
// table but marked, never read as zero. A cell that is not a whole number is an error.
import { CsvError, parseCsv, type CsvLimits } from './csv.js';

export class MappingError extends Error {
  override name = 'MappingError';
}

export const NUMERIC_ROLES = ['registered', 'issued', 'valid', 'invalid', 'leader'] as const;
export type NumericRole = (typeof NUMERIC_ROLES)[number];

export interface ColumnMapping {
  title: string;
  station: string[];
  region: string[];
  registered: string[];
  issued: string[];
  valid: string[];
  invalid: string[];
  leader: string[];
  /** Every candidate's (or party's) column, for the digit tests; empty when not given. */
  candidates: string[];
}

const KEYS = new Set(['title', 'station', 'region', ...NUMERIC_ROLES, 'candidates']);

function columnList(value: unknown, role: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100 || !list.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 1000)) {
    throw new MappingError(`"${role}" must be a column name or a non-empty list of column names`);
  }
  return list as string[];
}

/** Checks a parsed mapping file; throws MappingError naming the first problem. */
export function parseMapping(json: unknown): ColumnMapping {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new MappingError('the mapping must be a JSON object');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new MappingError(`unknown key ${JSON.stringify(k.slice(0, 40))} (allowed: ${[...KEYS].join(', ')})`);
  if (o.title !== undefined && (typeof o.title !== 'string' || o.title.length > 300)) throw new MappingError('"title" must be a short text');
  const m: ColumnMapping = {
    title: typeof o.title === 'string' ? o.title : '',
    station: columnList(o.station, 'station'),
    region: columnList(o.region, 'region'),
    registered: columnList(o.registered, 'registered'),
    issued: columnList(o.issued, 'issued'),
    valid: columnList(o.valid, 'valid'),
    invalid: columnList(o.invalid, 'invalid'),
    leader: columnList(o.leader, 'leader'),
    candidates: o.candidates === undefined ? [] : columnList(o.candidates, 'candidates'),
  };
  return m;
}

/** The stations of one file, column by column. A missing figure is -1 in its array. */
export interface StationTable {
  count: number;
  station: string[];
  region: string[];
  registered: Int32Array;
  issued: Int32Array;
  valid: Int32Array;
  invalid: Int32Array;
  leader: Int32Array;
  /** One array per mapped candidate column (same order as mapping.candidates). */
  candidates: Int32Array[];
  /** Stations with at least one numeric role empty. */
  noData: number;
}

/** Largest figure accepted in one cell (far beyond any polling station). */
export const MAX_CELL = 100_000_000;

function indexes(header: string[], names: string[], role: string): number[] {
  return names.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new MappingError(`the column ${JSON.stringify(name.slice(0, 120))} of "${role}" is not in the file's header`);
    if (header.indexOf(name, at + 1) >= 0) throw new MappingError(`the column ${JSON.stringify(name.slice(0, 120))} of "${role}" appears twice in the header`);
    return at;
  });
}

/**
 * Reads the stations of a CSV text under a mapping. Throws CsvError or MappingError with the
 * line and column of the first problem.
 */
export function readStations(text: string, mapping: ColumnMapping, limits: Partial<CsvLimits> = {}): StationTable {
  let header: string[] | undefined;
  let idx: Record<NumericRole, number[]> | undefined;
  let stationIdx: number[] = [];
  let regionIdx: number[] = [];
  let candIdx: number[] = [];
  const station: string[] = [];
  const region: string[] = [];
  const cols: Record<NumericRole, number[]> = { registered: [], issued: [], valid: [], invalid: [], leader: [] };
  const cands: number[][] = mapping.candidates.map(() => []);
  let noData = 0;
  const cell = (fields: string[], at: number, line: number, header: string[]): number => {
    const s = fields[at]!;
    if (s === '') return -1;
    if (!/^[0-9]{1,9}$/.test(s) || Number(s) > MAX_CELL)
      throw new MappingError(`line ${line}: the column ${JSON.stringify(header[at]!.slice(0, 120))} holds ${JSON.stringify(s.slice(0, 20))}, not a whole number`);
    return Number(s);
  };
  parseCsv(
    text,
    (fields, line) => {
      if (!header) {
        header = fields;
        idx = {
          registered: indexes(fields, mapping.registered, 'registered'),
          issued: indexes(fields, mapping.issued, 'issued'),
          valid: indexes(fields, mapping.valid, 'valid'),
          invalid: indexes(fields, mapping.invalid, 'invalid'),
          leader: indexes(fields, mapping.leader, 'leader'),
        };
        stationIdx = indexes(fields, mapping.station, 'station');
        regionIdx = indexes(fields, mapping.region, 'region');
        candIdx = indexes(fields, mapping.candidates, 'candidates');
        return;
      }
      if (fields.length !== header.length) throw new CsvError(`${fields.length} fields where the header has ${header.length}`, line);
      station.push(stationIdx.map((i) => fields[i]!).join(' / '));
      region.push(regionIdx.map((i) => fields[i]!).join(' / '));
      let missing = false;
      for (const role of NUMERIC_ROLES) {
        let sum = 0;
        for (const at of idx![role]) {
          const v = cell(fields, at, line, header);
          if (v < 0) {
            sum = -1;
            break;
          }
          sum += v;
        }
        if (sum > MAX_CELL) throw new MappingError(`line ${line}: the columns of "${role}" add up to more than ${MAX_CELL}`);
        if (sum < 0) missing = true;
        cols[role].push(sum);
      }
      candIdx.forEach((at, k) => {
        cands[k]!.push(cell(fields, at, line, header!));
      });
      if (missing) noData++;
    },
    limits,
  );
  if (!header) throw new MappingError('the file is empty (no header row)');
  return {
    count: station.length,
    station,
    region,
    registered: Int32Array.from(cols.registered),
    issued: Int32Array.from(cols.issued),
    valid: Int32Array.from(cols.valid),
    invalid: Int32Array.from(cols.invalid),
    leader: Int32Array.from(cols.leader),
    candidates: cands.map((c) => Int32Array.from(c)),
    noData,
  };
}
