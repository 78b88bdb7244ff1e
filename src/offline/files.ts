// File safety for the air-gapped tools, in one place: what a name from a tip may become on
// disk (sanitised, de-duplicated), a path that can only be a direct child of its folder, and
// new files created exclusively (O_EXCL), never through a symbolic link (O_NOFOLLOW), mode
// 0600, fsynced; and small files read whole, never through a symbolic link. Used by decrypt,
// its attachments, the report and the results tool.
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** A file still being written, or one that failed (docs/BUNDLE.md). */
export const INCOMPLETE_SUFFIX = '.INCOMPLETE';
const MAX_NAME_BYTES = 180;
/** Create a new file: never over anything, never through a symbolic link. */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Characters a name never keeps (docs/THREAT-MODEL.md, T32 and T41): controls (Cc), format
 * characters (Cf: bidi controls, zero-width characters, soft hyphen, U+180E, tag characters),
 * line and paragraph separators (Zl, Zp), private use (Co), unassigned (Cn), lone surrogates
 * (Cs), every default-ignorable code point (variation selectors, the combining grapheme joiner,
 * Hangul fillers U+115F U+1160 U+3164 U+FFA0…), and the blank-looking Braille pattern U+2800.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800\u115f\u1160\u3164\uffa0]/gu;
/** Space separators other than U+0020 (no-break, ideographic, en/em spaces…) become U+0020. */
const SPACES = /[\p{Zs}]/gu;
/** Windows device names, with or without an extension: `CON`, `nul.txt`, `COM1.jpg`, `LPT9`, `COM¹`. */
const DEVICE = /^(?:CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$|CLOCK\$)(?=[ .]*(?:\.|$))/i;

function sanitiseOnce(input: string): string {
  let text = input.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').normalize('NFC');
  text = text.replace(/[/\\:*?"<>|]/g, '_');
  text = text
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s._]+/, '')
    .replace(/[\s.]+$/, '');
  if (text.toUpperCase().endsWith(INCOMPLETE_SUFFIX)) text = text.slice(0, -INCOMPLETE_SUFFIX.length) + '_INCOMPLETE';
  const dot = text.lastIndexOf('.');
  let stem = dot > 0 ? text.slice(0, dot) : text;
  let ext = dot > 0 ? text.slice(dot) : '';
  if (Buffer.byteLength(ext) > 16) {
    stem = text;
    ext = '';
  }
  while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('');
  stem = stem.replace(/[\s.]+$/, '');
  text = stem ? stem + ext : `attachment${ext}`;
  // A device name opens the device on Windows, not a file: `nul.txt` → `nul_.txt`.
  const device = DEVICE.exec(text);
  return device ? `${device[0]}_${text.slice(device[0].length)}` : text;
}

/**
 * A file name safe to create in one folder and to show: no path separators, no `..` or leading
 * dot, none of the invisible characters above (other blanks become plain spaces), no Windows
 * device name, at most 180 UTF-8 bytes (the extension kept), never empty and never ending in
 * `.INCOMPLETE`. Applied until nothing changes, so it is idempotent.
 */
export function sanitiseFileName(name: unknown): string {
  let text = typeof name === 'string' ? name : '';
  for (let i = 0; i < 8; i++) {
    const next = sanitiseOnce(text);
    if (next === text) break;
    text = next;
  }
  return text;
}

/** Any other short source-supplied text a page shows (e.g. what metadata was removed): the invisible characters above removed. */
export function cleanText(text: string): string {
  return text.replace(INVISIBLE, '').replace(SPACES, ' ');
}

/** A source-supplied file name as a page or message shows it: cleaned by the same rules as a saved name. */
export function fileLabel(name: unknown): string {
  return sanitiseFileName(name);
}

/** Whether anything is at `path`, a dangling symbolic link included (it is never followed). */
export function pathTaken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `name`, or `name (2)`, `name (3)`… (before the extension): the first not taken in `taken`. */
export function numberedName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * `<root>/<name>` when it can be nothing but a direct child of `root` (an absolute, resolved
 * folder); otherwise why not: 'name' (empty, `.`, `..`, a separator or NUL), 'outside'.
 */
export function childPath(root: string, name: string): string | 'name' | 'outside' {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\0')) return 'name';
  const path = resolve(root, name);
  if (dirname(path) !== root || basename(path) !== name) return 'outside';
  return path;
}

/** Creates a new file (never through a symlink, never over anything), mode 0600, fsynced. */
export function writeNewFile(path: string, text: string): void {
  const fd = openSync(path, CREATE_FLAGS, 0o600);
  try {
    fchmodSync(fd, 0o600);
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Why readBoundedFile refused a file: it could not be opened (missing, a symbolic link…), is not a regular file, or is too large. */
export class BoundedReadError extends Error {
  override name = 'BoundedReadError';
  constructor(
    readonly reason: 'open' | 'not-file' | 'too-large',
    /** The system's error code when it could not be opened. */
    readonly code?: string,
  ) {
    super(reason);
  }
}

/** The whole of a regular file of at most `max` bytes, opened without following a symbolic link at its last step. */
export function readBoundedFile(path: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new BoundedReadError('open', (err as NodeJS.ErrnoException).code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BoundedReadError('not-file');
    if (st.size > max) throw new BoundedReadError('too-large');
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
