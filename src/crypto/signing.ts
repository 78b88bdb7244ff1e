// Signed statements (docs/PROTOCOL.md, "Signatures"). One Ed25519 key may sign several kinds
// of statement, so every signature is over a context string that names the purpose:
//
//   message = context || 0x00 || statement bytes
//
// No context is a prefix of another once its 0x00 terminator is added, and none starts like
// the mailbox key's login/create messages ("tipline mailbox v1 …"), so a signature made for
// one purpose never verifies as another.
//
// A signed JSON object (a reply's or a follow-up's body, an acknowledgement) carries its
// signature as its LAST member, written by appending text to the unsigned object:
//
//   unsigned = the JSON text of the object, ending in "}"
//   signed   = unsigned[0 : len−1] || ',"signature":"' || base64url(64-byte signature) || '"}'
//
// Spaces after the closing brace (the body's text-floor padding) are not part of the
// statement: they stay after the signed text, and a reader strips them first.
// A reader recovers the exact unsigned bytes by removing that fixed-length suffix, so the
// signature covers every byte of the statement with no canonical-JSON rules to agree on.
import { decodeBody, encodeBody, type Body } from './body.js';
import { concat, equalBytes, fromBase64Url, toBase64Url, utf8 } from './bytes.js';
import { SIGN_PUBLIC_KEY_BYTES, XWING_PUBLIC_KEY_BYTES } from './keys.js';
import { mailboxId } from './mailbox.js';
import { loadSodium, type Sodium } from './sodium.js';

export const SIGNATURE_BYTES = 64;
const SIGNATURE_TEXT_CHARS = 86; // base64url of 64 bytes, no padding
const SUFFIX_HEAD = utf8(',"signature":"');
const SUFFIX_TAIL = utf8('"}');
const SUFFIX_BYTES = SUFFIX_HEAD.length + SIGNATURE_TEXT_CHARS + SUFFIX_TAIL.length;

/** The purposes, each with its own context; the desk's events will add theirs here. */
export const CONTEXTS = {
  /** An editor's reply to a source (editor signing key). */
  reply: 'tipline reply v1',
  /** A source's first tip of a mailbox (mailbox signing key). */
  tip: 'tipline tip v1',
  /** A source's follow-up (mailbox signing key). */
  followUp: 'tipline follow-up v1',
  /** An editor's acknowledgement of imported records (editor signing key). */
  ack: 'tipline ack v1',
  /** An editor's desk event (editor signing key; src/crypto/desk-event.ts). */
  deskEvent: 'tipline desk event v1',
  /** The seal of a desk export for a colleague (editor signing key; src/crypto/desk-seed.ts). */
  deskSeed: 'tipline desk seed v1',
} as const;
export type SigningPurpose = keyof typeof CONTEXTS;

export function signingMessage(purpose: SigningPurpose, statement: Uint8Array): Uint8Array {
  return concat(utf8(CONTEXTS[purpose]), Uint8Array.of(0), statement);
}

/** Where a JSON text ends before the spaces (0x20) that pad it (docs/PROTOCOL.md, "Body": the text floor). */
function endOfJson(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x20) end--;
  return end;
}

/**
 * Appends the signature member to a JSON object's text (which must end in "}" and not be "{}").
 * Spaces after the closing brace are padding, not part of the statement: the signature covers
 * the text up to the brace, and the padding is kept after the signed text.
 */
export async function signJson(purpose: SigningPurpose, unsigned: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
  return signJsonWith(await loadSodium(), purpose, unsigned, secretKey);
}

/** signJson with libsodium already loaded: synchronous (a desk export signs its seal as the last line of a stream). */
export function signJsonWith(sodium: Sodium, purpose: SigningPurpose, unsigned: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const end = endOfJson(unsigned);
  if (end < 3 || unsigned[end - 1] !== 0x7d) throw new Error('a signed statement is a non-empty JSON object');
  const statement = unsigned.subarray(0, end);
  const signature = sodium.crypto_sign_detached(signingMessage(purpose, statement), secretKey);
  return concat(statement.subarray(0, end - 1), SUFFIX_HEAD, utf8(toBase64Url(signature)), SUFFIX_TAIL, unsigned.subarray(end));
}

