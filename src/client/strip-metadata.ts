// Removes identifying metadata from a photo before it is encrypted (pure, isomorphic: the
// upload Web Worker runs it in the browser, the tests in Node).
//
// JPEG: keeps SOI, every frame/table/scan segment and the entropy-coded data byte for byte,
// APP0 "JFIF", APP2 "ICC_PROFILE" and APP14 "Adobe" (needed to show the colours right); drops
// APP1 Exif (camera serial, GPS, time) and XMP, APP13 IPTC/Photoshop, COM, every other APPn
// (maker notes, MPF, C2PA, vendor data) and anything after EOI (appended second images or
// "motion photo" videos, which carry their own metadata).
// PNG: keeps every chunk except tEXt, zTXt, iTXt (incl. XMP), eXIf, tIME and caBX (C2PA
// content credentials, which can name a person), and anything after IEND.
//
// The type is taken from the file's first bytes, never from its name or the type the browser
// reports. A file whose structure does not parse is left untouched, with a reason; other types
// are left untouched with status "unsupported" (the page warns that they may identify the
// source).

export type StripStatus =
  /** Metadata was found and removed. */
  | 'stripped'
  /** A JPEG or PNG with nothing to remove. */
  | 'clean'
  /** Looked like a JPEG or PNG but did not parse: left untouched. */
  | 'malformed'
  /** Not a JPEG or PNG: left untouched. */
  | 'unsupported';

export interface StripResult {
  format: 'jpeg' | 'png' | 'other';
  status: StripStatus;
  /** The cleaned bytes; the input itself (same object) unless status is 'stripped'. */
  bytes: Uint8Array;
  /** What was removed, in order of first appearance, e.g. ["EXIF (incl. GPS)", "XMP"]. */
  removed: string[];
  /** Why a 'malformed' file was left untouched. */
  reason?: string;
}

/** A piece of a parsed file: [start, end) in the input, and whether it is kept. */
export interface Piece {
  start: number;
  end: number;
  /** JPEG: the marker byte (0xD8 SOI, 0xDA SOS incl. its scan data, …), -1 for bytes after EOI. PNG: the chunk type, '' for the signature, 'trailing' after IEND. */
  id: number | string;
  /** Undefined when kept, else what it is ("XMP", …). */
  removed?: string;
}

export class MalformedImage extends Error {}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const TRAILING_DATA = 'data after the end of the image';

