// The I/O of `results`: read an official results file (CSV, optionally gzipped) and its column
// mapping with hard size limits, run the methods, write results.json, results.csv and
// results.html into a NEW folder (created here, exclusive; files O_EXCL|O_NOFOLLOW through
// src/offline's writeNewFile). Everything else in src/results is pure.
import { mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BoundedReadError, readBoundedFile, writeNewFile } from '../offline/files.js';
import { csvCell } from '../offline/report.js';
import { MappingError, parseMapping, readStations, type ColumnMapping, type StationTable } from './columns.js';
import { CsvError } from './csv.js';
import { digitTests } from './digits.js';
import { distributions } from './distributions.js';
import { fingerprint, fingerprintStations } from './fingerprint.js';
import { renderQuickcountHtml, renderCompareHtml, renderProtocolsHtml, renderResultsHtml, type Forensics } from './html.js';
import { PROTOCOL_ITEMS, ProtocolError, validateElection, type Election } from '../forms/protocol.js';
import { analyseProtocols, type ProtocolsResult } from './protocols.js';
import { quickCount, type QuickCount } from './quickcount.js';
import { COMPARED, compareResults, parseDeclared, type ComparisonResult } from './compare.js';
import { DEFAULT_REPS, DEFAULT_SEED, included, integerPercentages, isInteger } from './integer.js';

export class ResultsError extends Error {
  override name = 'ResultsError';
}

/** Largest results file read (compressed or not) and largest text after gunzip. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_TEXT_BYTES = 512 * 1024 * 1024;
export const MAX_MAPPING_BYTES = 1024 * 1024;

/** Reads a regular file (no symlink followed at the last step) of at most `max` bytes. */
export function readBounded(path: string, max: number): Buffer {
  try {
    return readBoundedFile(path, max);
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    if (err.reason === 'open') throw new ResultsError(`cannot read ${path} (${err.code ?? 'error'})`);
    throw new ResultsError(err.reason === 'not-file' ? `${path} is not a regular file` : `${path} is larger than ${max} bytes`);
  }
}

/** The text of a results file: gunzipped when it starts with the gzip magic, strict UTF-8. */
export function readResultsText(path: string): string {
  let bytes = readBounded(path, MAX_FILE_BYTES);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_TEXT_BYTES });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ResultsError(code === 'ERR_BUFFER_TOO_LARGE' ? `${path} unpacks to more than ${MAX_TEXT_BYTES} bytes` : `${path} is not a readable gzip file`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ResultsError(`${path} is not UTF-8 text`);
  }
}

/** A small JSON file (a mapping, an election, declared totals): its parsed value, or one ResultsError line. */
function readSmallJson(path: string): unknown {
  try {
    return JSON.parse(readBounded(path, MAX_MAPPING_BYTES).toString('utf8'));
  } catch (err) {
    if (err instanceof ResultsError) throw err;
    throw new ResultsError(`${path} is not valid JSON`);
  }
}

