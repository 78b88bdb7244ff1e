// Taking in one envelope, the same for tips and follow-ups: decode, check its structure
// without any key, store it durably, answer with its receipt. Every failure is an HttpError
// with a fixed message; nothing is stored unless every check passed.
import { fromBase64Url } from '../crypto/bytes.js';
import { EnvelopeError, parseEnvelope, type Kind } from '../crypto/envelope.js';
import { receiptFor } from '../crypto/receipt.js';
import { HttpError, storageError } from './errors.js';
import { UploadLinkError, type TipStore } from './store/tips.js';

export interface IntakeLimits {
  kind: Kind;
  recipients: number;
  maxPaddedLength: number;
  /** Attachments: upload ids linked to this envelope in the same transaction. */
  uploads?: readonly string[];
}

/** The answer when a named upload is missing, incomplete or already attached (nothing stored). */
export const UPLOADS_REFUSED = 'an attached file is missing, incomplete or already used: your message was NOT stored; please upload it again';

export async function acceptEnvelope(store: TipStore, envelopeText: string, limits: IntakeLimits): Promise<{ receipt: string }> {
  const bytes = fromBase64Url(envelopeText);
  if (!bytes) throw new HttpError(400, 'envelope must be base64url without padding');
  return acceptEnvelopeBytes(store, bytes, limits);
}

/** The same intake for an envelope already in bytes (the no-JavaScript path seals it on the server). */
export async function acceptEnvelopeBytes(store: TipStore, bytes: Uint8Array, limits: IntakeLimits): Promise<{ receipt: string }> {
  try {
    parseEnvelope(bytes, limits);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new HttpError(400, `invalid envelope: ${err.message}`);
    throw err;
  }
  try {
    await store.add(bytes, limits.uploads);
  } catch (err) {
    if (err instanceof UploadLinkError) throw new HttpError(409, UPLOADS_REFUSED);
    throw storageError(err);
  }
  return { receipt: await receiptFor(bytes) };
}
