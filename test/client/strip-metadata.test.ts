// Metadata stripping (src/client/strip-metadata.ts) on JPEG and PNG bytes built here: a JPEG
// with an Exif APP1 holding a GPS IFD and a camera serial, XMP, IPTC, a comment, a vendor
// APPn and a trailer after EOI; a real, decodable PNG with text, eXIf and tIME chunks. Property
// tests: it never throws on arbitrary or mutated bytes, and whatever it returns keeps every
// image segment of the input byte for byte.
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import t from 'tap';
import { parseJpeg, parsePng, stripMetadata, TRAILING_DATA, type Piece } from '../../src/client/strip-metadata.js';
import { exifTiff, SERIAL } from '../helpers/jpeg.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

function segment(marker: number, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  return cat(new Uint8Array([0xff, marker, length >> 8, length & 0xff]), payload);
}

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>37,57.0N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>';

// The kept segments of a small baseline JPEG (structure per T.81; the scan holds a stuffed
// 0xFF00 and a restart marker, which must not end it).
const JFIF = segment(0xe0, cat(ascii('JFIF\0'), new Uint8Array([1, 1, 0, 0, 1, 0, 1, 0, 0])));
const ICC = segment(0xe2, cat(ascii('ICC_PROFILE\0'), new Uint8Array([1, 1, 9, 9, 9])));
const DQT = segment(0xdb, new Uint8Array(65).fill(1));
const SOF0 = segment(0xc0, new Uint8Array([8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
const DHT = segment(0xc4, cat(new Uint8Array([0x00, 0, 1, ...new Array(14).fill(0)]), new Uint8Array([0])));
const SOS = cat(segment(0xda, new Uint8Array([1, 1, 0, 0, 63, 0])), new Uint8Array([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0x78]));
const ADOBE = segment(0xee, cat(ascii('Adobe'), new Uint8Array([0, 100, 0, 0, 0, 0, 1])));
const SOI = new Uint8Array([0xff, 0xd8]);
const EOI = new Uint8Array([0xff, 0xd9]);

const EXIF = segment(0xe1, cat(ascii('Exif\0\0'), exifTiff()));
const XMP_SEGMENT = segment(0xe1, cat(ascii('http://ns.adobe.com/xap/1.0/\0'), ascii(XMP)));
const IPTC = segment(0xed, cat(ascii('Photoshop 3.0\0'), ascii('8BIM\x04\x04\0\0\0\0\0\x0cBy-line: me')));
const COMMENT = segment(0xfe, ascii('taken by Aman at polling station 12'));
const VENDOR = segment(0xe9, ascii('vendor serial 998877'));

t.test('a JPEG with Exif (GPS, serial), XMP, IPTC, a comment, vendor data and a trailer', async (t) => {
  const input = cat(SOI, JFIF, EXIF, XMP_SEGMENT, ICC, IPTC, COMMENT, VENDOR, ADOBE, DQT, SOF0, DHT, SOS, EOI, ascii('appended video with GPS'));
  const result = stripMetadata(input);
  t.equal(result.format, 'jpeg');
  t.equal(result.status, 'stripped');
  t.same(result.removed, ['EXIF (incl. GPS, serial number)', 'XMP', 'IPTC/Photoshop', 'comment', 'APP9 (other metadata)', TRAILING_DATA]);
  t.same(Buffer.from(result.bytes), Buffer.from(cat(SOI, JFIF, ICC, ADOBE, DQT, SOF0, DHT, SOS, EOI)), 'exactly the image segments remain, in order');
  const text = Buffer.from(result.bytes).toString('latin1');
  for (const secret of [SERIAL, 'GPS', 'Exif', 'xmpmeta', 'Aman', '998877', 'By-line', 'video']) t.notOk(text.includes(secret), `no "${secret}" left`);
  t.equal(stripMetadata(result.bytes).status, 'clean', 'stripping again finds nothing');
  t.equal(stripMetadata(result.bytes).bytes, result.bytes, 'a clean file is returned as it is');
});

t.test('an Exif block without GPS or serial, and extended XMP', async (t) => {
  const plainExif = segment(0xe1, cat(ascii('Exif\0\0'), ascii('II*\0\x08\0\0\0\0\0\0\0\0\0')));
  const extended = segment(0xe1, cat(ascii('http://ns.adobe.com/xmp/extension/\0'), ascii('0123')));
  const brokenExif = segment(0xe1, cat(ascii('Exif\0\0'), ascii('garbage')));
  const result = stripMetadata(cat(SOI, plainExif, extended, brokenExif, DQT, SOF0, DHT, SOS, EOI));
  t.same(result.removed, ['EXIF', 'XMP'], 'an unreadable Exif block is removed all the same');
  t.same(Buffer.from(result.bytes), Buffer.from(cat(SOI, DQT, SOF0, DHT, SOS, EOI)));
});

t.test('fill bytes, restart markers and progressive scans are kept byte for byte', async (t) => {
  const fill = new Uint8Array([0xff, 0xff]);
  const SOF2 = segment(0xc2, new Uint8Array([8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
  const input = cat(SOI, EXIF, fill, DQT, SOF2, DHT, SOS, fill, DHT, SOS, new Uint8Array([0xff, 0xd1]), EOI);
  const result = stripMetadata(input);
  t.equal(result.status, 'stripped');
  t.same(Buffer.from(result.bytes), Buffer.from(cat(SOI, fill, DQT, SOF2, DHT, SOS, fill, DHT, SOS, new Uint8Array([0xff, 0xd1]), EOI)));
});

t.test('malformed JPEGs are left untouched, with a reason', async (t) => {
  const whole = cat(SOI, EXIF, DQT, SOF0, DHT, SOS, EOI);
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated in the scan', whole.subarray(0, whole.length - 2), /truncated/],
    ['truncated in a segment', whole.subarray(0, 40), /truncated/],
    ['a zero segment length', cat(SOI, new Uint8Array([0xff, 0xe1, 0, 0]), EOI), /impossible length/],
    ['junk between segments', cat(SOI, EXIF, new Uint8Array([0x00]), DQT, EOI), /expected a marker/],
    ['a second SOI', cat(SOI, SOI, EOI), /unexpected marker/],
    ['SOI only then nothing', new Uint8Array([0xff, 0xd8, 0xff]), /truncated/],
  ];
  for (const [name, bytes, reason] of cases) {
    const result = stripMetadata(bytes);
    t.equal(result.status, 'malformed', name);
    t.match(result.reason, reason, name);
    t.equal(result.bytes, bytes, `${name}: the input is returned untouched`);
    t.same(result.removed, [], name);
  }
});

// --- PNG ---------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(cat(head.subarray(4), data)), 0);
  return cat(head, data, crc);
}
const PNG_SIG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// A real 2×2 RGB image: IHDR, one IDAT of zlib-compressed scanlines, IEND.
const IHDR = chunk('IHDR', new Uint8Array([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]));
const PIXELS = new Uint8Array([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
const IDAT = chunk('IDAT', deflateSync(PIXELS));
const IEND = chunk('IEND', new Uint8Array(0));
const PHYS = chunk('pHYs', new Uint8Array([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1]));

t.test('a real PNG with text, XMP, eXIf, tIME and C2PA chunks', async (t) => {
  const input = cat(
    PNG_SIG,
    IHDR,
    chunk('tEXt', ascii('Author\0Aman B.')),
    chunk('iTXt', cat(ascii('XML:com.adobe.xmp\0\0\0\0\0'), ascii(XMP))),
    chunk('eXIf', exifTiff()),
    PHYS,
    chunk('tIME', new Uint8Array([0x07, 0xea, 11, 28, 15, 46, 0])),
    chunk('zTXt', cat(ascii('Comment\0\0'), deflateSync(ascii('secret place')))),
    chunk('caBX', ascii('c2pa manifest: Aman')),
    IDAT,
    IEND,
    ascii('trailer'),
  );
  const result = stripMetadata(input);
  t.equal(result.format, 'png');
  t.equal(result.status, 'stripped');
  t.same(result.removed, ['text', 'XMP', 'EXIF (incl. GPS, serial number)', 'modification time', 'C2PA content credentials', TRAILING_DATA]);
  t.same(Buffer.from(result.bytes), Buffer.from(cat(PNG_SIG, IHDR, PHYS, IDAT, IEND)));
  // Still a PNG whose pixels are the same: the IDAT is untouched.
  const pieces = parsePng(result.bytes);
  const idat = pieces.find((p) => p.id === 'IDAT')!;
  t.same(inflateSync(result.bytes.subarray(idat.start + 8, idat.end - 4)), Buffer.from(PIXELS));
  const text = Buffer.from(result.bytes).toString('latin1');
  for (const secret of ['Aman', SERIAL, 'xmpmeta', 'secret']) t.notOk(text.includes(secret), `no "${secret}" left`);
  t.equal(stripMetadata(cat(PNG_SIG, IHDR, IDAT, IEND)).status, 'clean');
});

t.test('malformed PNGs are left untouched, with a reason', async (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['no IEND', cat(PNG_SIG, IHDR, IDAT), /truncated/],
    ['a chunk past the end', cat(PNG_SIG, IHDR, IDAT.subarray(0, 10)), /truncated/],
    ['IDAT before IHDR', cat(PNG_SIG, IDAT, IHDR, IEND), /first PNG chunk must be IHDR/],
    ['a bad chunk type', cat(PNG_SIG, IHDR, chunk('t3Xt', ascii('x')), IEND), /invalid type/],
    ['an impossible length', cat(PNG_SIG, IHDR, new Uint8Array([0x80, 0, 0, 0]), ascii('tEXt'), new Uint8Array(4), IEND), /impossible length/],
  ];
  for (const [name, bytes, reason] of cases) {
    const result = stripMetadata(bytes);
    t.equal(result.status, 'malformed', name);
    t.match(result.reason, reason, name);
    t.equal(result.bytes, bytes, `${name}: untouched`);
  }
});

t.test('other types are left untouched and flagged', async (t) => {
  for (const bytes of [ascii('%PDF-1.7 /Author (Aman)'), new Uint8Array(0), new Uint8Array([0xff, 0xd8]), ascii('\0\0\0 ftypheic')]) {
    const result = stripMetadata(bytes);
    t.equal(result.status, 'unsupported');
    t.equal(result.format, 'other');
    t.equal(result.bytes, bytes);
  }
});

// --- properties ------------------------------------------------------------------------

/** The kept pieces' bytes, in order, as hex: the "image segments" of a file. */
function keptBytes(bytes: Uint8Array, pieces: Piece[]): string {
  return pieces
    .filter((p) => !p.removed)
    .map((p) => Buffer.from(bytes.subarray(p.start, p.end)).toString('hex'))
    .join('');
}

function checkResult(input: Uint8Array): void {
  const result = stripMetadata(input);
  if (result.status === 'unsupported' || result.status === 'malformed') {
    if (result.bytes !== input) throw new Error('an untouched file must be returned as it is');
    return;
  }
  const parse = result.format === 'jpeg' ? parseJpeg : parsePng;
  const before = keptBytes(input, parse(input));
  const afterPieces = parse(result.bytes);
  if (afterPieces.some((p) => p.removed)) throw new Error('metadata left after stripping');
  const after = keptBytes(result.bytes, afterPieces);
  if (before !== after) throw new Error('the image segments changed');
}

const jpegSegments = fc.array(
  fc.oneof(
    fc.constantFrom(JFIF, ICC, ADOBE, EXIF, XMP_SEGMENT, IPTC, COMMENT, VENDOR, DQT, SOF0, DHT, SOS, new Uint8Array([0xff, 0xd3])),
    fc
      .tuple(fc.integer({ min: 0xc0, max: 0xfe }), fc.uint8Array({ maxLength: 40 }))
      .filter(([m]) => m !== 0xd8 && m !== 0xd9 && m !== 0xda && !(m >= 0xd0 && m <= 0xd7))
      .map(([m, payload]) => segment(m, payload)),
  ),
  { maxLength: 12 },
);
const jpegFiles = fc.tuple(jpegSegments, fc.uint8Array({ maxLength: 16 })).map(([segments, trailer]) => cat(SOI, ...segments, EOI, trailer));
const pngFiles = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom('tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME', 'caBX', 'pHYs', 'IDAT', 'sRGB', 'prVt').chain((type) => fc.uint8Array({ maxLength: 30 }).map((d) => chunk(type, d)))), {
      maxLength: 10,
    }),
    fc.uint8Array({ maxLength: 16 }),
  )
  .map(([chunks, trailer]) => cat(PNG_SIG, IHDR, ...chunks, IEND, trailer));
/** Damage: truncate, flip a byte, or insert bytes somewhere. */
const mutated = (files: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(files, fc.nat(), fc.nat(255), fc.constantFrom('cut', 'flip', 'insert')).map(([bytes, at, value, how]) => {
    const i = bytes.length ? at % bytes.length : 0;
    if (how === 'cut') return bytes.subarray(0, i);
    if (how === 'insert') return cat(bytes.subarray(0, i), new Uint8Array([value, 0xff]), bytes.subarray(i));
    const copy = new Uint8Array(bytes);
    if (copy.length) copy[i] = value;
    return copy;
  });

t.test('property: never throws, and keeps every image segment byte for byte', async (t) => {
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => cat(new Uint8Array([0xff, 0xd8, 0xff]), b)),
    fc.uint8Array({ maxLength: 200 }).map((b) => cat(PNG_SIG, b)),
    jpegFiles,
    pngFiles,
    mutated(jpegFiles),
    mutated(pngFiles),
  );
  fc.assert(
    fc.property(inputs, (input) => checkResult(input)),
    { numRuns: 20000 },
  );
  t.pass('20000 inputs');
});

t.test('property: structured files always strip to a file with nothing left to strip', async (t) => {
  fc.assert(
    fc.property(fc.oneof(jpegFiles, pngFiles), (input) => {
      const result = stripMetadata(input);
      if (result.status !== 'stripped' && result.status !== 'clean') throw new Error(`unexpected ${result.status}: ${result.reason}`);
      if (stripMetadata(result.bytes).status !== 'clean') throw new Error('not idempotent');
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 files');
});