function startsWith(bytes: Uint8Array, prefix: number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

export function detectFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'other' {
  if (startsWith(bytes, JPEG_MAGIC)) return 'jpeg';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  return 'other';
}

/** Strips `bytes` (the whole file). Never throws. */
export function stripMetadata(bytes: Uint8Array): StripResult {
  const format = detectFormat(bytes);
  if (format === 'other') return { format, status: 'unsupported', bytes, removed: [] };
  let pieces: Piece[];
  try {
    pieces = format === 'jpeg' ? parseJpeg(bytes) : parsePng(bytes);
  } catch (err) {
    const reason = err instanceof MalformedImage ? err.message : 'the file could not be read';
    return { format, status: 'malformed', bytes, removed: [], reason };
  }
  const removed: string[] = [];
  for (const piece of pieces) {
    if (piece.removed && !removed.includes(piece.removed)) removed.push(piece.removed);
  }
  if (removed.length === 0) return { format, status: 'clean', bytes, removed };
  const kept = pieces.filter((piece) => !piece.removed);
  const out = new Uint8Array(kept.reduce((sum, piece) => sum + piece.end - piece.start, 0));
  let at = 0;
  for (const piece of kept) {
    out.set(bytes.subarray(piece.start, piece.end), at);
    at += piece.end - piece.start;
  }
  return { format, status: 'stripped', bytes: out, removed };
}

// ---------------------------------------------------------------------------------------------
// JPEG (ITU T.81 B.1; JFIF; Exif 2.32; XMP part 3)

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
/** Markers that stand alone, without a length: TEM, RST0–RST7 (SOI and EOI are handled apart). */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * Splits a JPEG into SOI, segments (fill bytes before a marker belong to its segment; SOS
 * includes its entropy-coded data), EOI and trailing bytes. Throws MalformedImage.
 */
export function parseJpeg(bytes: Uint8Array): Piece[] {
  if (!startsWith(bytes, [0xff, SOI])) throw new MalformedImage('a JPEG must start with SOI');
  const pieces: Piece[] = [{ start: 0, end: 2, id: SOI }];
  let at = 2;
  for (;;) {
    const start = at;
    if (at >= bytes.length) throw new MalformedImage('the JPEG ends before its EOI marker (truncated)');
    if (bytes[at] !== 0xff) throw new MalformedImage(`expected a marker at byte ${at}`);
    while (at < bytes.length && bytes[at] === 0xff) at++; // fill bytes, then the marker code
    if (at >= bytes.length) throw new MalformedImage('the JPEG ends inside a marker (truncated)');
    const marker = bytes[at]!;
    at++;
    if (marker === 0x00 || marker === SOI) throw new MalformedImage(`unexpected marker 0xFF${hex(marker)} at byte ${at - 2}`);
    if (marker === EOI) {
      pieces.push({ start, end: at, id: EOI });
      if (at < bytes.length) pieces.push({ start: at, end: bytes.length, id: -1, removed: TRAILING_DATA });
      return pieces;
    }
    if (isStandalone(marker)) {
      pieces.push({ start, end: at, id: marker });
      continue;
    }
    if (at + 2 > bytes.length) throw new MalformedImage('the JPEG ends inside a segment length (truncated)');
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (length < 2) throw new MalformedImage(`segment 0xFF${hex(marker)} has an impossible length`);
    const payloadStart = at + 2;
    at += length;
    if (at > bytes.length) throw new MalformedImage(`segment 0xFF${hex(marker)} runs past the end of the file (truncated)`);
    if (marker === SOS) at = skipScan(bytes, at);
    pieces.push({ start, end: at, id: marker, removed: jpegRemoval(marker, bytes.subarray(payloadStart, payloadStart + length - 2)) });
  }
}

/** Skips entropy-coded data: up to the next marker that is not RSTn, or a stuffed 0xFF00. */
function skipScan(bytes: Uint8Array, at: number): number {
  for (;;) {
    if (at >= bytes.length) throw new MalformedImage('the JPEG ends inside image data (truncated)');
    if (bytes[at] !== 0xff) {
      at++;
      continue;
    }
    let next = at + 1;
    while (next < bytes.length && bytes[next] === 0xff) next++;
    if (next >= bytes.length) throw new MalformedImage('the JPEG ends inside image data (truncated)');
    const code = bytes[next]!;
    if (code === 0x00 || (code >= 0xd0 && code <= 0xd7)) {
      at = next + 1;
      continue;
    }
    return at;
  }
}

const EXIF_ID = [...ascii('Exif'), 0, 0];
const XMP_ID = [...ascii('http://ns.adobe.com/xap/1.0/'), 0];
const XMP_EXTENSION_ID = [...ascii('http://ns.adobe.com/xmp/extension/'), 0];
const JFIF_ID = [...ascii('JFIF'), 0];
const ICC_ID = [...ascii('ICC_PROFILE'), 0];
const ADOBE_ID = ascii('Adobe');

/** What a segment is, when it is removed; undefined when it is kept. */
function jpegRemoval(marker: number, payload: Uint8Array): string | undefined {
  if (marker === COM) return 'comment';
  if (marker < 0xe0 || marker > 0xef) return undefined; // frame, tables, scan, DRI, …
  const n = marker - 0xe0;
  if (n === 0 && startsWith(payload, JFIF_ID)) return undefined;
  if (n === 2 && startsWith(payload, ICC_ID)) return undefined;
  if (n === 14 && startsWith(payload, ADOBE_ID)) return undefined;
  if (n === 1 && startsWith(payload, EXIF_ID)) return exifLabel(payload.subarray(EXIF_ID.length));
  if (n === 1 && (startsWith(payload, XMP_ID) || startsWith(payload, XMP_EXTENSION_ID))) return 'XMP';
  if (n === 13) return 'IPTC/Photoshop';
  return `APP${n} (other metadata)`;
}

const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_BODY_SERIAL = 0xa431;
const TAG_LENS_SERIAL = 0xa435;

/** "EXIF", with what it held that matters most: GPS, a camera or lens serial number. */
function exifLabel(tiff: Uint8Array): string {
  const found: string[] = [];
  try {
    const ifd0 = readIfd(tiff, undefined);
    if (ifd0.has(TAG_GPS_IFD)) found.push('GPS');
    const exifAt = ifd0.get(TAG_EXIF_IFD);
    if (exifAt !== undefined) {
      const exif = readIfd(tiff, exifAt);
      if (exif.has(TAG_BODY_SERIAL) || exif.has(TAG_LENS_SERIAL)) found.push('serial number');
    }
  } catch {
    // An EXIF block we cannot read is removed all the same.
  }
  return found.length ? `EXIF (incl. ${found.join(', ')})` : 'EXIF';
}

/** The tags of one TIFF IFD → their value/offset field (IFD0 when `offset` is undefined). */
function readIfd(tiff: Uint8Array, offset: number | undefined): Map<number, number> {
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) throw new Error('not TIFF');
  const u16 = (at: number) => {
    if (at + 2 > tiff.length) throw new Error('short');
    return little ? tiff[at]! | (tiff[at + 1]! << 8) : (tiff[at]! << 8) | tiff[at + 1]!;
  };
  const u32 = (at: number) => (little ? u16(at) + u16(at + 2) * 0x10000 : u16(at) * 0x10000 + u16(at + 2));
  const at = offset ?? u32(4);
  const count = u16(at);
  const tags = new Map<number, number>();
  for (let i = 0; i < count; i++) tags.set(u16(at + 2 + 12 * i), u32(at + 2 + 12 * i + 8));
  return tags;
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// PNG (ISO/IEC 15948, PNG third edition for eXIf and caBX)

const PNG_REMOVED: Record<string, string> = {
  tEXt: 'text',
  zTXt: 'text',
  iTXt: 'text',
  eXIf: 'EXIF',
  tIME: 'modification time',
  caBX: 'C2PA content credentials',
};

/** Splits a PNG into the signature, its chunks and trailing bytes. Throws MalformedImage. */
export function parsePng(bytes: Uint8Array): Piece[] {
  if (!startsWith(bytes, PNG_MAGIC)) throw new MalformedImage('a PNG must start with its signature');
  const pieces: Piece[] = [{ start: 0, end: 8, id: '' }];
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw new MalformedImage('the PNG ends before its IEND chunk (truncated)');
    const length = ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
    const typeBytes = bytes.subarray(at + 4, at + 8);
    if (!Array.from(typeBytes).every((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) {
      throw new MalformedImage(`a chunk at byte ${at} has an invalid type`);
    }
    const type = String.fromCharCode(...typeBytes);
    if (length > 0x7fffffff) throw new MalformedImage(`chunk ${type} has an impossible length`);
    if (pieces.length === 1 && type !== 'IHDR') throw new MalformedImage('the first PNG chunk must be IHDR');
    const end = at + 12 + length;
    if (end > bytes.length) throw new MalformedImage(`chunk ${type} runs past the end of the file (truncated)`);
    let removed = PNG_REMOVED[type];
    if (type === 'iTXt' && startsWith(bytes.subarray(at + 8, end), [...ascii('XML:com.adobe.xmp'), 0])) removed = 'XMP';
    if (type === 'eXIf') removed = exifLabel(bytes.subarray(at + 8, end - 4));
    pieces.push({ start: at, end, id: type, removed });
    at = end;
    if (type === 'IEND') {
      if (at < bytes.length) pieces.push({ start: at, end: bytes.length, id: 'trailing', removed: TRAILING_DATA });
      return pieces;
    }
  }
}
