// Replies (air-gapped): an editor's answer to a source, sealed (envelope kind reply) to the
// source's reply key AND to the editors' keys, so the desk keeps a copy it can read. The
// source's key comes from the decrypted thread (tip.json of its tips and follow-ups), and is
// checked against the mailbox id, which is a hash of the source's two public keys: a forged
// tip naming someone else's mailbox with another key is refused, not answered.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBody } from '../crypto/body.js';
import { fromBase64Url } from '../crypto/bytes.js';
import { parseJsonStrict } from '../crypto/json.js';
import { sealEnvelope } from '../crypto/envelope.js';
import { XWING_PUBLIC_KEY_BYTES } from '../crypto/keys.js';
import { MAILBOX_ID_RE, SIGN_PUBLIC_KEY_BYTES, mailboxId } from '../crypto/mailbox.js';
import { writeBundle, todayUtc } from './bundle.js';
import { FOLDER_RE } from './decrypt.js';
import { randomBytes } from 'node:crypto';

export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
  }
}

export const MAX_REPLY_CHARS = 100_000;

/**
 * The source's reply key for `mailbox`, from the tip folders a decrypt wrote into `decrypted`.
 * Every folder naming the mailbox must give the same, id-consistent key.
 */
export async function replyKeyFor(decrypted: string, mailbox: string): Promise<Uint8Array> {
  if (!MAILBOX_ID_RE.test(mailbox)) throw new ReplyError('a mailbox id is 32 lowercase hex digits (see the thread in index.html)');
  let names: string[];
  try {
    names = readdirSync(decrypted);
  } catch (err) {
    throw new ReplyError(`cannot read the decrypted folder ${decrypted} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let found: Uint8Array | undefined;
  for (const name of names) {
    if (!FOLDER_RE.test(name)) continue;
    let tip: { kind?: unknown; body?: { reply?: { mailbox?: unknown; kemPublicKey?: unknown; signPublicKey?: unknown } } };
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
      throw new ReplyError(`${name} names mailbox ${mailbox} with keys that do not belong to it: it may be forged; not replying`);
    }
    if (found && Buffer.compare(Buffer.from(found), Buffer.from(kem)) !== 0) throw new ReplyError(`two tips name mailbox ${mailbox} with different keys; not replying`);
    found = kem;
  }
  if (!found) throw new ReplyError(`no decrypted tip in ${decrypted} belongs to mailbox ${mailbox}: decrypt the tips first, and check the id`);
  return found;
}

export interface ReplyInput {
  mailbox: string;
  message: string;
  /** The source's reply key (from replyKeyFor). */
  sourceKey: Uint8Array;
  /** The editors' public keys: the desk's readable copies. */
  editorKeys: Uint8Array[];
}

export async function sealReply(input: ReplyInput): Promise<Uint8Array> {
  if (input.message.trim() === '') throw new ReplyError('the reply is empty');
  if (input.message.length > MAX_REPLY_CHARS) throw new ReplyError(`the reply is longer than ${MAX_REPLY_CHARS} characters`);
  if (input.editorKeys.length === 0) throw new ReplyError('a reply is also sealed to at least one editor key');
  const body = encodeBody({ v: 1, message: input.message, clientTime: new Date().toISOString(), mailbox: input.mailbox });
  return sealEnvelope({ kind: 'reply', recipients: [input.sourceKey, ...input.editorKeys], body });
}

/** Writes a reply bundle holding one reply (a new file, never over an existing one). */
export async function writeReplyBundle(path: string, mailbox: string, envelope: Uint8Array): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await writeBundle(path, [{ id, received: todayUtc(), mailbox, envelope }]);
  return id;
}

export interface ReplyCommand {
  /** The editor's key file: its public key receives the desk's copy (no passphrase needed). */
  keyPath: string;
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

/** The whole `reply` command: returns the reply's id and the number of editor copies. */
export async function runReply(options: ReplyCommand): Promise<{ id: string; editorCopies: number }> {
  const { decodePublicKey, parseRecipients } = await import('../crypto/keys.js');
  let editorKeys: Uint8Array[];
  try {
    const own = decodePublicKey(String((parseJsonStrict(readText(options.keyPath, 'the key file')) as { publicKey?: unknown }).publicKey ?? ''));
    editorKeys = [own];
    if (options.recipientsPath) {
      const all = parseRecipients(readText(options.recipientsPath, 'the recipients file'));
      editorKeys = [own, ...all.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(own)) !== 0)];
    }
  } catch (err) {
    if (err instanceof ReplyError) throw err;
    throw new ReplyError(`the editor keys: ${(err as Error).message}`);
  }
  const message = readText(options.inPath, 'the reply text');
  const sourceKey = await replyKeyFor(options.decrypted, options.mailbox);
  const envelope = await sealReply({ mailbox: options.mailbox, message, sourceKey, editorKeys });
  const id = await writeReplyBundle(options.outPath, options.mailbox, envelope);
  return { id, editorCopies: editorKeys.length };
}
