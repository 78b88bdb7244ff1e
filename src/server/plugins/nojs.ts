// The no-JavaScript fallback (docs/PROTOCOL.md, "Tips sealed by the server"):
//
//   POST /nojs/tip      a plain HTML form post (multipart/form-data): the server seals the tip
//                       on arrival with the same envelope format and editor keys, marks the
//                       body `sealedByServer`, stores it through the one intake path and
//                       answers with an HTML page showing the receipt (and, when
//                       conversations exist, a new return passphrase, shown once, never stored).
//                       Files (input `files`) are encrypted chunk by chunk as they stream in,
//                       each with a fresh key, into the upload store, exactly as the browser
//                       would have sent them; their metadata is NOT stripped (the server cannot
//                       parse every file type, and streaming keeps memory constant).
//   POST /nojs/mailbox  the return passphrase (and optionally a follow-up message, with files)
//                       in one form post: the keys are derived in memory, the replies decrypted
//                       on the server and rendered, a follow-up sealed like a tip. No cookie, no
//                       session: every request carries the passphrase and is complete in itself.
//
// Plaintext lives in memory for the request only: the form is parsed by a streaming parser into
// strings (never a temporary file; a file's plaintext exists one 1 MiB chunk at a time), byte
// buffers we own are zeroed after use, and no error,
// log line or answer ever quotes what was posted. Proof of work needs JavaScript, so instead
// these routes share one global token bucket (503 when empty) and a hard size limit (413),
// both checked before the body is read. TIPLINE_NOJS=off answers 410 without reading it.
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_CHUNK_CIPHERTEXT_BYTES, FILE_CHUNK_SIZE, FILE_CIPHER, FileStreamEncryptor, chunkCiphertextLength, fileChunkCount, generateFileKey, importFileKey } from '../../crypto/attachment.js';
import { encodeBody, MAX_MESSAGE_CHARS, type Body, type FileRef } from '../../crypto/body.js';
import { toBase64Url } from '../../crypto/bytes.js';
import { DEFAULT_MAX_PADDED_LENGTH, openEnvelope, sealEnvelope } from '../../crypto/envelope.js';
import { checkReplyBody, signBody } from '../../crypto/signing.js';
import { PassphraseTypo, canonicalPassphrase, mailboxKeys, newPassphrase, wipeMailboxKeys, type MailboxKeys } from '../../crypto/mailbox.js';
import { MAILBOX_PATH, NOJS_MAILBOX_PATH, NOJS_TIP_PATH } from '../../views/contract.js';
import { renderNojsError, renderNojsMailbox, renderNojsReceived, type NojsReply } from '../../views/nojs-page.js';
import type { PageAsset } from '../../views/page.js';
import { format, strings, withLang } from '../../i18n/index.js';
import { formatBytes } from '../../i18n/sizes.js';
import { HttpError, storageError } from '../errors.js';
import { acceptEnvelopeBytes } from '../intake.js';
import type { MailboxStore } from '../store/mailboxes.js';
import { parseFormInputs, type FieldValues } from '../../forms/fields.js';
import { pageForm } from '../../forms/render.js';
import { PROTOCOL_INPUT_RE, checkRelations, parseProtocolInputs, relationMessage } from '../../forms/protocol-form.js';
import type { Protocol } from '../../forms/protocol.js';
import { textFor, type FormSchema } from '../../forms/schema.js';
import type { TipStore } from '../store/tips.js';
import type { UploadStore } from '../store/uploads.js';
import { defaultOf } from '../settings.js';

