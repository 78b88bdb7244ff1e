// The file-name rule (src/offline/attachments.ts) that both saved names and every label an
// offline page shows go through (docs/THREAT-MODEL.md, T32, T41): each class of invisible or
// reordering character, Windows device names, and fast-check properties over random strings
// built from those classes and arbitrary code points.
import t from 'tap';
import fc from 'fast-check';
import { fileLabel, sanitiseFileName } from '../../src/offline/files.js';
import { parseBundleLine } from '../../src/crypto/bundle.js';

/** Every code point a name must never contain, checked one by one (independent of the implementation's regex). */
function forbidden(cp: number): boolean {
  const ch = String.fromCodePoint(cp);
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u.test(ch)) return true;
  if (/\p{Zs}/u.test(ch) && cp !== 0x20) return true;
  if ([0x115f, 0x1160, 0x3164, 0xffa0, 0x2800, 0x034f, 0x00ad, 0x180e, 0x061c].includes(cp)) return true;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x180b && cp <= 0x180f)) return true; // variation selectors
  if (cp >= 0xe0000 && cp <= 0xe007f) return true; // tags
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f) return true; // bidi
  return /[/\\:*?"<>|]/.test(ch);
}

function badCodePoints(name: string): string[] {
  const bad: string[] = [];
  for (let i = 0; i < name.length; ) {
    const cp = name.codePointAt(i)!;
    // A lone surrogate is seen here as its own code unit.
    if (forbidden(cp)) bad.push(`U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
    i += cp > 0xffff ? 2 : 1;
  }
  return bad;
}

const DEVICES = ['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$', ...[...'0123456789\u00b9\u00b2\u00b3'].flatMap((d) => [`COM${d}`, `LPT${d}`])];
/** Windows opens a device for these: the part before the first dot, trailing spaces and dots ignored. */
const isDeviceName = (name: string): boolean =>
  DEVICES.includes(
    name
      .split('.')[0]!
      .replace(/[ .]+$/, '')
      .toUpperCase(),
  );

t.test('each class of invisible or reordering character is removed', async (t) => {
  const classes: [string, string][] = [
    ['right-to-left override (disguises .txt as .jpg)', 'invoice\u202Egpj.txt'],
    ['other bidi controls', 'a\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u200E\u200F\u061Cb.txt'],
    ['zero-width and joiners', 'a\u200B\u200C\u200D\u2060\uFEFFb.txt'],
    ['soft hyphen', 'a\u00ADb.txt'],
    ['Mongolian vowel separator and free variation selectors', 'a\u180E\u180B\u180Fb.txt'],
    ['Braille blank', 'a\u2800b.txt'],
    ['Hangul fillers', 'a\u115F\u1160\u3164\uFFA0b.txt'],
    ['variation selectors', 'a\uFE0F\u{E0100}b.txt'],
    ['combining grapheme joiner', 'a\u034Fb.txt'],
    ['tag characters', 'a\u{E0001}\u{E0041}\u{E007F}b.txt'],
    ['line and paragraph separators', 'a\u2028\u2029b.txt'],
    ['private use', 'a\uE000\u{F0000}b.txt'],
    ['controls', 'a\u0000\u0007\u001B\u007F\u0085b.txt'],
    ['lone surrogate', 'a\uD800b.txt'],
  ];
  for (const [what, name] of classes) {
    t.equal(sanitiseFileName(name), what.startsWith('right') ? 'invoicegpj.txt' : 'ab.txt', what);
    t.equal(fileLabel(name), sanitiseFileName(name), `${what}: labels follow the same rule`);
  }
  t.equal(sanitiseFileName('a\u00A0b\u3000c\u2003d.txt'), 'a b c d.txt', 'other spaces become plain spaces');
  t.equal(sanitiseFileName('\u3164\u2800\u00AD'), 'attachment', 'a name of invisibles only is never empty');
});

t.test('Windows device names are renamed', async (t) => {
  const cases: [string, string][] = [
    ['CON', 'CON_'],
    ['nul.txt', 'nul_.txt'],
    ['COM1.jpg', 'COM1_.jpg'],
    ['LPT9', 'LPT9_'],
    ['aux.', 'aux_'],
    ['prn . .', 'prn_'],
    ['Con .txt', 'Con_.txt'],
    ['com\u00B9.png', 'com\u00B9_.png'],
    ['CONOUT$.log', 'CONOUT$_.log'],
    ['nul.tar.gz', 'nul_.tar.gz'],
    ['console.txt', 'console.txt'],
    ['COM10.txt', 'COM10.txt'],
    ['\u200BCON', 'CON_'],
  ];
  for (const [name, expected] of cases) t.equal(sanitiseFileName(name), expected, JSON.stringify(name));
});

t.test('properties: never a forbidden character or a device name, idempotent, never empty, bounded', async (t) => {
  const specials = [
    '\u202E',
    '\u202D',
    '\u2066',
    '\u200B',
    '\u200D',
    '\uFEFF',
    '\u00AD',
    '\u180E',
    '\u2800',
    '\u3164',
    '\u115F',
    '\u1160',
    '\uFFA0',
    '\uFE0F',
    '\u{E0100}',
    '\u034F',
    '\u{E0041}',
    '\u{E007F}',
    '\u2028',
    '\u2029',
    '\u00A0',
    '\u3000',
    '\uE000',
    '\u0000',
    '\u001B',
    '\uD800',
    '\uDC00',
    '\u0301',
    '.',
    '..',
    ' ',
    '_',
    '/',
    '\\',
    ':',
    'CON',
    'nul',
    'COM1',
    'LPT9',
    'com\u00B9',
    '.txt',
    '.INCOMPLETE',
    'é',
    'e',
  ];
  const piece = fc.oneof(fc.constantFrom(...specials), fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ maxLength: 6 }));
  const names = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
    fc.string({ unit: 'binary', maxLength: 300 }),
  );
  let checked = 0;
  fc.assert(
    fc.property(names, (name) => {
      const out = sanitiseFileName(name);
      checked++;
      return (
        out.length > 0 &&
        badCodePoints(out).length === 0 &&
        !isDeviceName(out) &&
        sanitiseFileName(out) === out &&
        Buffer.byteLength(out) <= 180 &&
        !out.startsWith('.') &&
        !out.endsWith('.INCOMPLETE') &&
        fileLabel(name) === out
      );
    }),
    { numRuns: 20_000 },
  );
  t.equal(checked, 20_000, 'every case checked');
});

t.test('a bundle line naming an unknown type: the message escapes bidi and invisible characters', async (t) => {
  const parsed = parseBundleLine(new TextEncoder().encode('{"type":"x\u202Egpj.txt\u200B\u3164"}'));
  t.equal(parsed.ok, false);
  const message = parsed.ok ? '' : parsed.message;
  t.equal(message, 'unknown record type "x\\u202egpj.txt\\u200b\\u3164"');
  t.equal(badCodePoints(message).filter((c) => c !== 'U+0022' && c !== 'U+005C').length, 0, 'only printable ASCII reaches the terminal');
});
