// The JSON body inside an envelope (docs/PROTOCOL.md, "Body"). Members this version does not
// know are kept and ignored, so later versions can add members without a format break; the
// members it does know are checked strictly.
import { concat, utf8 } from './bytes.js';
import { JsonError, parseJsonStrict } from './json.js';
import { TiplineError } from '../shared/errors.js';

export const BODY_VERSION = 1;
export const MAX_MESSAGE_CHARS = 100_000;
/**
 * The text of a body (message and field strings, as encoded) counts as at least this many
 * bytes: a shorter text is made up with spaces after the JSON, so that every tip of up to
 * 2 KiB of text has the same length whatever else the body holds (docs/PROTOCOL.md, "Padding").
 */
export const TEXT_FLOOR_BYTES = 2048;

export type FieldValue = string | number | string[];

export interface FileRef {
  /** Server-side upload id of the encrypted file. */
  upload: string;
  name: string;
  type: string;
  size: number;
  /** base64url secret key of the file's encryption. */
  key: string;
  cipher: string;
  chunkSize: number;
  metadataStripped?: string[];
}

export interface Body {
  v: 1;
  message: string;
  /** The sender's own clock, ISO 8601; the server never records a time of day. */
  clientTime: string;
  /** The language the sender used, e.g. "ru". */
  lang?: string;
  /** Structured form: which form and which version of it the fields follow. */
  form?: { id: string; version: number };
  fields?: Record<string, FieldValue>;
  /** Present on tips from the no-JavaScript fallback, which the server sealed. */
  sealedByServer?: boolean;
  /** Conversations: where and to which key the editors can reply. */
  reply?: { mailbox: string; kemPublicKey: string; signPublicKey?: string };
  /** Replies (kind reply): the mailbox of the conversation this reply belongs to. */
  mailbox?: string;
  /** Attachments, each encrypted separately under its own key. */
  files?: FileRef[];
  /** Replies: the base64url Ed25519 signing key of the editor who signed it (src/crypto/signing.ts). */
  editor?: string;
  /** Signed bodies: base64url Ed25519 signature, always the last member (src/crypto/signing.ts). */
  signature?: string;
  [unknown: string]: unknown;
}

export class BodyError extends TiplineError {
  override name = 'BodyError';
}

/**
 * The body's bytes: JSON, then spaces up to the text floor. Lone surrogates (which a textarea
 * can hold) become U+FFFD, as a UTF-8 encoder would make them, so readers never see one.
 */
export function encodeBody(body: Body): Uint8Array {
  const json = JSON.stringify(validateBody(body), (_name, value: unknown) => (typeof value === 'string' ? value.replace(/\p{Cs}/gu, '\ufffd') : value));
  const bytes = utf8(json);
  const filler = TEXT_FLOOR_BYTES - textBytes(JSON.parse(json) as Body);
  return filler > 0 ? concat(bytes, new Uint8Array(filler).fill(0x20)) : bytes;
}

/** Bytes the message and the fields' strings take in the encoded JSON (without their quotes). */
export function textBytes(body: Body): number {
  const strings: string[] = [body.message];
  for (const value of Object.values(body.fields ?? {})) {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) strings.push(...value);
  }
  return strings.reduce((sum, s) => sum + utf8(JSON.stringify(s)).length - 2, 0);
}

export function decodeBody(bytes: Uint8Array): Body {
  let value: unknown;
  try {
    value = parseJsonStrict(bytes);
  } catch (err) {
    throw new BodyError(`the body is not UTF-8 JSON: ${err instanceof JsonError ? err.message : 'not valid JSON'}`);
  }
  return validateBody(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new BodyError(message);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function validateBody(value: unknown): Body {
  check(isObject(value), 'the body is not a JSON object');
  check(value.v === BODY_VERSION, `unsupported body version ${String(value.v)}`);
  check(isString(value.message) && value.message.length <= MAX_MESSAGE_CHARS, 'message must be a string of at most 100000 characters');
  check(isString(value.clientTime) && value.clientTime.length <= 64, 'clientTime must be a short string');
  if (value.lang !== undefined) check(isString(value.lang) && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value.lang), 'lang must be a language tag');
  if (value.form !== undefined) {
    check(isObject(value.form) && isString(value.form.id) && isCount(value.form.version), 'form must be {id, version}');
  }
  if (value.fields !== undefined) {
    check(isObject(value.fields), 'fields must be an object');
    for (const [name, field] of Object.entries(value.fields)) {
      const ok = isString(field) || (typeof field === 'number' && Number.isFinite(field)) || (Array.isArray(field) && field.every(isString));
      check(ok, `field "${name}" must be a string, a number or a list of strings`);
    }
  }
  if (value.sealedByServer !== undefined) check(typeof value.sealedByServer === 'boolean', 'sealedByServer must be a boolean');
  if (value.reply !== undefined) {
    check(isObject(value.reply) && isString(value.reply.mailbox) && isString(value.reply.kemPublicKey), 'reply must be {mailbox, kemPublicKey, signPublicKey}');
    // Without signPublicKey the body is still read, but nobody can answer it: the reply tool
    // cannot check the mailbox id against the keys, and refuses (docs/PROTOCOL.md, "Reader rules").
    if (value.reply.signPublicKey !== undefined) check(isString(value.reply.signPublicKey), 'reply.signPublicKey must be a string');
  }
  if (value.mailbox !== undefined) check(isString(value.mailbox) && /^[0-9a-f]{32}$/.test(value.mailbox), 'mailbox must be 32 lowercase hex digits');
  if (value.editor !== undefined) check(isString(value.editor), 'editor must be a string');
  if (value.signature !== undefined) check(isString(value.signature), 'signature must be a string');
  if (value.files !== undefined) {
    check(Array.isArray(value.files), 'files must be a list');
    for (const file of value.files) {
      check(
        isObject(file) && isString(file.upload) && isString(file.name) && isString(file.type) && isCount(file.size) && isString(file.key) && isString(file.cipher) && isCount(file.chunkSize),
        'each file must be {upload, name, type, size, key, cipher, chunkSize}',
      );
    }
  }
  return value as Body;
}
