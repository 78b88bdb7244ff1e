// The editor API (docs/PROTOCOL.md, "Editor API"), for the editors' online workstations:
//
//   GET  /api/editor/records     tips and follow-ups not acknowledged yet, as a bundle (docs/BUNDLE.md)
//   POST /api/editor/ack         {"ids": [...]}: these records were imported (retention purges them sooner)
//   POST /api/editor/replies     a reply bundle: each reply is stored in its mailbox, all or none
//
// Every request is signed with a fetch key listed in TIPLINE_EDITORS (src/crypto/editor-request.ts).
// Unsigned, unknown key, stale (more than 5 minutes off), replayed or wrongly signed: the same
// 401 {"error":"unauthorized"}, after the same work. A signature is remembered until it
// would be stale anyway, so each signed request is accepted once.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromBase64Url } from '../../crypto/bytes.js';
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, MAX_SKEW_SECONDS, requestMessage } from '../../crypto/editor-request.js';
import { DEFAULT_MAX_PADDED_LENGTH, EnvelopeError, MAX_RECIPIENTS, parseEnvelope } from '../../crypto/envelope.js';
import { verify } from '../../crypto/mailbox.js';
import { loadSodium } from '../../crypto/sodium.js';
import { BundleError, bundleText, isRecordId, parseBundleStrict } from '../../offline/bundle.js';
import { HttpError, storageError } from '../errors.js';
import { UnknownMailboxError, type MailboxStore } from '../store/mailboxes.js';
import type { RecordStore } from '../store/records.js';

export const UNAUTHORIZED = 'unauthorized';
/** At most this many records, and about this many bytes of envelopes, per fetch; fetch again after ack. */
export const FETCH_MAX_RECORDS = 1000;
export const FETCH_MAX_BYTES = 24 * 1024 * 1024;
export const UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
const MAX_REMEMBERED = 100_000;

export interface EditorApiOptions {
  /** Fetch public keys (TIPLINE_EDITORS); with none, every request is refused. */
  fetchKeys: Uint8Array[];
  records: RecordStore;
  mailboxes: MailboxStore;
  maxPaddedLength?: number;
  /** Milliseconds since the epoch (tests move the clock). */
  now?: () => number;
}

export default async function editorApiPlugin(app: FastifyInstance, options: EditorApiOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sodium = await loadSodium();
  const dummyKey = sodium.crypto_sign_keypair().publicKey;
  const seen = new Map<string, number>();
  const maxPadded = options.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;

  // Bodies are kept as bytes: the signature covers their exact hash.
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', 'application/x-ndjson']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: UPLOAD_MAX_BYTES }, (_request, body, done) => done(null, body));
  }

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const keyText = header(HEADER_KEY) ?? '';
    const time = header(HEADER_TIME) ?? '';
    const nonce = header(HEADER_NONCE) ?? '';
    const signatureText = header(HEADER_SIGNATURE) ?? '';
    const publicKey = fromBase64Url(keyText);
    const signature = fromBase64Url(signatureText) ?? new Uint8Array(0);
    // Which listed key is it? Every listed key is compared, in constant time.
    let listed: Uint8Array | undefined;
    for (const key of options.fetchKeys) {
      if (publicKey && publicKey.length === key.length && sodium.memcmp(publicKey, key)) listed = key;
    }
    const body = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array(0);
    const message = await requestMessage(request.method, request.url, time, /^[A-Za-z0-9_-]{22}$/.test(nonce) ? nonce : '', body);
    // The signature check always runs (against a dummy key when the key is not listed).
    const signed = await verify(signature, message, listed ?? dummyKey);
    const nowSeconds = Math.floor(now() / 1000);
    const fresh = /^\d{1,12}$/.test(time) && Math.abs(Number(time) - nowSeconds) <= MAX_SKEW_SECONDS;
    const id = createHash('sha256').update(signature).digest('base64');
    const replayed = seen.has(id) && seen.get(id)! > nowSeconds;
    if (!listed || !signed || !fresh || replayed) throw new HttpError(401, UNAUTHORIZED);
    if (seen.size >= MAX_REMEMBERED) for (const [k, expiry] of seen) if (expiry <= nowSeconds) seen.delete(k);
    if (seen.size >= MAX_REMEMBERED) throw new HttpError(503, 'the server is busy: please try again in a few minutes');
    seen.set(id, Number(time) + MAX_SKEW_SECONDS + 1);
  });

  app.get('/api/editor/records', async (_request, reply) => {
    const records = [];
    let bytes = 0;
    for (const tip of options.records.unacknowledged(FETCH_MAX_RECORDS)) {
      if (records.length > 0 && bytes + tip.envelope.length > FETCH_MAX_BYTES) break;
      bytes += tip.envelope.length;
      records.push({ id: tip.id, received: tip.receivedOn, envelope: tip.envelope });
    }
    reply.type('application/x-ndjson; charset=utf-8');
    return bundleText(records);
  });

  app.post('/api/editor/ack', async (request) => {
    let ids: unknown;
    try {
      ids = (JSON.parse(Buffer.from(request.body as Buffer).toString('utf8')) as { ids?: unknown }).ids;
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    if (!Array.isArray(ids) || ids.length > 250_000 || !ids.every(isRecordId)) throw new HttpError(400, 'ids must be a list of record ids (32 lowercase hex digits)');
    try {
      return { acknowledged: options.records.acknowledge(ids as string[]) };
    } catch (err) {
      throw storageError(err);
    }
  });

  app.post('/api/editor/replies', async (request, reply) => {
    let records;
    try {
      ({ records } = await parseBundleStrict(new Uint8Array(request.body as Buffer)));
    } catch (err) {
      if (err instanceof BundleError) throw new HttpError(400, `invalid reply bundle: ${err.message}`);
      throw err;
    }
    if (records.length === 0) throw new HttpError(400, 'the reply bundle holds no reply');
    const replies = records.map((record, i) => {
      if (record.mailbox === undefined) throw new HttpError(400, `record ${i + 1} is not a reply`);
      try {
        const env = parseEnvelope(record.envelope, { kind: 'reply', maxPaddedLength: maxPadded });
        if (env.stanzas.length < 2 || env.stanzas.length > MAX_RECIPIENTS) throw new EnvelopeError('recipients', 'a reply is sealed to the source and at least one editor');
      } catch (err) {
        if (err instanceof EnvelopeError) throw new HttpError(400, `record ${i + 1}: invalid envelope: ${err.message}`);
        throw err;
      }
      return { mailbox: record.mailbox, envelope: record.envelope };
    });
    let ids: string[];
    try {
      ids = options.mailboxes.addReplies(replies);
    } catch (err) {
      if (err instanceof UnknownMailboxError) throw new HttpError(404, `${err.message}; nothing was stored`);
      throw storageError(err);
    }
    reply.code(201);
    return { stored: ids.length };
  });
}