/** The largest form accepted: a message of MAX_MESSAGE_CHARS UTF-16 units is at most 3 bytes each in UTF-8 (300 000), plus the structured form's fields and the multipart framing. */
export const NOJS_MAX_BODY_BYTES = 512 * 1024;
/** Inputs one form post may carry (a structured form's multiple choices count one each). */
const MAX_INPUTS = 512;
export const DEFAULT_NOJS_BURST = defaultOf('TIPLINE_NOJS_BURST');
export const DEFAULT_NOJS_PER_HOUR = defaultOf('TIPLINE_NOJS_PER_HOUR');
/** Files without JavaScript: each file, and all files of one post together, at most this (100 MiB). */
export const DEFAULT_NOJS_MAX_FILE_BYTES = defaultOf('TIPLINE_NOJS_MAX_FILE_BYTES');
/** The form input that carries files. */
const FILES_INPUT = 'files';
const FIELDS = new Set(['message', 'passphrase', 'lang', 'form.id', 'form.version']);
/** A structured form's inputs (src/forms: `field.<name>`); the only names that may repeat. */
const FIELD_INPUT_RE = /^field\.[a-z][A-Za-z0-9]{0,39}$/;
const LANG_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export interface NojsConfig {
  enabled: boolean;
  /** Token bucket shared by every no-JS request: at most `burst` at once, refilled at `perHour`. */
  burst: number;
  perHour: number;
  /** The largest file, and the most bytes of all files of one post together (TIPLINE_NOJS_MAX_FILE_BYTES). */
  maxFileBytes: number;
}

/** A global token bucket: no per-client state (the server never knows who is who). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly perHour: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 3_600_000) * this.perHour);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface NojsOptions extends NojsConfig {
  /** The editors' X-Wing public keys, in the same order as on the page. */
  recipients: Uint8Array[];
  /** The editors' signing keys: a reply is shown only when one of them signed it. */
  editorSignKeys: Uint8Array[];
  store: TipStore;
  /** Conversations: present when the app has a database (buildApp's `db`). */
  mailboxes?: MailboxStore;
  /** Attachments: present when the app has a database; files are refused without it. */
  uploads?: UploadStore;
  /** Files one post may carry (TIPLINE_MAX_FILES); 0 refuses files. */
  maxFiles?: number;
  /** Files are refused when they could leave less than this free on the disk (TIPLINE_MIN_FREE_BYTES). */
  minFreeBytes: number;
  /** The stylesheet the other pages use, with its SRI. */
  style: PageAsset;
  /** The structured form (TIPLINE_FORM) the page shows; its fields go into `body.form`/`fields`. */
  form?: FormSchema;
  maxPaddedLength?: number;
  now?: () => number;
}

/** A refusal shown as a page; `text` is one of our own strings, never the input. */
class NojsRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly text: string,
  ) {
    super('no-JS request refused');
    this.name = 'NojsRefusal';
  }
}

/** A file the server encrypted and stored as one complete upload; `key` is zeroed once sealed. */
interface StoredFile {
  upload: string;
  name: string;
  type: string;
  size: number;
  key: Uint8Array;
}

/** Every value posted under each input name, in order; and the files stored from the post. */
class Form extends Map<string, string[]> {
  files: StoredFile[] = [];
}

/** Where a post's files go: only the tip route, only with a database, only up to the limits. */
interface FileSink {
  uploads: UploadStore;
  maxFiles: number;
  maxFileBytes: number;
  /** New files are refused when they could leave less than this free on the disk (TIPLINE_MIN_FREE_BYTES). */
  minFreeBytes: number;
}

/** A file's name as the browser sent it, without any folder (old browsers sent the full path), at most 255 characters. */
function fileName(raw: string): string {
  const base = raw.slice(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1);
  return [...base].slice(0, 255).join('');
}

/** A media type as sent, when it looks like one; otherwise the neutral one. */
function mediaType(raw: string): string {
  const type = raw.trim().toLowerCase();
  return type.length <= 127 && /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream';
}

/**
 * Encrypts one file part as it streams in (src/crypto/attachment.ts FileStreamEncryptor, the
 * browser worker's chunk encryption: aes-256-gcm-chunked-1 with a fresh key, Padmé padding)
 * and stores it as one upload. At most one chunk of plaintext is held, in a buffer zeroed
 * at the end. `created` learns the upload id at once, so a failure anywhere can delete it;
 * `budget` counts the bytes all files of the post may still use.
 */
