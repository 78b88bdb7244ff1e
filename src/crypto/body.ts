// The JSON body inside an envelope (docs/PROTOCOL.md, "Body"). Members this version does not
// know are kept and ignored, so later versions can add members without a format break; the
// members it does know are checked strictly.
import { fromUtf8, utf8 } from './bytes.js';

export const BODY_VERSION = 1;
export const MAX_MESSAGE_CHARS = 100_000;

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

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export function encodeBody(body: Body): Uint8Array {
  return utf8(JSON.stringify(validateBody(body)));
}

export function decodeBody(bytes: Uint8Array): Body {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new BodyError('the body is not UTF-8 JSON');
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
    check(isObject(value.reply) && isString(value.reply.mailbox) && isString(value.reply.kemPublicKey), 'reply must be {mailbox, kemPublicKey}');
  }
  if (value.mailbox !== undefined) check(isString(value.mailbox) && /^[0-9a-f]{32}$/.test(value.mailbox), 'mailbox must be 32 lowercase hex digits');
  if (value.editor !== undefined) check(isString(value.editor), 'editor must be a string');
  if (value.signature !== undefined) check(isString(value.signature), 'signature must be a string');
  if (value.files !== undefined) {
    check(Array.isArray(value.files), 'files must be a list');
    for (const file of value.files) {
      check(
        isObject(file) && isString(file.upload) && isString(file.name) && isString(file.type) && isCount(file.size) &&
          isString(file.key) && isString(file.cipher) && isCount(file.chunkSize),
        'each file must be {upload, name, type, size, key, cipher, chunkSize}',
      );
    }
  }
  return value as Body;
}