/** Splits signed JSON text (padding spaces after it ignored) into the unsigned text and the signature; undefined when it carries none. */
export function splitSignedJson(padded: Uint8Array): { unsigned: Uint8Array; signature: Uint8Array } | undefined {
  const signed = padded.subarray(0, endOfJson(padded));
  if (signed.length <= SUFFIX_BYTES + 2) return undefined;
  const at = signed.length - SUFFIX_BYTES;
  for (let i = 0; i < SUFFIX_HEAD.length; i++) if (signed[at + i] !== SUFFIX_HEAD[i]) return undefined;
  const end = signed.length - SUFFIX_TAIL.length;
  if (signed[end] !== SUFFIX_TAIL[0] || signed[end + 1] !== SUFFIX_TAIL[1]) return undefined;
  let text = '';
  for (let i = at + SUFFIX_HEAD.length; i < end; i++) text += String.fromCharCode(signed[i]!);
  const signature = fromBase64Url(text);
  if (!signature || signature.length !== SIGNATURE_BYTES) return undefined;
  return { unsigned: concat(signed.subarray(0, at), Uint8Array.of(0x7d)), signature };
}

/** Ed25519 verification of a signature for `purpose`; false (never an exception) for anything malformed. */
export async function verifyStatement(purpose: SigningPurpose, statement: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== 32) return false;
  const sodium = await loadSodium();
  try {
    return sodium.crypto_sign_verify_detached(signature, signingMessage(purpose, statement), publicKey);
  } catch {
    return false;
  }
}

/** True when `signed` is JSON text carrying a valid signature for `purpose` by `publicKey`. */
export async function verifyJson(purpose: SigningPurpose, signed: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  const parts = splitSignedJson(signed);
  return parts !== undefined && verifyStatement(purpose, parts.unsigned, parts.signature, publicKey);
}

// ---- Signed bodies (inside envelopes) -------------------------------------------------------

/** A body, signed: the encoded body with the signature member appended (see above). */
export async function signBody(purpose: 'reply' | 'tip' | 'followUp', body: Body, secretKey: Uint8Array): Promise<Uint8Array> {
  if ('signature' in body) throw new Error('the body already has a signature member');
  return signJson(purpose, encodeBody(body), secretKey);
}

export type BodyCheck = { ok: true; body: Body; signer: Uint8Array } | { ok: false; reason: string; body?: Body };

function decoded(bytes: Uint8Array): Body | undefined {
  try {
    return decodeBody(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A reply as the source reads it: it must name this mailbox, name in `editor` one of the
 * pinned editor signing keys, and carry that key's signature (context "tipline reply v1").
 */
export async function checkReplyBody(bytes: Uint8Array, mailbox: string, editorSignKeys: Uint8Array[]): Promise<BodyCheck> {
  const body = decoded(bytes);
  if (!body) return { ok: false, reason: 'the reply is not a valid body' };
  if (body.mailbox !== mailbox) return { ok: false, reason: 'the reply names another mailbox', body };
  const parts = splitSignedJson(bytes);
  if (!parts) return { ok: false, reason: 'the reply is not signed', body };
  const editor = typeof body.editor === 'string' ? fromBase64Url(body.editor) : undefined;
  const pinned = editor && editorSignKeys.find((k) => equalBytes(k, editor));
  if (!pinned) return { ok: false, reason: 'the reply is not signed by an editor key of this tip line', body };
  if (!(await verifyStatement('reply', parts.unsigned, parts.signature, pinned))) return { ok: false, reason: "the reply's signature is wrong", body };
  return { ok: true, body, signer: pinned };
}

/**
 * A tip or follow-up that names a mailbox (`reply`), as the desk files it into a thread: the
 * mailbox id must be the hash of the two keys it names, and the body must carry the
 * signature of that mailbox's signing key for its kind ("tipline tip v1" / "tipline follow-up v1").
 */
export async function checkSourceBody(bytes: Uint8Array, kind: 'tip' | 'followUp'): Promise<BodyCheck> {
  const body = decoded(bytes);
  if (!body) return { ok: false, reason: 'not a valid body' };
  const reply = body.reply;
  if (!reply) return { ok: false, reason: 'it names no mailbox', body };
  const kem = fromBase64Url(reply.kemPublicKey);
  const sign = typeof reply.signPublicKey === 'string' ? fromBase64Url(reply.signPublicKey) : undefined;
  if (!kem || kem.length !== XWING_PUBLIC_KEY_BYTES || !sign || sign.length !== SIGN_PUBLIC_KEY_BYTES || (await mailboxId(sign, kem)) !== reply.mailbox) {
    return { ok: false, reason: 'it names a mailbox with keys that do not belong to it', body };
  }
  const parts = splitSignedJson(bytes);
  if (!parts) return { ok: false, reason: 'it is not signed by the mailbox key', body };
  if (!(await verifyStatement(kind, parts.unsigned, parts.signature, sign))) return { ok: false, reason: 'its mailbox signature is wrong', body };
  return { ok: true, body, signer: sign };
}