async function storeFile(
  stream: Readable,
  sink: FileSink,
  created: (id: string) => void,
  budget: { left: number },
  tooLarge: () => Error,
  noRoom: () => Error,
): Promise<{ upload: string; size: number; key: Uint8Array }> {
  const rawKey = generateFileKey();
  let encryptor: FileStreamEncryptor | undefined;
  try {
    encryptor = new FileStreamEncryptor(await importFileKey(rawKey));
    // Room for the largest file this post may still carry, as the uploads API checks it.
    const reserved = fileChunkCount(sink.maxFileBytes);
    if (!sink.uploads.hasRoomFor(reserved * FILE_CHUNK_CIPHERTEXT_BYTES, sink.minFreeBytes)) throw noRoom();
    const upload = sink.uploads.create(reserved, FILE_CHUNK_CIPHERTEXT_BYTES);
    created(upload);
    const put = (index: number, ciphertext: Uint8Array) => {
      if (sink.uploads.put(upload, index, ciphertext) !== 'stored') throw new Error('the upload store refused a chunk');
    };
    for await (const data of stream as AsyncIterable<Buffer>) {
      budget.left -= data.length;
      if (encryptor.size + data.length > sink.maxFileBytes || budget.left < 0) throw tooLarge();
      await encryptor.push(data, put);
    }
    if ((stream as Readable & { truncated?: boolean }).truncated) throw tooLarge();
    // The size is known: the rest of the file and its padding, the last chunk marked final.
    const size = encryptor.size;
    await encryptor.finish((index, ciphertext, last) => {
      if (last && !sink.uploads.reshape(upload, index + 1, chunkCiphertextLength(size, index))) throw new Error('the upload could not be completed');
      put(index, ciphertext);
    });
    return { upload, size, key: rawKey };
  } catch (err) {
    rawKey.fill(0);
    throw err;
  } finally {
    encryptor?.wipe();
  }
}

/**
 * Streams a multipart form into at most a few named strings, in memory, within the byte
 * limits, and (when `sink` is given) its files into the upload store. On any failure every
 * upload this post created is deleted before the promise rejects.
 */
