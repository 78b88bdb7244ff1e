// A strict CSV reader (RFC 4180) for official per-station results, which are hostile input on the
// air-gapped machine (docs/THREAT-MODEL.md T54): comma-separated, fields optionally in double
// quotes, a quote inside a quoted field doubled, rows ended by LF or CRLF. Quoted fields may hold
// commas, quotes, CR and LF. Anything else fails closed with a CsvError naming the line: a quote
// inside an unquoted field, text after a closing quote, a bare CR outside quotes, an unterminated
// quote, and any field, row or file beyond the limits (so a hostile line cannot grow memory).
// Pure: it reads a string and calls back once per row; it never throws anything but CsvError.

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

export interface CsvLimits {
  /** Longest field, in UTF-16 code units (default 65 536). */
  maxFieldChars: number;
  /** Most fields in a row (default 1 000). */
  maxFields: number;
  /** Most rows, the header included (default 1 000 000). */
  maxRows: number;
}

export const DEFAULT_LIMITS: Readonly<CsvLimits> = Object.freeze({ maxFieldChars: 65_536, maxFields: 1_000, maxRows: 1_000_000 });

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Calls `onRow(fields, line)` for each row of `text` (`line` is the 1-based line where the row
 * starts). A leading UTF-8 byte-order mark is skipped; a final line ending is optional; an empty
 * text has no rows. `onRow` may throw its own errors: they pass through unchanged.
 */
export function parseCsv(text: string, onRow: (fields: string[], line: number) => void, limits: Partial<CsvLimits> = {}): number {
  const { maxFieldChars, maxFields, maxRows } = { ...DEFAULT_LIMITS, ...limits };
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let rows = 0;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      // One field starts at i.
      if (fields.length >= maxFields) throw new CsvError(`more than ${maxFields} fields in a row`, rowLine);
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        let start = i + 1;
        let parts = '';
        let j = start;
        for (;;) {
          if (j >= n) throw new CsvError('a quoted field is not closed', rowLine);
          const c = text.charCodeAt(j);
          if (c === QUOTE) {
            if (text.charCodeAt(j + 1) === QUOTE) {
              parts += text.slice(start, j + 1);
              j += 2;
              start = j;
            } else break;
          } else {
            if (c === LF) line++;
            j++;
          }
          if (parts.length + (j - start) > maxFieldChars) throw new CsvError(`a field is longer than ${maxFieldChars} characters`, rowLine);
        }
        value = parts + text.slice(start, j);
        i = j + 1;
        const after = i < n ? text.charCodeAt(i) : LF;
        if (after !== COMMA && after !== LF && !(after === CR && text.charCodeAt(i + 1) === LF)) throw new CsvError('text after the closing quote of a field', line);
      } else {
        let j = i;
        for (;;) {
          if (j >= n) break;
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF) break;
          if (c === CR) {
            if (text.charCodeAt(j + 1) === LF) break;
            throw new CsvError('a carriage return outside quotes (not followed by a line feed)', line);
          }
          if (c === QUOTE) throw new CsvError('a quote inside an unquoted field', line);
          j++;
          if (j - i > maxFieldChars) throw new CsvError(`a field is longer than ${maxFieldChars} characters`, rowLine);
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      i += c === CR ? 2 : 1;
      line++;
      break;
    }
    if (++rows > maxRows) throw new CsvError(`more than ${maxRows} rows`, rowLine);
    onRow(fields, rowLine);
  }
  return rows;
}

/** One field written so that parseCsv reads it back unchanged. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;
}
