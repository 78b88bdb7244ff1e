// Opening one tip, follow-up or reply record with an editor key, and deciding its thread: the
// part of `decrypt` the desk's import uses too (src/desk/import.ts), so both file records the
// same way. A tip or follow-up joins its mailbox's thread only when the mailbox key signed it;
// a reply only when it names the mailbox and, given the roster, an editor of it signed it.
import { decodeBody, type Body } from '../crypto/body.js';
import type { TipRecord } from '../crypto/bundle.js';
import { EnvelopeError, openEnvelope, type EnvelopeErrorCode } from '../crypto/envelope.js';
import { receiptFor } from '../crypto/receipt.js';
import { checkReplyBody, checkSourceBody } from '../crypto/signing.js';

export const ENVELOPE_REASONS: Record<EnvelopeErrorCode, string> = {
  'not-for-this-key': 'not sealed to this key (or its key stanzas were altered)',
  tampered: 'the envelope failed authentication: it was altered or truncated',
  padding: 'the envelope decrypted but its padding is wrong',
  'too-short': 'the envelope is truncated',
  version: 'the envelope has an unsupported version',
  kind: 'the envelope has an unknown kind',
  recipients: 'the envelope has an invalid recipient count',
  length: 'the envelope has an invalid length',
};

export const NOT_A_TIP_BODY = 'the envelope opened but its body is not a valid tip body';

export type OpenedRecord =
  | {
      ok: true;
      kind: 'tip' | 'followUp' | 'reply';
      body: Body;
      receipt: string;
      /** The thread it is filed in, when it names one and verified. */
      mailbox?: string;
      /** It names a mailbox but did not verify: not filed there. */
      unverified?: { mailbox: string; reason: string };
      /** A reply: the signing key (base64url) of the editor who signed it, when verified against the roster. */
      signer?: Uint8Array;
    }
  | { ok: false; reason: string };

/** The conversation a decrypted body belongs to, when it names a well-formed mailbox. */
export function threadOf(body: Partial<Body>): string | undefined {
  const mailbox = typeof body.reply?.mailbox === 'string' ? body.reply.mailbox : body.mailbox;
  return typeof mailbox === 'string' && /^[0-9a-f]{32}$/.test(mailbox) ? mailbox : undefined;
}

/**
 * Opens a tip, follow-up or reply record. `editorSignKeys` (the roster's signing keys), when
 * given, is required of replies: a reply not signed by one of them is not filed in the thread.
 * Reasons never quote the record's content.
 */
export async function openRecord(record: TipRecord, seed: Uint8Array, options: { editorSignKeys?: Uint8Array[] } = {}): Promise<OpenedRecord> {
  let opened;
  try {
    opened = await openEnvelope(record.envelope, seed);
  } catch (err) {
    if (err instanceof EnvelopeError) return { ok: false, reason: ENVELOPE_REASONS[err.code] };
    throw err;
  }
  try {
    if (opened.kind === 'deskEvent' || opened.kind === 'deskSeed') return { ok: false, reason: NOT_A_TIP_BODY };
    let body: Body;
    try {
      body = decodeBody(opened.body);
    } catch {
      // The reason would quote the tip's own content; it stays on this machine, unprinted.
      return { ok: false, reason: NOT_A_TIP_BODY };
    }
    const kind = opened.kind;
    const receipt = await receiptFor(record.envelope);
    const named = threadOf(body);
    if (!named) return { ok: true, kind, body, receipt };
    if (kind === 'reply') {
      if (!options.editorSignKeys) return { ok: true, kind, body, receipt, mailbox: named };
      const check = await checkReplyBody(opened.body, named, options.editorSignKeys);
      return check.ok ? { ok: true, kind, body, receipt, mailbox: named, signer: check.signer } : { ok: true, kind, body, receipt, unverified: { mailbox: named, reason: check.reason } };
    }
    const check = await checkSourceBody(opened.body, kind);
    return check.ok ? { ok: true, kind, body, receipt, mailbox: named } : { ok: true, kind, body, receipt, unverified: { mailbox: named, reason: check.reason } };
  } finally {
    opened.body.fill(0);
  }
}
