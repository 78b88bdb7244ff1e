// Which decrypted attachment a page written by the offline tools may link to (decrypt's
// index.html, report's report.html, and any later page): the one rule, here only
// (docs/THREAT-MODEL.md, T36 and T39).
//
// A page opened from disk on the air-gapped machine is one click away from every file it links,
// and a browser runs an HTML, SVG, XHTML or XML file as a page, scripts included. So a file is
// linked only when all three of these say it is a kind known to be inert in a browser (an image,
// a PDF, plain text, audio or video), and listed without a link otherwise:
//   1. its saved name's extension (what a browser goes by for a file:// URL) is on the list;
//   2. the type the source declared is on the list (either may lie; both must pass);
//   3. its first bytes match: the magic number of the extension's format where it has a cheap
//      one (JPEG, PNG, GIF, WebP, PDF), and for every kind the content must not look like markup
//      (its first non-blank byte is not `<`), which is what a browser's sniffer would render.
// Allow-list, not deny-list: anything not named here (HTML, SVG, office documents, archives,
// unknown or missing extensions, `.INCOMPLETE` parts) is never linked.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

interface Kind {
  /** A thumbnail may be shown (the browser's image decoders only). */
  image?: true;
  magic?: (head: Uint8Array) => boolean;
}

const startsWith = (head: Uint8Array, ascii: string, at = 0): boolean => {
  if (head.length < at + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (head[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
};

const JPEG: Kind = { image: true, magic: (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff };
const PNG: Kind = { image: true, magic: (h) => startsWith(h, '\x89PNG\r\n\x1a\n') };
const GIF: Kind = { image: true, magic: (h) => startsWith(h, 'GIF87a') || startsWith(h, 'GIF89a') };
const WEBP: Kind = { image: true, magic: (h) => startsWith(h, 'RIFF') && startsWith(h, 'WEBP', 8) };
const PDF: Kind = { magic: (h) => startsWith(h, '%PDF-') };
const PLAIN: Kind = {};

/** Extensions (lower case) a browser opens inertly from disk, and what their bytes must show. */
const EXTENSIONS = new Map<string, Kind>([
  ['jpg', JPEG],
  ['jpeg', JPEG],
  ['png', PNG],
  ['gif', GIF],
  ['webp', WEBP],
  ['pdf', PDF],
  ['txt', PLAIN],
  ['mp3', PLAIN],
  ['m4a', PLAIN],
  ['ogg', PLAIN],
  ['oga', PLAIN],
  ['opus', PLAIN],
  ['wav', PLAIN],
  ['flac', PLAIN],
  ['mp4', PLAIN],
  ['m4v', PLAIN],
  ['webm', PLAIN],
  ['ogv', PLAIN],
  ['mov', PLAIN],
]);

/** Declared types (lower case, parameters dropped) of the same kinds. */
const TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'audio/mpeg',
  'audio/mp4',
  'audio/x-m4a',
  'audio/ogg',
  'audio/opus',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/flac',
  'audio/x-flac',
  'audio/webm',
  'video/mp4',
  'video/x-m4v',
  'video/webm',
  'video/ogg',
  'video/quicktime',
]);

/** How many leading bytes are read to decide. */
export const SNIFF_BYTES = 512;

/** True when the first non-blank byte (after a UTF-8/UTF-16 byte order mark, NULs skipped) is `<`. */
function looksLikeMarkup(head: Uint8Array): boolean {
  let i = startsWith(head, '\xef\xbb\xbf') ? 3 : (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) ? 2 : 0;
  for (; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0x00 || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d) continue;
    return b === 0x3c;
  }
  return false;
}

export interface LinkDecision {
  /** The page may link the file. */
  link: boolean;
  /** The page may also show it as an image thumbnail. */
  thumbnail: boolean;
}

const NO: LinkDecision = { link: false, thumbnail: false };

/**
 * The decision for one file from its saved name, its declared type and its first bytes (at
 * most SNIFF_BYTES; undefined when they could not be read, which links nothing).
 */
export function decideLink(savedName: string, declaredType: unknown, head: Uint8Array | undefined): LinkDecision {
  const dot = savedName.lastIndexOf('.');
  const kind = dot > 0 ? EXTENSIONS.get(savedName.slice(dot + 1).toLowerCase()) : undefined;
  const type = typeof declaredType === 'string' ? declaredType.split(';')[0]!.trim().toLowerCase() : '';
  if (!kind || !TYPES.has(type) || !head) return NO;
  if (looksLikeMarkup(head) || (kind.magic && !kind.magic(head))) return NO;
  return { link: true, thumbnail: kind.image === true && type.startsWith('image/') };
}

/** The first SNIFF_BYTES of a regular file (never through a symbolic link), or undefined. */
export function readHead(path: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(SNIFF_BYTES);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return new Uint8Array(buf.subarray(0, off));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** decideLink for the file at `path` (its name taken from the path's last segment). */
export function linkDecision(path: string, declaredType: unknown): LinkDecision {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return decideLink(name, declaredType, readHead(path));
}

/** The note shown in place of a link. */
export const NOT_LINKED_NOTE = 'not linked: only images, PDF, plain text, audio and video whose name, declared type and first bytes agree are linked here; open it only on another machine';
