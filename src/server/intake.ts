// Taking in one envelope, the same for tips and follow-ups: decode, check its structure
// without any key, store it durably, answer with its receipt. Every failure is an HttpError
// with a fixed message; nothing is stored unless every check passed.
import { fromBase64Url } from '../crypto/bytes.js';
import { EnvelopeError, parseEnvelope, type Kind } from '../crypto/envelope.js';
import { receiptFor } from '../crypto/receipt.js';
import { HttpError, storageError } from './errors.js';
import type { TipStore } from './store/tips.js';

export interface IntakeLimits {
  kind: Kind;
  recipients: number;
  maxPaddedLength: number;
}

export async function acceptEnvelope(store: TipStore, envelopeText: string, limits: IntakeLimits): Promise<{ receipt: string }> {
  const bytes = fromBase64Url(envelopeText);
  if (!bytes) throw new HttpError(400, 'envelope must be base64url without padding');
  try {
    parseEnvelope(bytes, limits);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new HttpError(400, `invalid envelope: ${err.message}`);
    throw err;
  }
  try {
    await store.add(bytes);
  } catch (err) {
    throw storageError(err);
  }
  return { receipt: await receiptFor(bytes) };
}
