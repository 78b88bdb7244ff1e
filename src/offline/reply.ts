// Replies (air-gapped): an editor's answer to a source, signed with the editor's signing key
// (context "tipline reply v1", bound to the mailbox: docs/PROTOCOL.md, "Signatures") and
// sealed (envelope kind reply) to the source's reply key AND to the editors' keys, so the
// desk keeps a copy it can read. The source's key comes from the decrypted thread: only
// records decrypt filed into the thread (their mailbox signature verified) count; a record
// that names the mailbox but does not belong (keys that do not hash to the id, no or a wrong
// signature: forged) is skipped and named, and the reply still goes to the genuine source.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url, fromBase64Url } from '../crypto/bytes.js';
import { sealEnvelope } from '../crypto/envelope.js';
import { XWING_PUBLIC_KEY_BYTES, type EditorKeyPair } from '../crypto/keys.js';
import { MAILBOX_ID_RE, SIGN_PUBLIC_KEY_BYTES, mailboxId } from '../crypto/mailbox.js';
import { signBody } from '../crypto/signing.js';
import { todayUtc } from '../crypto/bundle.js';
import { writeBundle } from '../files/bundle.js';
import { FOLDER_RE } from './decrypt.js';
import { randomBytes } from 'node:crypto';
import { TiplineError } from '../shared/errors.js';

export class ReplyError extends TiplineError {
  override name = 'ReplyError';
}

export const MAX_REPLY_CHARS = 100_000;

/**
 * The source's reply key for `mailbox`, from the tip folders a decrypt wrote into `decrypted`,
 * and the folders that name the mailbox but were not taken (each with why).
 */
export async function replyKeyFor(decrypted: string, mailbox: string): Promise<{ key: Uint8Array; skipped: string[] }> {
  if (!MAILBOX_ID_RE.test(mailbox)) throw new ReplyError('a mailbox id is 32 lowercase hex digits (see the thread in index.html)');
  let names: string[];
  try {
    names = readdirSync(decrypted);
  } catch (err) {
    throw new ReplyError(`cannot read the decrypted folder ${decrypted} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let found: Uint8Array | undefined;
  const skipped: string[] = [];
  for (const name of names.sort()) {
    if (!FOLDER_RE.test(name)) continue;
    let tip: { kind?: unknown; mailbox?: unknown; unverified?: unknown; body?: { reply?: { mailbox?: unknown; kemPublicKey?: unknown; signPublicKey?: unknown } } };
    try {
      tip = JSON.parse(readFileSync(join(decrypted, name, 'tip.json'), 'utf8'));
    } catch {
      continue;
    }
    const reply = tip.body?.reply;
    if (tip.kind === 'reply' || !reply || reply.mailbox !== mailbox) continue;
    const kem = typeof reply.kemPublicKey === 'string' ? fromBase64Url(reply.kemPublicKey) : undefined;
    const sign = typeof reply.signPublicKey === 'string' ? fromBase64Url(reply.signPublicKey) : undefined;
    if (!kem || kem.length !== XWING_PUBLIC_KEY_BYTES || !sign || sign.length !== SIGN_PUBLIC_KEY_BYTES || (await mailboxId(sign, kem)) !== mailbox) {
      skipped.push(`${name}: it names mailbox ${mailbox} with keys that do not belong to it (it may be forged)`);
      continue;
    }
    // decrypt sets tip.mailbox only when the mailbox key's signature verified.
    if (tip.mailbox !== mailbox) {
      skipped.push(`${name}: not verified as from this mailbox's source (${typeof tip.unverified === 'string' ? tip.unverified : 'decrypt did not file it in the thread'})`);
      continue;
    }
    if (found && Buffer.compare(Buffer.from(found), Buffer.from(kem)) !== 0) throw new ReplyError(`two tips name mailbox ${mailbox} with different keys; not replying`);
    found = kem;
  }
  if (!found) {
    const why = skipped.length ? ` (${skipped.length} record${skipped.length === 1 ? '' : 's'} naming it did not verify: ${skipped.join('; ')})` : '';
    throw new ReplyError(`no verified decrypted tip in ${decrypted} belongs to mailbox ${mailbox}: decrypt the tips first, and check the id${why}`);
  }
  return { key: found, skipped };
}

export interface ReplyInput {
  mailbox: string;
  message: string;
  /** The source's reply key (from replyKeyFor). */
  sourceKey: Uint8Array;
  /** The editors' public keys: the desk's readable copies. */
  editorKeys: Uint8Array[];
  /** The signing editor's key pair (its signing secret key signs the reply). */
  signer: Pick<EditorKeyPair, 'signPublicKey' | 'signSecretKey'>;
}

export async function sealReply(input: ReplyInput): Promise<Uint8Array> {
  if (input.message.trim() === '') throw new ReplyError('the reply is empty');
  if (input.message.length > MAX_REPLY_CHARS) throw new ReplyError(`the reply is longer than ${MAX_REPLY_CHARS} characters`);
  if (input.editorKeys.length === 0) throw new ReplyError('a reply is also sealed to at least one editor key');
  const body = await signBody(
    'reply',
    { v: 1, message: input.message, clientTime: new Date().toISOString(), mailbox: input.mailbox, editor: toBase64Url(input.signer.signPublicKey) },
    input.signer.signSecretKey,
  );
  return sealEnvelope({ kind: 'reply', recipients: [input.sourceKey, ...input.editorKeys], body });
}

/** Writes a reply bundle holding one reply (a new file, never over an existing one). */
export async function writeReplyBundle(path: string, mailbox: string, envelope: Uint8Array): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await writeBundle(path, [{ id, received: todayUtc(), mailbox, envelope }]);
  return id;
}

export interface ReplyCommand {
  /** The editor's key, unlocked: it signs the reply, and its public key receives the desk's copy. */
  key: EditorKeyPair;
  mailbox: string;
  inPath: string;
  outPath: string;
  /** The folder `decrypt` wrote the thread into. */
  decrypted: string;
  /** Optional recipients file (the server's TIPLINE_RECIPIENTS): every editor gets a copy. */
  recipientsPath?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReplyError(`cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The whole `reply` command: returns the reply's id, the number of editor copies and the records skipped. */
export async function runReply(options: ReplyCommand): Promise<{ id: string; editorCopies: number; skipped: string[] }> {
  const { parseRecipients } = await import('../crypto/keys.js');
  const own = options.key.publicKey;
  let editorKeys: Uint8Array[] = [own];
  if (options.recipientsPath) {
    try {
      const all = parseRecipients(readText(options.recipientsPath, 'the recipients file')).map((k) => k.publicKey);
      editorKeys = [own, ...all.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(own)) !== 0)];
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      throw new ReplyError(`the recipients file: ${(err as Error).message}`);
    }
  }
  const message = readText(options.inPath, 'the reply text');
  const { key: sourceKey, skipped } = await replyKeyFor(options.decrypted, options.mailbox);
  const envelope = await sealReply({ mailbox: options.mailbox, message, sourceKey, editorKeys, signer: options.key });
  const id = await writeReplyBundle(options.outPath, options.mailbox, envelope);
  return { id, editorCopies: editorKeys.length, skipped };
}