export function readMapping(path: string): ColumnMapping {
  const json = readSmallJson(path);
  try {
    return parseMapping(json);
  } catch (err) {
    if (err instanceof MappingError) throw new ResultsError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Reads a results file under a mapping; problems in the file become one-line ResultsErrors. */
export function loadStations(inPath: string, mapping: ColumnMapping): StationTable {
  const text = readResultsText(inPath);
  try {
    return readStations(text, mapping);
  } catch (err) {
    if (err instanceof CsvError || err instanceof MappingError) throw new ResultsError(`${inPath}: ${err.message}`);
    throw err;
  }
}

/** Creates the output folder, which must not exist yet (its parent must). Returns its real path. */
export function createNewFolder(outDir: string): string {
  const abs = resolve(outDir);
  try {
    mkdirSync(abs, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ResultsError(`${outDir} already exists; give a new folder for the results`);
    throw new ResultsError(`cannot create ${outDir} (${code ?? 'error'})`);
  }
  return realpathSync(abs);
}

export function runForensics(t: StationTable, mapping: ColumnMapping, options: { input: string; seed?: number; reps?: number }): Forensics {
  const integer = integerPercentages(t, { seed: options.seed ?? DEFAULT_SEED, reps: options.reps ?? DEFAULT_REPS });
  const fp = fingerprint(fingerprintStations(t), { seed: options.seed ?? DEFAULT_SEED });
  const columns = mapping.candidates.length ? mapping.candidates.map((name, k) => ({ name, counts: t.candidates[k]! })) : [{ name: mapping.leader.join(' + '), counts: t.leader }];
  return {
    title: mapping.title,
    input: options.input,
    stations: t.count,
    noData: t.noData,
    integerPercentages: integer,
    distributions: distributions(t),
    fingerprint: fp,
    digits: columns.map((c) => digitTests(c.name, c.counts)),
  };
}

export function stationsCsv(t: StationTable): string {
  const lines = ['station,region,registered,issued,valid,invalid,leader,turnout,share,included,integer_turnout,integer_share'];
  const num = (x: number) => (x < 0 ? '' : String(x));
  for (let i = 0; i < t.count; i++) {
    const reg = t.registered[i]!;
    const rec = t.valid[i]! + t.invalid[i]!;
    const ok = included(t, i);
    const complete = reg >= 0 && t.issued[i]! >= 0 && t.valid[i]! >= 0 && t.invalid[i]! >= 0 && t.leader[i]! >= 0;
    const turnout = complete && reg > 0 ? ((100 * t.issued[i]!) / reg).toFixed(3) : '';
    const share = complete && rec > 0 ? ((100 * t.leader[i]!) / rec).toFixed(3) : '';
    lines.push(
      [
        csvCell(t.station[i]!),
        csvCell(t.region[i]!),
        num(reg),
        num(t.issued[i]!),
        num(t.valid[i]!),
        num(t.invalid[i]!),
        num(t.leader[i]!),
        turnout,
        share,
        complete ? (ok ? 'yes' : 'no') : 'no data',
        ok ? (isInteger(t.issued[i]!, reg) ? 'yes' : 'no') : '',
        ok ? (isInteger(t.leader[i]!, rec) ? 'yes' : 'no') : '',
      ].join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface ForensicsCommand {
  inPath: string;
  columnsPath: string;
  outDir: string;
  seed?: number;
  reps?: number;
}

/** `results forensics`: reads, computes, writes the three files; returns their paths and the numbers. */
export function forensicsCommand(o: ForensicsCommand): { files: string[]; forensics: Forensics } {
  const mapping = readMapping(o.columnsPath);
  const t = loadStations(o.inPath, mapping);
  const forensics = runForensics(t, mapping, { input: o.inPath.split('/').pop() ?? o.inPath, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.reps !== undefined ? { reps: o.reps } : {}) });
  const out = createNewFolder(o.outDir);
  const json = {
    tool: 'tipline results forensics',
    title: forensics.title,
    input: forensics.input,
    stations: forensics.stations,
    noData: forensics.noData,
    integerPercentages: forensics.integerPercentages,
    distributions: forensics.distributions,
    fingerprint: forensics.fingerprint,
    digits: forensics.digits,
  };
  const files = [join(out, 'results.json'), join(out, 'results.csv'), join(out, 'results.html')];
  writeNewFile(files[0]!, `${JSON.stringify(json, null, 1)}\n`);
  writeNewFile(files[1]!, stationsCsv(t));
  writeNewFile(files[2]!, renderResultsHtml(forensics));
  return { files, forensics };
}

/** Largest tip.json read (as decrypt bounds it). */
export const MAX_TIP_JSON_BYTES = 16 * 1024 * 1024;

/** The bodies of a decrypted tips folder: each direct subfolder's tip.json (no symlink followed). */
export function readDecryptedTips(inDir: string): { folder: string; body: Record<string, unknown> }[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(inDir, { withFileTypes: true });
  } catch (err) {
    throw new ResultsError(`cannot read the folder ${inDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const tips: { folder: string; body: Record<string, unknown> }[] = [];
  for (const d of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(inDir, d.name, 'tip.json');
    let text: string;
    try {
      text = readBounded(path, MAX_TIP_JSON_BYTES).toString('utf8');
    } catch {
      continue; // not a tip folder (files/, an incomplete folder): decrypt writes tip.json last
    }
    let tip: unknown;
    try {
      tip = JSON.parse(text);
    } catch {
      throw new ResultsError(`${path} is not valid JSON`);
    }
    const body = typeof tip === 'object' && tip !== null ? (tip as { body?: unknown }).body : undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ResultsError(`${path} has no tip body`);
    tips.push({ folder: d.name, body: body as Record<string, unknown> });
  }
  if (tips.length === 0) throw new ResultsError(`${inDir} holds no decrypted tips (folders with a tip.json, as decrypt writes them)`);
  return tips;
}

export function readElection(path: string): Election {
  const json = readSmallJson(path);
  try {
    return validateElection(json, path);
  } catch (err) {
    if (err instanceof ProtocolError) throw new ResultsError(err.message.split('\n').join('; '));
    throw err;
  }
}

export function protocolsCsv(r: ProtocolsResult): string {
  const lines = [['election', 'region', 'station', 'tip', ...PROTOCOL_ITEMS, 'votes', 'failed', 'sender_failed', 'failed_differs', 'conflicts'].join(',')];
  for (const s of r.stations) {
    const conflict = s.conflicts.map((c) => c.item).join('; ');
    for (const rep of s.reports) {
      const p = rep.protocol;
      lines.push(
        [
          csvCell(s.election),
          csvCell(s.region),
          csvCell(s.station),
          csvCell(rep.folder),
          ...PROTOCOL_ITEMS.map((k) => (p.items[k] === undefined ? '' : String(p.items[k]))),
          csvCell(
            Object.entries(p.votes)
              .map(([id, v]) => `${id} ${v}`)
              .join('; '),
          ),
          csvCell(rep.failed.join('; ')),
          csvCell(p.failed.join('; ')),
          rep.failedDiffers ? 'yes' : 'no',
          csvCell(conflict),
        ].join(','),
      );
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** `results protocols`: reads the decrypted tips, writes results.json/csv/html into a new folder. */
export function protocolsCommand(o: { inDir: string; outDir: string; electionPath?: string }): { files: string[]; result: ProtocolsResult } {
  const elections = o.electionPath ? [readElection(o.electionPath)] : [];
  const result = analyseProtocols(readDecryptedTips(o.inDir), elections);
  const out = createNewFolder(o.outDir);
  const files = [join(out, 'results.json'), join(out, 'results.csv'), join(out, 'results.html')];
  writeNewFile(files[0]!, `${JSON.stringify({ tool: 'tipline results protocols', ...result }, null, 1)}\n`);
  writeNewFile(files[1]!, protocolsCsv(result));
  writeNewFile(files[2]!, renderProtocolsHtml(result));
  return { files, result };
}

export function comparisonCsv(r: ComparisonResult): string {
  const lines = [['station', 'region', 'tip', ...COMPARED.flatMap((k) => [`${k}_observed`, `${k}_official`, `${k}_difference`]), 'favours_leader'].join(',')];
  const n = (v: number | null) => (v === null ? '' : String(v));
  for (const m of r.matched)
    lines.push([csvCell(m.station), csvCell(m.region), csvCell(m.tip), ...m.lines.flatMap((l) => [n(l.observed), n(l.official), n(l.difference)]), m.favoursLeader ? 'yes' : 'no'].join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** `results compare`: official figures against the observers' protocols, and the aggregation check. */
export function compareCommand(o: { officialPath: string; columnsPath: string; protocolsDir: string; outDir: string; declaredPath?: string; leader?: string }): {
  files: string[];
  result: ComparisonResult;
  problems: number;
} {
  const mapping = readMapping(o.columnsPath);
  const t = loadStations(o.officialPath, mapping);
  let declared: ReturnType<typeof parseDeclared> = {};
  if (o.declaredPath) {
    const json = readSmallJson(o.declaredPath);
    try {
      declared = parseDeclared(json);
    } catch (err) {
      throw new ResultsError(`${o.declaredPath}: ${(err as Error).message}`);
    }
  }
  const analysed = analyseProtocols(readDecryptedTips(o.protocolsDir));
  const protocols = analysed.stations.flatMap((s) => s.reports.map((r) => ({ tip: r.folder, protocol: r.protocol })));
  if (protocols.length === 0) throw new ResultsError(`${o.protocolsDir} holds no tips with a results protocol`);
  const result = compareResults(t, protocols, declared, o.leader);
  const out = createNewFolder(o.outDir);
  const files = [join(out, 'results.json'), join(out, 'results.csv'), join(out, 'results.html')];
  writeNewFile(files[0]!, `${JSON.stringify({ tool: 'tipline results compare', title: mapping.title, problems: analysed.problems, ...result }, null, 1)}\n`);
  writeNewFile(files[1]!, comparisonCsv(result));
  writeNewFile(files[2]!, renderCompareHtml(mapping.title, result));
  return { files, result, problems: analysed.problems.length };
}

/** `results quickcount`: the leader's share and its margins from a sample of stations. */
export function quickcountCommand(o: { inPath: string; columnsPath: string; outDir: string; population?: number; margin?: number }): { files: string[]; result: QuickCount } {
  const mapping = readMapping(o.columnsPath);
  const t = loadStations(o.inPath, mapping);
  const counted = new Int32Array(t.count);
  for (let i = 0; i < t.count; i++) counted[i] = t.valid[i]! < 0 || t.invalid[i]! < 0 ? -1 : t.valid[i]! + t.invalid[i]!;
  const result = quickCount(t.leader, counted, { ...(o.population !== undefined ? { population: o.population } : {}), ...(o.margin !== undefined ? { margin: o.margin } : {}) });
  if (result.n < 2) throw new ResultsError(`${o.inPath}: at least two stations with every figure are needed (found ${result.n})`);
  if (o.population !== undefined && o.population < result.n) throw new ResultsError(`--population ${o.population} is smaller than the sample (${result.n} stations)`);
  const out = createNewFolder(o.outDir);
  const files = [join(out, 'results.json'), join(out, 'results.csv'), join(out, 'results.html')];
  writeNewFile(files[0]!, `${JSON.stringify({ tool: 'tipline results quickcount', title: mapping.title, ...result }, null, 1)}\n`);
  writeNewFile(files[1]!, stationsCsv(t));
  writeNewFile(files[2]!, renderQuickcountHtml(mapping.title, result));
  return { files, result };
}