function parseMultipart(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream,
  refuse: (status: number, lang?: string, files?: boolean) => NojsRefusal,
  sink: FileSink | undefined,
  maxBytes: number,
): Promise<Form> {
  return new Promise((resolve, reject) => {
    const form = new Form();
    const created: string[] = [];
    const tasks: Promise<unknown>[] = [];
    const streams: Readable[] = [];
    const budget = { left: sink?.maxFileBytes ?? 0 };
    let settled = false;
    const discard = () => {
      for (const file of form.files) file.key.fill(0);
      for (const id of created) {
        try {
          sink?.uploads.discard(id);
        } catch {
          // left to the stale-upload purge (TIPLINE_UPLOAD_TTL_HOURS)
        }
      }
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      form.clear();
      payload.unpipe();
      payload.resume();
      for (const stream of streams) stream.destroy();
      // Only once every file task has stopped, so none stores a chunk after the deletion.
      void Promise.allSettled(tasks).then(() => {
        discard();
        reject(err);
      });
    };
    let parser: BusboyInstance;
    try {
      parser = Busboy({
        headers: request.headers as { 'content-type': string },
        defCharset: 'utf8',
        limits: {
          // A protocol form's vote inputs: `field.<name>.vote.<candidate id of up to 64>`.
          fieldNameSize: 128,
          fieldSize: NOJS_MAX_BODY_BYTES,
          fields: MAX_INPUTS,
          files: sink?.maxFiles ?? 0,
          fileSize: sink?.maxFileBytes ?? 0,
          parts: MAX_INPUTS,
          headerPairs: 8,
        },
      });
    } catch {
      reject(refuse(400));
      return;
    }
    let received = 0;
    let fieldBytes = 0;
    // Files keep the order they were posted in, whichever finishes first.
    let fileCount = 0;
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) fail(refuse(413, undefined, received > NOJS_MAX_BODY_BYTES && !!sink));
    });
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      fieldBytes += name.length + value.length;
      if (nameTruncated || valueTruncated || fieldBytes > NOJS_MAX_BODY_BYTES) return fail(refuse(413));
      if (FIELDS.has(name) ? form.has(name) : !FIELD_INPUT_RE.test(name) && !PROTOCOL_INPUT_RE.test(name)) return fail(refuse(400));
      form.set(name, [...(form.get(name) ?? []), value]);
    });
    parser.on('file', (name, stream, filename, _encoding, mimeType) => {
      if (!sink || name !== FILES_INPUT || settled) {
        stream.resume();
        return fail(refuse(400));
      }
      // A file input with nothing chosen posts one empty part without a name.
      if (!filename) {
        stream.resume();
        return;
      }
      streams.push(stream);
      const position = fileCount++;
      const task = storeFile(
        stream,
        sink,
        (id) => created.push(id),
        budget,
        () => refuse(413, undefined, true),
        () => refuse(507),
      ).then(
        (stored) => {
          if (settled) stored.key.fill(0);
          else form.files[position] = { ...stored, name: fileName(filename), type: mediaType(mimeType) };
        },
        (err: Error) => {
          if (!(err instanceof NojsRefusal) && !settled) {
            // Only the error's class and code: its message could hold anything.
            request.log.error({ err: { type: err.name, code: (err as { code?: string }).code } }, 'no-JS file could not be stored');
          }
          fail(err instanceof NojsRefusal ? err : refuse(500));
        },
      );
      tasks.push(task);
    });
    // More files than allowed; where no file is allowed at all, a damaged form.
    parser.on('filesLimit', () => fail(refuse(400, undefined, !!sink)));
    parser.on('fieldsLimit', () => fail(refuse(400)));
    parser.on('partsLimit', () => fail(refuse(400)));
    // The parser's own errors may quote the input: replaced by a fixed refusal.
    parser.on('error', () => fail(refuse(400)));
    parser.on('finish', () => {
      if (settled) return;
      void Promise.all(tasks).then(() => {
        if (settled) return;
        settled = true;
        resolve(form);
      });
    });
    payload.on('error', () => fail(refuse(400)));
    // The client went away before the form ended.
    payload.on('close', () => {
      if ((payload as unknown as IncomingMessage).complete === false) fail(refuse(400));
    });
    payload.pipe(parser);
  });
}

