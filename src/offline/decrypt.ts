// Offline decrypt (air-gapped): checks a bundle against its manifest, opens every tip with one
// editor key and writes each into its own folder `<out>/<received>_<id>/` (message.txt,
// tip.json), then rebuilds <out>/index.html. Node built-ins and libsodium only, no network.
//
// Nothing is ever written outside the output folder: folder names are built only from a
// validated date and id, every path is checked to be a direct child of the resolved output
// folder, files are created with O_CREAT|O_EXCL|O_NOFOLLOW (never through a symbolic link,
// never over an existing file), and an existing entry where a tip folder would go is left
// alone. A problem with one record skips that record, names it, and the rest go on.
import { closeSync, constants, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { Body } from '../crypto/body.js';
import { openRecord } from './open-record.js';
import type { EditorKeyPair } from '../crypto/keys.js';
import { BundleError, describeProblem, isBundleDate, isRecordId, type BundleProblem, type TipRecord } from '../crypto/bundle.js';
import { countProblems, describeCounts, readVerifiedRecords, verifyBundle } from './bundle.js';
import { KeyFileError } from '../crypto/keyfile.js';
import { decryptKeyFileInWorker } from './unlock.js';
import { renderIndex, type IndexEntry } from './index-html.js';
import { BoundedReadError, childPath, readBoundedFile, writeNewFile } from './files.js';
import { AttachmentSession, type FileResult } from './attachments.js';
import { TiplineError } from '../shared/errors.js';

export class DecryptError extends TiplineError {
  override name = 'DecryptError';
}

export interface SkippedRecord {
  line?: number;
  id?: string;
  reason: string;
}

export interface DecryptSummary {
  /** Folder names written in this run. */
  decrypted: string[];
  /** Folder names already there from an earlier run (left untouched). */
  already: string[];
  skipped: SkippedRecord[];
  /** Problems with the bundle or the output as a whole (e.g. no manifest). */
  warnings: string[];
  /** The resolved output folder. */
  outDir: string;
  /** Folders written in this run whose tip the server sealed (sent without JavaScript). */
  sealedByServer?: string[];
  /** Tips and follow-ups naming a mailbox whose mailbox signature did not verify: not filed in its thread. */
  unverified?: { folder: string; mailbox: string; reason: string }[];
  /** Skipped lines beyond those listed in `skipped` (a bundle keeps MAX_LISTED_PROBLEMS messages), and the bundle's problems by kind. */
  unlisted?: { skipped: number; counts: Partial<Record<string, number>> };
  /** Ids of the tips and follow-ups (not replies) decrypted now or before: what the signed acknowledgement names. */
  imported: string[];
  /** Where the signed acknowledgement was written (the CLI sets it). */
  ackPath?: string;
}

export const FOLDER_RE = /^\d{4}-\d{2}-\d{2}_[0-9a-f]{32}$/;
const MAX_TIP_JSON_BYTES = 16 * 1024 * 1024;

/** Reads a key file's text before the passphrase is asked, so a wrong path fails early. */
export function readKeyFileText(path: string): string {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new DecryptError(`the key file ${path} is not a file`);
    if (stat.size > 64 * 1024) throw new DecryptError(`${path} is too large to be a Tipline key file`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof DecryptError) throw err;
    throw new DecryptError(`cannot read the key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Decrypts the editor key (in a worker thread, src/offline/unlock.ts); a wrong passphrase is a DecryptError with a one-line message. */
export async function unlockKey(keyFileText: string, passphrase: string): Promise<EditorKeyPair> {
  try {
    return await decryptKeyFileInWorker(keyFileText, passphrase);
  } catch (err) {
    if (err instanceof KeyFileError) throw new DecryptError(err.message);
    throw err;
  }
}

/** `<root>/<name>`, after checking that it cannot be anything but a direct child of root. */
function child(root: string, name: string): string {
  const path = childPath(root, name);
  if (path === 'name') throw new DecryptError(`refusing the path name ${JSON.stringify(name)}`);
  if (path === 'outside') throw new DecryptError(`refusing a path outside ${root}`);
  return path;
}

/** The folder name of a record, from its validated date and id only. */
export function folderName(record: Pick<TipRecord, 'id' | 'received'>): string {
  if (!isRecordId(record.id) || !isBundleDate(record.received)) throw new DecryptError('refusing a record with an invalid id or date');
  const name = `${record.received}_${record.id}`;
  if (!FOLDER_RE.test(name)) throw new DecryptError('refusing a record with an invalid id or date');
  return name;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function fsyncDir(path: string): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Resolves (creating it, mode 0700, if needed) the output folder. */
export function prepareOutDir(outDir: string): string {
  const abs = resolve(outDir);
  try {
    if (!lstatOrUndefined(abs)) mkdirSync(abs, { recursive: true, mode: 0o700 });
    const real = realpathSync(abs);
    if (!statSync(real).isDirectory()) throw new DecryptError(`the output ${outDir} is not a folder`);
    return real;
  } catch (err) {
    if (err instanceof DecryptError) throw err;
    throw new DecryptError(`cannot use the output folder ${outDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface TipJson {
  id: string;
  received: string;
  receipt: string;
  kind: string;
  /** Conversations: the thread this record is filed in (a reply's mailbox; a tip's or follow-up's
   *  reply.mailbox only when the mailbox key's signature verified). */
  mailbox?: string;
  /** A tip or follow-up that names a mailbox but did not verify: why. It is not in the thread. */
  unverified?: string;
  note?: string;
  body: Body;
  /** Attachments: what became of each of body.files (docs/BUNDLE.md). */
  files?: FileResult[];
}

export { threadOf } from './open-record.js';

export const SEALED_BY_SERVER_NOTE = 'This tip was sent without JavaScript and sealed by the server: the server saw it in plain text before encrypting it.';

type Outcome =
  | { kind: 'decrypted'; folder: string; sealedByServer?: boolean; unverified?: { mailbox: string; reason: string }; attachments?: { dir: string; tip: TipJson } }
  | { kind: 'already'; folder: string }
  | { kind: 'skipped'; reason: string };

async function decryptRecord(root: string, record: TipRecord, seed: Uint8Array): Promise<Outcome> {
  const folder = folderName(record);
  const dir = child(root, folder);
  const existing = lstatOrUndefined(dir);
  if (existing) {
    if (existing.isSymbolicLink()) return { kind: 'skipped', reason: `refusing: ${folder} in the output folder is a symbolic link` };
    if (!existing.isDirectory()) return { kind: 'skipped', reason: `refusing: ${folder} in the output folder is not a folder` };
    const marker = lstatOrUndefined(child(dir, 'tip.json'));
    if (marker?.isFile()) return { kind: 'already', folder };
    return { kind: 'skipped', reason: `${folder} is an incomplete folder from an earlier run: remove it to decrypt this tip again` };
  }
  const opened = await openRecord(record, seed);
  if (!opened.ok) return { kind: 'skipped', reason: opened.reason };
  const { body, kind: envelopeKind } = opened;
  const filed: { mailbox?: string; unverified?: { mailbox: string; reason: string } } = {
    ...(opened.mailbox ? { mailbox: opened.mailbox } : {}),
    ...(opened.unverified ? { unverified: opened.unverified } : {}),
  };
  const tip: TipJson = {
    id: record.id,
    received: record.received,
    receipt: opened.receipt,
    kind: envelopeKind,
    ...(filed.mailbox ? { mailbox: filed.mailbox } : {}),
    ...(filed.unverified ? { unverified: `${filed.unverified.reason}: not filed in the thread of mailbox ${filed.unverified.mailbox} and not from its source as far as anyone can tell` } : {}),
    ...(body.sealedByServer ? { note: SEALED_BY_SERVER_NOTE } : {}),
    body,
  };
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    return { kind: 'skipped', reason: `cannot create ${folder} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // Just created by us: make sure it is a real folder before writing into it.
  const made = lstatSync(dir);
  if (!made.isDirectory()) return { kind: 'skipped', reason: `refusing: ${folder} changed while it was being created` };
  try {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
    writeNewFile(child(dir, 'message.txt'), body.message);
    // With attachments, tip.json comes after them (finishAttachments below).
    if (Array.isArray(body.files) && body.files.length > 0) {
      return { kind: 'decrypted', folder, ...(body.sealedByServer === true ? { sealedByServer: true } : {}), ...(filed.unverified ? { unverified: filed.unverified } : {}), attachments: { dir, tip } };
    }
    // tip.json last: its presence marks a complete folder.
    writeNewFile(child(dir, 'tip.json'), JSON.stringify(tip, null, 2) + '\n');
    fsyncDir(dir);
  } catch (err) {
    return { kind: 'skipped', reason: `cannot write into ${folder} (${(err as NodeJS.ErrnoException).code ?? 'error'}); remove it to try again` };
  }
  return { kind: 'decrypted', folder, ...(body.sealedByServer === true ? { sealedByServer: true } : {}), ...(filed.unverified ? { unverified: filed.unverified } : {}) };
}

/** Reads one tip folder for the index; never follows a symbolic link. */
function readIndexEntry(root: string, folder: string): IndexEntry | undefined {
  const dir = child(root, folder);
  if (!lstatOrUndefined(dir)?.isDirectory()) return undefined;
  const [received, id] = folder.split('_') as [string, string];
  const entry: IndexEntry = { folder, received, id };
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(child(dir, 'tip.json'), MAX_TIP_JSON_BYTES);
  } catch (err) {
    if (!(err instanceof BoundedReadError)) return { ...entry, problem: 'tip.json is not valid JSON' };
    return { ...entry, problem: err.reason === 'open' ? 'tip.json is missing or unreadable' : 'tip.json is not a readable file' };
  }
  try {
    const tip = JSON.parse(bytes.toString('utf8')) as Partial<TipJson>;
    const body = (typeof tip.body === 'object' && tip.body !== null ? tip.body : {}) as Partial<Body>;
    return {
      ...entry,
      ...(typeof tip.receipt === 'string' ? { receipt: tip.receipt } : {}),
      ...(typeof body.message === 'string' ? { message: body.message } : { problem: 'tip.json has no message' }),
      ...(body.sealedByServer === true ? { sealedByServer: true } : {}),
      ...(typeof tip.kind === 'string' ? { kind: tip.kind } : {}),
      ...(typeof tip.mailbox === 'string' && /^[0-9a-f]{32}$/.test(tip.mailbox) ? { mailbox: tip.mailbox } : {}),
      ...(typeof body.clientTime === 'string' ? { clientTime: body.clientTime } : {}),
      ...(Array.isArray(tip.files) ? { files: tip.files } : {}),
    };
  } catch {
    return { ...entry, problem: 'tip.json is not valid JSON' };
  }
}

/** Rebuilds <root>/index.html from every tip folder in root (written beside, then renamed). */
export function writeIndex(root: string): string {
  const entries: IndexEntry[] = [];
  for (const name of readdirSync(root)) {
    if (!FOLDER_RE.test(name)) continue;
    const entry = readIndexEntry(root, name);
    if (entry) entries.push(entry);
  }
  const target = child(root, 'index.html');
  const tmp = child(root, `.index.html.${randomBytes(6).toString('hex')}.tmp`);
  writeNewFile(tmp, renderIndex(entries, root));
  try {
    renameSync(tmp, target); // replaces index.html itself, never what a symlink there points to
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  fsyncDir(root);
  return target;
}

const SEED_NOT_HERE = "this is a desk export for a colleague: decrypt does not read it; put it in the inbox/ folder of that colleague's USB stick and start `desk`";

function skippedFrom(problem: BundleProblem): SkippedRecord {
  return { ...(problem.line !== undefined ? { line: problem.line } : {}), ...(problem.id !== undefined ? { id: problem.id } : {}), reason: problem.message };
}

export interface DecryptOptions {
  bundlePath: string;
  outDir: string;
  key: EditorKeyPair;
}

/** Verifies the bundle and decrypts every sound record into outDir. */
export async function decryptBundle(options: DecryptOptions): Promise<DecryptSummary> {
  let verification;
  try {
    verification = await verifyBundle(options.bundlePath);
  } catch (err) {
    if (err instanceof BundleError) throw new DecryptError(err.message);
    throw err;
  }
  const root = prepareOutDir(options.outDir);
  const summary: DecryptSummary = { decrypted: [], already: [], skipped: [], warnings: [], outDir: root, imported: [] };
  for (const problem of verification.problems) {
    if (problem.code === 'no-manifest') summary.warnings.push(problem.message);
    else summary.skipped.push(skippedFrom(problem));
  }
  const { 'no-manifest': _noManifest, ...skippedCounts } = verification.counts;
  const unlisted = countProblems(skippedCounts) - summary.skipped.length;
  if (unlisted > 0) summary.unlisted = { skipped: unlisted, counts: skippedCounts };
  // The attachments of the tip just decrypted: its file and chunk lines follow it.
  let open: { session: AttachmentSession; dir: string; tip: TipJson; line: number; folder: string } | undefined;
  const finishAttachments = (): void => {
    if (!open) return;
    const { session, dir, tip, line, folder } = open;
    open = undefined;
    try {
      const { results, problems } = session.finish();
      for (const problem of problems) summary.skipped.push({ line, id: tip.id, reason: problem });
      // tip.json last: its presence marks a complete folder (files marked incomplete inside).
      writeNewFile(child(dir, 'tip.json'), JSON.stringify({ ...tip, files: results }, null, 2) + '\n');
      fsyncDir(dir);
    } catch (err) {
      summary.skipped.push({ line, id: tip.id, reason: `cannot write the attachments into ${folder} (${(err as NodeJS.ErrnoException).code ?? 'error'}); remove it to try again` });
    }
  };
  try {
    for await (const item of readVerifiedRecords(options.bundlePath, verification)) {
      if (item.kind === 'problem') {
        summary.skipped.push(skippedFrom(item.problem));
        continue;
      }
      if (item.kind === 'file' || item.kind === 'chunk') {
        try {
          if (item.kind === 'file') open?.session.onFile(item.file);
          else await open?.session.onChunk(item.chunk);
        } catch (err) {
          const tip = open?.tip.id;
          summary.skipped.push({ line: item.line, ...(tip ? { id: tip } : {}), reason: `cannot write an attachment (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        }
        continue;
      }
      finishAttachments();
      // Desk events are the desk's (its import reads them); decrypt has no folder for them.
      if (item.kind === 'event') continue;
      if (item.kind === 'seed') {
        // A desk export for a colleague (docs/BUNDLE.md, "Seed record"): named once, for the desk.
        if (!summary.skipped.some((s) => s.reason === SEED_NOT_HERE)) summary.skipped.push({ line: item.line, reason: SEED_NOT_HERE });
        continue;
      }
      const outcome = await decryptRecord(root, item.record, options.key.seed);
      if (outcome.kind === 'decrypted' && outcome.attachments) {
        const { dir, tip } = outcome.attachments;
        open = { session: new AttachmentSession(tip.id, dir, tip.body.files ?? []), dir, tip, line: item.line, folder: outcome.folder };
      }
      if (outcome.kind !== 'skipped' && item.record.mailbox === undefined) summary.imported.push(item.record.id);
      if (outcome.kind === 'decrypted') {
        summary.decrypted.push(outcome.folder);
        if (outcome.sealedByServer) {
          summary.sealedByServer ??= [];
          summary.sealedByServer.push(outcome.folder);
        }
        if (outcome.unverified) {
          summary.unverified ??= [];
          summary.unverified.push({ folder: outcome.folder, ...outcome.unverified });
        }
      } else if (outcome.kind === 'already') summary.already.push(outcome.folder);
      else summary.skipped.push({ line: item.line, id: item.record.id, reason: outcome.reason });
    }
    finishAttachments();
  } catch (err) {
    if (err instanceof BundleError) throw new DecryptError(err.message);
    throw err;
  }
  try {
    writeIndex(root);
  } catch (err) {
    summary.warnings.push(`could not write index.html (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return summary;
}

/** The summary as printed: counts, then one line per skipped record or warning. No plaintext. */
export function formatSummary(summary: DecryptSummary): string {
  const unlisted = summary.unlisted?.skipped ?? 0;
  const lines = [`decrypted ${summary.decrypted.length}, already decrypted ${summary.already.length}, skipped ${summary.skipped.length + unlisted}`];
  const sealed = summary.sealedByServer?.length ?? 0;
  if (sealed) lines.push(`note: ${sealed} of them sealed by the server (sent without JavaScript): the server saw ${sealed === 1 ? 'it' : 'them'} in plain text`);
  for (const u of summary.unverified ?? []) {
    lines.push(
      `NOT VERIFIED: ${u.folder} names mailbox ${u.mailbox} but ${u.reason}; it is not filed in that thread and is not from its source as far as anyone can tell (forged, or from an old page)`,
    );
  }
  for (const s of summary.skipped) lines.push(`skipped: ${describeProblem({ ...s, message: s.reason })}`);
  if (unlisted) lines.push(`not listed: ${unlisted} more skipped lines (bundle problems by kind, in all: ${describeCounts(summary.unlisted!.counts)})`);
  for (const w of summary.warnings) lines.push(`warning: ${w}`);
  lines.push(`read them in ${join(summary.outDir, 'index.html')}`);
  if (summary.ackPath) {
    const n = summary.imported.length;
    lines.push(`signed an acknowledgement of ${n} record${n === 1 ? '' : 's'} into ${summary.ackPath}: carry it to the online workstation and run: editor ack --in ${basename(summary.ackPath)} …`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes a signed acknowledgement (src/crypto/ack.ts) to `path`, mode 0600: written beside it,
 * fsynced, then renamed over it, so a second decrypt of the same bundle replaces the old one.
 */
export function writeAckFile(path: string, signed: Uint8Array): void {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${basename(abs)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeNewFile(tmp, Buffer.from(signed).toString('utf8') + '\n');
    renameSync(tmp, abs);
    fsyncDir(dirname(abs));
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // not written
    }
    throw new DecryptError(`cannot write the acknowledgement ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function summaryOk(summary: DecryptSummary): boolean {
  return summary.skipped.length === 0 && summary.warnings.length === 0 && !summary.unlisted;
}
