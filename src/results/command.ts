// The I/O of `results`: read an official results file (CSV, optionally gzipped) and its column
// mapping with hard size limits, run the methods, write results.json, results.csv and
// results.html into a NEW folder (created here, exclusive; files O_EXCL|O_NOFOLLOW through
// src/offline's writeNewFile). Everything else in src/results is pure.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeNewFile } from '../offline/files.js';
import { csvCell } from '../offline/report.js';
import { MappingError, parseMapping, readStations, type ColumnMapping, type StationTable } from './columns.js';
import { CsvError } from './csv.js';
import { digitTests } from './digits.js';
import { distributions } from './distributions.js';
import { fingerprint, fingerprintStations } from './fingerprint.js';
import { renderResultsHtml, type Forensics } from './html.js';
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
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new ResultsError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ResultsError(`${path} is not a regular file`);
    if (st.size > max) throw new ResultsError(`${path} is larger than ${max} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
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

export function readMapping(path: string): ColumnMapping {
  let json: unknown;
  try {
    json = JSON.parse(readBounded(path, MAX_MAPPING_BYTES).toString('utf8'));
  } catch (err) {
    if (err instanceof ResultsError) throw err;
    throw new ResultsError(`${path} is not valid JSON`);
  }
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