export default async function nojsPlugin(app: FastifyInstance, options: NojsOptions): Promise<void> {
  const maxPadded = options.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;
  const bucket = new TokenBucket(options.burst, options.perHour, options.now ?? Date.now);
  const langOf = (request: FastifyRequest): string | undefined => {
    const lang = request.body instanceof Map ? (request.body as Form).get('lang')?.[0] : undefined;
    return lang && LANG_RE.test(lang) ? lang : undefined;
  };
  const backTo = (request: FastifyRequest) => withLang(request.url.startsWith(NOJS_MAILBOX_PATH) ? MAILBOX_PATH : '/', strings(langOf(request)).lang);
  const page = (reply: FastifyReply, status: number, html: string) => {
    reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return reply.send(html);
  };
  const sink: FileSink | undefined =
    options.uploads && (options.maxFiles ?? 0) > 0 ? { uploads: options.uploads, maxFiles: options.maxFiles!, maxFileBytes: options.maxFileBytes, minFreeBytes: options.minFreeBytes } : undefined;
  /** The routes that take files: a tip, and a follow-up from the mailbox (with conversations). */
  const takesFiles = (url: string | undefined) => url === NOJS_TIP_PATH || (url === NOJS_MAILBOX_PATH && !!options.mailboxes);
  /** The most bytes a post to `url` may have: the form, and on the routes that take them the files. */
  const maxBytesFor = (url: string | undefined) => NOJS_MAX_BODY_BYTES + (sink && takesFiles(url) ? sink.maxFileBytes : 0);
  const refusal = (status: number, lang?: string, files = false): NojsRefusal => {
    const s = strings(lang);
    const text = files
      ? format(s.nojsErrorFiles, { max: sink?.maxFiles ?? 0, size: formatBytes(sink?.maxFileBytes ?? 0) }, s.lang)
      : status === 413
        ? s.nojsErrorTooLarge
        : status === 503
          ? s.nojsErrorBusy
          : status === 410
            ? s.nojsErrorOff
            : status >= 500
              ? s.nojsErrorStorage
              : s.nojsErrorForm;
    return new NojsRefusal(status, text);
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    const files = takesFiles(request.routeOptions.url) ? sink : undefined;
    parseMultipart(request, payload, refusal, files, maxBytesFor(request.routeOptions.url)).then(
      (form) => done(null, form),
      (err: Error) => done(err, undefined),
    );
  });

  // Every refusal, ours or the framework's, is a page; nothing in it comes from the request.
  app.setErrorHandler((error, request, reply) => {
    const s = strings(langOf(request));
    let status = 400;
    let text = s.nojsErrorForm;
    if (error instanceof NojsRefusal) {
      status = error.statusCode;
      text = error.text;
      if (status === 503) reply.header('retry-after', '300');
    } else if (error instanceof HttpError) {
      status = error.statusCode;
      text = status === 507 || status === 503 ? s.nojsErrorStorage : s.nojsErrorForm;
    } else if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
    } else if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      text = s.nojsErrorTooLarge;
    } else if (!(typeof (error as { statusCode?: number }).statusCode === 'number' && (error as { statusCode: number }).statusCode < 500)) {
      status = 500;
      text = s.nojsErrorStorage;
      // Only the error's class and code: its message could hold anything.
      reply.log.error({ err: { type: (error as Error).name, code: (error as { code?: string }).code } }, 'no-JS request failed');
    }
    return page(reply, status, renderNojsError({ lang: langOf(request), style: options.style, message: text, back: backTo(request) }));
  });

  // Before the body is read: switched off, over the size limit, or over the global rate.
  app.addHook('onRequest', async (request) => {
    if (!options.enabled) throw refusal(410);
    const length = Number(request.headers['content-length'] ?? 0);
    const max = maxBytesFor(request.routeOptions.url);
    if (Number.isFinite(length) && length > max) throw refusal(413, undefined, length > NOJS_MAX_BODY_BYTES && max > NOJS_MAX_BODY_BYTES);
    if (!bucket.take()) throw refusal(503);
  });

  const seal = async (kind: 'tip' | 'followUp', message: string, lang: string | undefined, mailbox?: MailboxKeys, fields?: FieldValues, files: StoredFile[] = [], protocol?: Protocol) => {
    const body: Body = { v: 1, message, clientTime: '', sealedByServer: true };
    // metadataStripped stays absent: the server strips nothing (docs/THREAT-MODEL.md, T27).
    if (files.length) {
      body.files = files.map((f): FileRef => ({ upload: f.upload, name: f.name, type: f.type, size: f.size, key: toBase64Url(f.key), cipher: FILE_CIPHER, chunkSize: FILE_CHUNK_SIZE }));
    }
    if (lang) body.lang = lang;
    if (fields && options.form) {
      body.form = { id: options.form.id, version: options.form.version };
      body.fields = fields;
    }
    if (protocol) body.protocol = protocol;
    if (mailbox) body.reply = { mailbox: mailbox.mailbox, kemPublicKey: toBase64Url(mailbox.kemPublicKey), signPublicKey: toBase64Url(mailbox.signPublicKey) };
    // With a mailbox, signed by its key like the page's script does (the server holds the derived keys for this request).
    const encoded = mailbox ? await signBody(kind, body, mailbox.signSecretKey) : encodeBody(body);
    try {
      const envelope = await sealEnvelope({ kind, recipients: options.recipients, body: encoded });
      const uploads = files.length ? { uploads: files.map((f) => f.upload) } : {};
      return await acceptEnvelopeBytes(options.store, envelope, { kind, recipients: options.recipients.length, maxPaddedLength: maxPadded, ...uploads });
    } finally {
      encoded.fill(0);
    }
  };
  const formOf = (request: FastifyRequest): Form => {
    if (!(request.body instanceof Map)) throw refusal(400);
    return request.body as Form;
  };
  // The structured form, checked exactly as the page's script checks it (src/forms/fields.ts).
  const fieldsOf = (form: Form, lang?: string): FieldValues | undefined => {
    const schema = options.form;
    // The form's file field (a structured form's evidence) names the uploads, as the page's script does.
    const evidence = schema?.fields.find((f) => f.type === 'file');
    const files = evidence && form.files.length ? { [evidence.name]: form.files.map((f) => f.upload) } : {};
    const posted = [...form.keys()].some((name) => name.startsWith('field.') || name.startsWith('form.'));
    if (!schema?.fields.length) {
      if (posted) throw refusal(400, lang);
      return undefined;
    }
    // A page rendered for another form (or version) than the server's: sent again from a fresh page.
    if (form.get('form.id')?.[0] !== schema.id || form.get('form.version')?.[0] !== String(schema.version)) throw refusal(400, lang);
    const { values, problems } = parseFormInputs(schema, (name) => form.get(name) ?? [], files);
    // A protocol form: the server computes the failed relations, as the page's script would.
    const parsed = parseProtocolInputs(schema, (name) => form.get(name) ?? [], values);
    problems.push(...parsed.problems);
    if (parsed.protocol) protocols.set(form, parsed.protocol);
    if (problems.length) {
      const page = pageForm(schema, lang);
      const text = problems
        .map((p) => format(p.code === 'required' ? page.errors.required : p.code === 'tooMany' ? page.errors.tooMany : page.errors.invalid, { label: page.labels[p.field] ?? p.field }, lang))
        .join(' ');
      throw new NojsRefusal(400, text);
    }
    return values;
  };
  /** The protocol fieldsOf parsed from a post, until the tip is sealed. */
  const protocols = new WeakMap<Form, Protocol>();
  /** The relations a sealed protocol failed, in plain words in `lang`, for the receipt page. */
  const mismatchOf = (protocol: Protocol | undefined, lang?: string): { heading: string; lines: string[] } | undefined => {
    const election = options.form?.election;
    if (!protocol?.failed.length || !election) return undefined;
    const words = pageForm(options.form!, lang).protocol!;
    const lines = checkRelations(protocol, election)
      .filter((r) => r.state === 'failed')
      .map((r) => relationMessage(words.relations[r.id] ?? r.id, r));
    return { heading: textFor('form.ui.protocol.sentMismatch', lang), lines };
  };
  const messageOf = (form: Form, required: boolean, lang?: string): string | undefined => {
    // A browser submits a textarea's line breaks as CRLF; the page's script sends its value, LF.
    const message = form.get('message')?.[0]?.replace(/\r\n?/g, '\n');
    const s = strings(lang);
    if (message === undefined && !required) return undefined;
    if (message === undefined || message.trim() === '') throw new NojsRefusal(400, s.errorEmpty);
    if (message.length > MAX_MESSAGE_CHARS) throw new NojsRefusal(413, format(s.errorTooLong, { max: MAX_MESSAGE_CHARS }, s.lang));
    return message;
  };

  /** After a post: file keys zeroed; files no stored message names (refused, or the store failed) deleted. */
  const releaseFiles = (form: Form, linked: boolean) => {
    for (const file of form.files) {
      file.key.fill(0);
      if (linked) continue;
      try {
        options.uploads?.discard(file.upload);
      } catch {
        // left to the stale-upload purge (TIPLINE_UPLOAD_TTL_HOURS)
      }
    }
  };

  app.post(NOJS_TIP_PATH, async (request, reply) => {
    const form = formOf(request);
    const lang = langOf(request);
    let linked = false;
    try {
      const message = messageOf(form, true, lang)!;
      if (form.has('passphrase')) throw refusal(400, lang);
      const fields = fieldsOf(form, lang);
      let passphrase: string | undefined;
      let keys: MailboxKeys | undefined;
      try {
        if (options.mailboxes) {
          // The SecureDrop model: the server makes the passphrase, shows it once, keeps only the
          // mailbox's public keys (exactly what the JavaScript path registers).
          passphrase = await newPassphrase();
          keys = await mailboxKeys(passphrase);
          try {
            options.mailboxes.create({ id: keys.mailbox, signPublicKey: keys.signPublicKey, kemPublicKey: keys.kemPublicKey });
          } catch (err) {
            throw storageError(err);
          }
        }
        const protocol = protocols.get(form);
        const { receipt } = await seal('tip', message, lang, keys, fields, form.files, protocol);
        linked = true;
        const mismatch = mismatchOf(protocol, lang);
        return page(reply, 201, renderNojsReceived({ lang, style: options.style, receipt, ...(passphrase ? { passphrase } : {}), ...(mismatch ? { mismatch } : {}) }));
      } finally {
        if (keys) wipeMailboxKeys(keys);
      }
    } finally {
      form.clear();
      releaseFiles(form, linked);
    }
  });

  app.post(NOJS_MAILBOX_PATH, async (request, reply) => {
    const form = formOf(request);
    const lang = langOf(request);
    const s = strings(lang);
    let linked = false;
    try {
      if (!options.mailboxes) throw new NojsRefusal(404, s.errorLogin);
      const typed = form.get('passphrase')?.[0] ?? '';
      if ([...form.keys()].some((name) => name.startsWith('field.') || name.startsWith('form.'))) throw refusal(400, lang);
      let keys: MailboxKeys;
      try {
        keys = await mailboxKeys(typed);
      } catch (err) {
        if (!(err instanceof PassphraseTypo)) throw err;
        const text =
          err.reason === 'count'
            ? format(s.typoCount, { count: typed.split(/\s+/).filter(Boolean).length }, s.lang)
            : err.reason === 'word'
              ? format(s.typoWord, { n: err.word ?? 0 }, s.lang)
              : s.typoChecksum;
        throw new NojsRefusal(400, text);
      }
      try {
        const mailbox = options.mailboxes.get(keys.mailbox);
        if (!mailbox) throw new NojsRefusal(401, s.errorLogin);
        const message = messageOf(form, false, lang);
        // Files come only with a follow-up message (the follow-up form's textarea is required).
        if (message === undefined && form.files.length) throw refusal(400, lang);
        const sent = message !== undefined ? (await seal('followUp', message, lang, keys, undefined, form.files)).receipt : undefined;
        linked = sent !== undefined;
        try {
          options.mailboxes.used(mailbox.id);
        } catch {
          // retention bookkeeping only
        }
        const replies: NojsReply[] = [];
        for (const stored of options.mailboxes.replies(mailbox.id)) {
          try {
            const opened = await openEnvelope(stored.envelope, keys.kemSeed, { kind: 'reply' });
            try {
              // The same check as the page's script: signed by a pinned editor key, for this mailbox.
              const check = await checkReplyBody(opened.body, mailbox.id, options.editorSignKeys);
              replies.push(check.ok ? { message: check.body.message } : { message: '', unverified: true });
            } finally {
              opened.body.fill(0);
            }
          } catch {
            replies.push({ message: '', unreadable: true });
          }
        }
        // The canonical words go back into the follow-up form (the page is never cached).
        const words = canonicalPassphrase(typed);
        return page(
          reply,
          sent ? 201 : 200,
          renderNojsMailbox({ lang, style: options.style, passphrase: words, replies, ...(sent ? { sentReceipt: sent } : {}), ...(sink ? { files: { maxFileBytes: sink.maxFileBytes } } : {}) }),
        );
      } finally {
        wipeMailboxKeys(keys);
      }
    } finally {
      form.clear();
      releaseFiles(form, linked);
    }
  });
}
