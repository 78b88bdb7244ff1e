// Signed acknowledgements (docs/PROTOCOL.md, "Signed acknowledgements"). An editor's
// air-gapped machine says "these records were imported" by signing, with the editor signing
// key (context "tipline ack v1", src/crypto/signing.ts), one JSON statement in exactly this form:
//
//   {"v":1,"expires":"YYYY-MM-DD","editor":"<base64url signing public key>","ids":["<id>",…]}
//   followed by the signature member (signing.ts, "Signed JSON")
//
// `ids` are the record ids (32 lowercase hex digits), sorted, no duplicates, at least one;
// `expires` is the last UTC date on which a server accepts it. The bytes are canonical: a reader
// re-encodes what it parsed and refuses anything that differs, so an independent implementation
// produces and checks the same bytes. Pure: no I/O, no clock (dates are passed in).
import { equalBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.js';
import { SIGN_PUBLIC_KEY_BYTES } from './keys.js';
import { signJson, splitSignedJson, verifyStatement } from './signing.js';
import { CodedError } from '../shared/errors.js';

/** decrypt makes acknowledgements valid on the day they are signed and this many days after. */
export const ACK_VALID_DAYS = 3;
/** A server refuses an acknowledgement that expires more than this many days after its own date (a wrong clock). */
export const ACK_MAX_DAYS_AHEAD = 7;
/** At most this many ids in one acknowledgement. */
export const ACK_MAX_IDS = 250_000;

const ID_RE = /^[0-9a-f]{32}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface AckStatement {
  /** The last UTC date (YYYY-MM-DD) on which the acknowledgement is valid. */
  expires: string;
  /** The editor signing public key that signs it (32 bytes). */
  editor: Uint8Array;
  /** Record ids, sorted and unique. */
  ids: string[];
}

export class AckError extends CodedError<'malformed' | 'unknown-key' | 'signature' | 'expired' | 'too-far-ahead'> {
  override name = 'AckError';
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isAckDate(text: unknown): text is string {
  if (typeof text !== 'string' || !DATE_RE.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** `date` plus `days` days (UTC calendar dates, YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  if (!isAckDate(date)) throw new AckError('malformed', `not a date: ${JSON.stringify(String(date).slice(0, 20))}`);
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The unsigned statement's exact bytes (ids sorted, duplicates removed). */
export function encodeAckStatement(statement: AckStatement): Uint8Array {
  if (!isAckDate(statement.expires)) throw new AckError('malformed', 'expires must be a date written YYYY-MM-DD');
  if (statement.editor.length !== SIGN_PUBLIC_KEY_BYTES) throw new AckError('malformed', 'the editor signing public key is 32 bytes');
  const ids = [...new Set(statement.ids)].sort();
  if (ids.length === 0 || ids.length > ACK_MAX_IDS || !ids.every((id) => ID_RE.test(id))) {
    throw new AckError('malformed', `an acknowledgement names 1 to ${ACK_MAX_IDS} record ids of 32 lowercase hex digits`);
  }
  return utf8(`{"v":1,"expires":"${statement.expires}","editor":"${toBase64Url(statement.editor)}","ids":[${ids.map((id) => `"${id}"`).join(',')}]}`);
}

/** Signs an acknowledgement with an editor signing key pair (libsodium's 64-byte secret key; its public half names the editor). */
export async function signAck(ids: string[], expires: string, signer: { signPublicKey: Uint8Array; signSecretKey: Uint8Array }): Promise<Uint8Array> {
  return signJson('ack', encodeAckStatement({ expires, editor: signer.signPublicKey, ids }), signer.signSecretKey);
}

/** Reads a signed acknowledgement's statement and signature, without verifying it; AckError 'malformed' otherwise. */
export function parseAck(signed: Uint8Array): AckStatement & { unsigned: Uint8Array; signature: Uint8Array } {
  const parts = splitSignedJson(signed);
  if (!parts) throw new AckError('malformed', 'this is not a signed acknowledgement (decrypt writes one on the air-gapped machine)');
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(parts.unsigned));
  } catch {
    throw new AckError('malformed', 'this is not a signed acknowledgement (decrypt writes one on the air-gapped machine)');
  }
  const o = json as { v?: unknown; expires?: unknown; editor?: unknown; ids?: unknown };
  const editor = typeof o.editor === 'string' ? fromBase64Url(o.editor) : undefined;
  if (typeof json !== 'object' || json === null || o.v !== 1 || !isAckDate(o.expires) || !editor || !Array.isArray(o.ids) || !o.ids.every((id) => typeof id === 'string')) {
    throw new AckError('malformed', 'this is not a signed acknowledgement (decrypt writes one on the air-gapped machine)');
  }
  const statement = { expires: o.expires, editor, ids: o.ids as string[] };
  const canonical = encodeAckStatement(statement);
  if (!equalBytes(canonical, parts.unsigned)) {
    throw new AckError('malformed', 'the acknowledgement is not in its exact form (sorted unique ids, members in order, no spaces)');
  }
  return { ...statement, ...parts };
}

/**
 * A server's check: the acknowledgement is well formed, names as `editor` one of `editorSignKeys`
 * (the signing keys of TIPLINE_RECIPIENTS), carries that key's signature, and `today` (the
 * server's UTC date) is on or before `expires`, which is at most ACK_MAX_DAYS_AHEAD days away.
 * Returns the ids it names; throws AckError with a code and a message for the editor.
 */
export async function checkAck(signed: Uint8Array, editorSignKeys: Uint8Array[], today: string): Promise<{ ids: string[]; editor: Uint8Array; expires: string }> {
  const ack = parseAck(signed);
  const listed = editorSignKeys.find((k) => equalBytes(k, ack.editor));
  if (!listed) throw new AckError('unknown-key', 'the acknowledgement is not signed by an editor key of this tip line (TIPLINE_RECIPIENTS)');
  if (!(await verifyStatement('ack', ack.unsigned, ack.signature, listed))) throw new AckError('signature', "the acknowledgement's signature is wrong (it was altered after signing)");
  if (today > ack.expires) throw new AckError('expired', `the acknowledgement expired on ${ack.expires}: decrypt the bundle again on the air-gapped machine to sign a new one`);
  if (ack.expires > addDays(today, ACK_MAX_DAYS_AHEAD)) {
    throw new AckError(
      'too-far-ahead',
      `the acknowledgement expires on ${ack.expires}, more than ${ACK_MAX_DAYS_AHEAD} days after the server's date ${today}: is the air-gapped machine's clock right?`,
    );
  }
  return { ids: ack.ids, editor: ack.editor, expires: ack.expires };
}
