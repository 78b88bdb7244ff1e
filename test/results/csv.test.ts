// The CSV reader is attack surface on the air-gapped machine (docs/THREAT-MODEL.md T54–T55).
// Property tests: quoted fields with commas, quotes, CR and LF round-trip; arbitrary text never
// makes it throw anything but CsvError; a hostile endless line stops at the field limit.
import t from 'tap';
import fc from 'fast-check';
import { CsvError, csvField, parseCsv } from '../../src/results/csv.js';

const rowsOf = (text: string, limits = {}) => {
  const rows: string[][] = [];
  parseCsv(text, (f) => rows.push(f), limits);
  return rows;
};

t.test('round trip of fields with commas, quotes, CR and LF', async (t) => {
  const field = fc.string({ unit: fc.constantFrom('a', 'я', ',', '"', '\r', '\n', ' ', '1'), maxLength: 12 });
  fc.assert(
    fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (rows, crlf) => {
      const eol = crlf ? '\r\n' : '\n';
      const text = rows.map((r) => r.map(csvField).join(',')).join(eol) + eol;
      return JSON.stringify(rowsOf(text)) === JSON.stringify(rows);
    }),
    { numRuns: 500 },
  );
  t.pass('500 random tables read back unchanged');
});

t.test('never throws anything but CsvError', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', '\uFEFF', 'ж'), maxLength: 60 }), (text) => {
      try {
        rowsOf(text, { maxFieldChars: 10, maxFields: 5, maxRows: 5 });
      } catch (err) {
        if (!(err instanceof CsvError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass('no other error');
});

t.test('strict: each malformed shape is refused with its line', async (t) => {
  t.throws(() => rowsOf('a,b\nc"d,e\n'), /line 2: a quote inside an unquoted field/);
  t.throws(() => rowsOf('a,"b"x\n'), /line 1: text after the closing quote/);
  t.throws(() => rowsOf('a,"b\n\nc'), /line 1: a quoted field is not closed/);
  t.throws(() => rowsOf('a\rb\n'), /carriage return outside quotes/);
  t.strictSame(rowsOf('\uFEFFa,"b,""c""\r\nd"\r\ne,\n'), [
    ['a', 'b,"c"\r\nd'],
    ['e', ''],
  ]);
});

t.test('bounded memory on a hostile line: the limits stop it, whatever its length', async (t) => {
  const long = 'x'.repeat(5_000_000);
  t.throws(() => rowsOf(long), new CsvError('a field is longer than 65536 characters', 1));
  t.throws(() => rowsOf(`"${long}`), new CsvError('a field is longer than 65536 characters', 1));
  t.throws(() => rowsOf(','.repeat(5000)), /more than 1000 fields/);
  t.throws(() => rowsOf('a\n'.repeat(20), { maxRows: 10 }), /more than 10 rows/);
});
