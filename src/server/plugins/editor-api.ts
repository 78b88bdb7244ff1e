// The editor API (docs/PROTOCOL.md, "Editor API"), for the editors' online workstations:
//
//   GET  /api/editor/records     tips and follow-ups not acknowledged yet, as a bundle (docs/BUNDLE.md)
//   GET  /api/editor/records?since=YYYY-MM-DD[&after=ID]   those received on or after that day, acknowledged or not (editor sync)
//   POST /api/editor/ack         a signed acknowledgement (src/crypto/ack.ts): these records were imported (retention purges them sooner)
//   POST /api/editor/replies     a reply bundle: each reply is stored in its mailbox, all or none
//   GET  /api/editor/uploads/:id?from=N   one attached upload's chunks from index N on, raw
//   POST /api/editor/events      a bundle of desk events (opaque envelopes): stored all or none, a resend idempotent
//   GET  /api/editor/events?since=YYYY-MM-DD[&after=ID]   desk events received on or after that day, as a bundle
//   GET  /api/editor/replies?since=YYYY-MM-DD[&after=ID]  the replies (the desks' copies) stored on or after that day, as a bundle
//
// The records bundle lists each tip's complete attached uploads as file lines right after its
// tip line (no chunk lines): the client then streams each upload's chunks from SQLite, one row
// at a time, and writes the same bundle `npm run export` writes (docs/BUNDLE.md).
//
// Every request is signed with a fetch key listed in TIPLINE_EDITORS (src/crypto/editor-request.ts).
// Unsigned, unknown key, stale (more than 5 minutes off), replayed, signed for another server or
// wrongly signed: the same 401 {"error":"unauthorized"}, after the same work, and the connection
// is closed. The signature covers the body's declared length and hash, so all of this is decided
// from the headers in onRequest, before any byte of the body is read: an unauthenticated client
// cannot make the server buffer anything. Only then is the body read, under its route's limit,
// and it must match the signed length and hash. A signature is remembered until it would be
// stale anyway, so each signed request is accepted once.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AckError, checkAck } from '../../crypto/ack.js';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../../crypto/attachment.js';
import { fromBase64Url } from '../../crypto/bytes.js';
import { HEADER_BODY_HASH, HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, MAX_SKEW_SECONDS, bodyHash, requestMessage } from '../../crypto/editor-request.js';
import { DEFAULT_MAX_PADDED_LENGTH, EnvelopeError, MAX_RECIPIENTS, parseEnvelope } from '../../crypto/envelope.js';
import { verify } from '../../crypto/mailbox.js';
import { loadSodium } from '../../crypto/sodium.js';
import { BundleError, bundleText, isBundleDate, isRecordId, parseBundleStrict, type FileRecord, type TipRecord } from '../../crypto/bundle.js';
import { HttpError, storageError } from '../errors.js';
import { DeskEventConflictError, type DeskEventStore } from '../store/desk-events.js';
import { ReplyConflictError, UnknownMailboxError, type MailboxStore } from '../store/mailboxes.js';
import type { RecordStore } from '../store/records.js';
import { utcDate } from '../store/tips.js';
import { UPLOAD_ID_RE } from '../store/uploads.js';

export const UNAUTHORIZED = 'unauthorized';
/** At most this many records, and about this many bytes of envelopes, per fetch; fetch again after ack. */
export const FETCH_MAX_RECORDS = 1000;
export const FETCH_MAX_BYTES = 24 * 1024 * 1024;
export const UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
/** An ack lists at most 250 000 ids of 32 hex digits: 9 MiB is room for them. */
export const ACK_MAX_BYTES = 9 * 1024 * 1024;
/** A desk's event bundle (envelopes of padded size classes, at most 1 MiB of body each by default): as large as a reply bundle. */
export const EVENTS_MAX_BYTES = UPLOAD_MAX_BYTES;
/** Largest signed body per route; every other route takes none. */
const BODY_LIMITS: Record<string, number> = { '/api/editor/ack': ACK_MAX_BYTES, '/api/editor/replies': UPLOAD_MAX_BYTES, '/api/editor/events': EVENTS_MAX_BYTES };
const MAX_REMEMBERED = 100_000;

export interface EditorApiOptions {
  /** Fetch public keys (TIPLINE_EDITORS); with none, every request is refused. */
  fetchKeys: Uint8Array[];
  /** The editors' signing public keys (TIPLINE_RECIPIENTS): only acknowledgements they signed count. */
  editorSignKeys: Uint8Array[];
  records: RecordStore;
  mailboxes: MailboxStore;
  /** The desks' shared state, opaque. */
  deskEvents: DeskEventStore;
  maxPaddedLength?: number;
  /**
   * The names editors address this server by (TIPLINE_SERVER_NAMES: its onion name, lower case,
   * with ":port" unless 80). A request must be signed for one of them. When none is configured,
   * the request's own Host header is used, which binds a request to the name the client dialled
   * but cannot stop a server that relays it under that name (docs/OPERATIONS.md).
   */
  serverNames?: string[];
  /** Milliseconds since the epoch (tests move the clock). */
  now?: () => number;
}

export default async function editorApiPlugin(app: FastifyInstance, options: EditorApiOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sodium = await loadSodium();
  const dummyKey = sodium.crypto_sign_keypair().publicKey;
  const seen = new Map<string, number>();
  const maxPadded = options.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;

  const serverNames = (options.serverNames ?? []).map((name) => name.toLowerCase());
  const signedBody = new WeakMap<FastifyRequest, { length: number; hash: string }>();

  // Bodies are kept as bytes: the signature covers their exact length and hash.
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', 'application/x-ndjson']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: UPLOAD_MAX_BYTES }, (_request, body, done) => done(null, body));
  }

  // Authentication from the headers alone, before the body is read.
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const keyText = header(HEADER_KEY) ?? '';
    const time = header(HEADER_TIME) ?? '';
    const nonce = header(HEADER_NONCE) ?? '';
    const hash = header(HEADER_BODY_HASH) ?? '';
    const signatureText = header(HEADER_SIGNATURE) ?? '';
    const lengthText = header('content-length') ?? '0';
    const server = (header('host') ?? '').toLowerCase();
    const publicKey = fromBase64Url(keyText);
    const signature = fromBase64Url(signatureText) ?? new Uint8Array(0);
    // Which listed key is it? Every listed key is compared, in constant time.
    let listed: Uint8Array | undefined;
    for (const key of options.fetchKeys) {
      if (publicKey && publicKey.length === key.length && sodium.memcmp(publicKey, key)) listed = key;
    }
    const wellFormed =
      /^[0-9a-f]{64}$/.test(hash) && /^\d{1,10}$/.test(lengthText) && request.headers['transfer-encoding'] === undefined && /^[A-Za-z0-9_-]{22}$/.test(nonce) && /^[\x21-\x7e]{1,300}$/.test(server);
    const bodyLength = Number(lengthText);
    const message = requestMessage({
      server: wellFormed ? server : '-',
      method: request.method,
      path: request.url,
      time: /^\d{1,12}$/.test(time) ? time : '',
      nonce: wellFormed ? nonce : '',
      bodyLength: wellFormed ? bodyLength : 0,
      bodyHash: wellFormed ? hash : '',
    });
    // The signature check always runs (against a dummy key when the key is not listed).
    const signed = await verify(signature, message, listed ?? dummyKey);
    const ours = serverNames.length === 0 || serverNames.includes(server);
    const nowSeconds = Math.floor(now() / 1000);
    const fresh = /^\d{1,12}$/.test(time) && Math.abs(Number(time) - nowSeconds) <= MAX_SKEW_SECONDS;
    const id = createHash('sha256').update(signature).digest('base64');
    const replayed = seen.has(id) && seen.get(id)! > nowSeconds;
    if (!listed || !wellFormed || !signed || !ours || !fresh || replayed) {
      // Close the connection: whatever body follows is never read.
      reply.header('connection', 'close');
      throw new HttpError(401, UNAUTHORIZED);
    }
    if (seen.size >= MAX_REMEMBERED) for (const [k, expiry] of seen) if (expiry <= nowSeconds) seen.delete(k);
    if (seen.size >= MAX_REMEMBERED) throw new HttpError(503, 'the server is busy: please try again in a few minutes');
    seen.set(id, Number(time) + MAX_SKEW_SECONDS + 1);
    const limit = request.method === 'POST' ? (BODY_LIMITS[request.routeOptions.url ?? ''] ?? 0) : 0;
    if (bodyLength > limit) {
      reply.header('connection', 'close');
      throw new HttpError(413, limit === 0 ? 'this request takes no body' : `the body is larger than ${limit} bytes`);
    }
    signedBody.set(request, { length: bodyLength, hash });
  });

  // The body, read under its route's limit, must be the one that was signed.
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const expected = signedBody.get(request);
    const body = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array(0);
    if (!expected || body.length !== expected.length || (await bodyHash(body)) !== expected.hash) throw new HttpError(401, UNAUTHORIZED);
  });

  app.get<{ Querystring: { since?: string; after?: string } }>('/api/editor/records', async (request, reply) => {
    const { since, after } = dayCursor(request.query);
    const records: (TipRecord | { file: FileRecord })[] = [];
    let count = 0;
    let bytes = 0;
    for (const tip of since === undefined ? options.records.unacknowledged(FETCH_MAX_RECORDS) : options.records.since(since, after, FETCH_MAX_RECORDS)) {
      if (count > 0 && bytes + tip.envelope.length > FETCH_MAX_BYTES) break;
      bytes += tip.envelope.length;
      count++;
      records.push({ id: tip.id, received: tip.receivedOn, envelope: tip.envelope });
      for (const u of options.records.attachedUploads(tip.id)) {
        records.push({ file: { tip: tip.id, upload: u.id, chunks: u.chunks, lastChunkBytes: u.lastChunkBytes } });
      }
    }
    reply.type('application/x-ndjson; charset=utf-8');
    return bundleText(records);
  });

  // One upload's ciphertext chunks from index `from` (default 0) to the end, concatenated: every
  // chunk but the last is FILE_CHUNK_CIPHERTEXT_BYTES long, the last lastChunkBytes (the file
  // line says so), so the client resumes a broken transfer at its first incomplete chunk.
  // Read one row at a time as the connection drains: constant memory for any file size.
  app.get<{ Params: { id: string }; Querystring: { from?: string } }>('/api/editor/uploads/:id', async (request, reply) => {
    const { id } = request.params;
    const row = UPLOAD_ID_RE.test(id) ? options.records.attachedUpload(id) : undefined;
    if (!row) throw new HttpError(404, 'there is no such attached upload on this server');
    const fromText = request.query.from ?? '0';
    const from = /^\d{1,10}$/.test(fromText) ? Number(fromText) : -1;
    if (from < 0 || from >= row.chunks) throw new HttpError(400, 'from must be a chunk index of this upload');
    const length = (row.chunks - 1 - from) * FILE_CHUNK_CIPHERTEXT_BYTES + row.lastChunkBytes;
    let next = from;
    const stream = new Readable({
      highWaterMark: FILE_CHUNK_CIPHERTEXT_BYTES,
      read() {
        if (next >= row.chunks) return void this.push(null);
        let data: Buffer | undefined;
        try {
          data = options.records.chunk(id, next);
        } catch (err) {
          return void this.destroy(err as Error);
        }
        // Purged meanwhile (retention): cut the connection; the client sees a short answer.
        if (!data) return void this.destroy(new Error('the upload went away while it was sent'));
        next++;
        this.push(data);
      },
    });
    reply.type('application/octet-stream').header('content-length', String(length));
    return reply.send(stream);
  });

  // Only an acknowledgement signed on the air-gapped side with an editor signing key of
  // TIPLINE_RECIPIENTS counts (src/crypto/ack.ts): a fetch key alone cannot hide new tips (T46).
  app.post('/api/editor/ack', async (request) => {
    let ids: string[];
    try {
      ({ ids } = await checkAck(new Uint8Array(request.body as Buffer), options.editorSignKeys, utcDate(new Date(now()))));
    } catch (err) {
      if (err instanceof AckError) throw new HttpError(err.code === 'malformed' ? 400 : 403, `${err.message}; nothing was acknowledged`);
      throw err;
    }
    try {
      return { acknowledged: options.records.acknowledge(ids) };
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
      // Under the record's id: a resend of the same bundle (a sync killed before it moved the
      // file to sent/) is recognised and stored once.
      return { id: record.id, mailbox: record.mailbox, envelope: record.envelope };
    });
    let ids: string[];
    try {
      ids = options.mailboxes.addReplies(replies);
    } catch (err) {
      if (err instanceof UnknownMailboxError) throw new HttpError(404, `${err.message}; nothing was stored`);
      if (err instanceof ReplyConflictError) throw new HttpError(409, `${err.message}; nothing was stored`);
      throw storageError(err);
    }
    reply.code(201);
    return { stored: ids.length, already: replies.length - ids.length };
  });

  // Desk events: envelopes of kind deskEvent, sealed on the air-gapped desks to every
  // editor. The server checks their shape and size class only, and keeps the desk's id.
  app.post('/api/editor/events', async (request, reply) => {
    let events;
    let records;
    try {
      ({ events, records } = await parseBundleStrict(new Uint8Array(request.body as Buffer), { events: true }));
    } catch (err) {
      if (err instanceof BundleError) throw new HttpError(400, `invalid event bundle: ${err.message}; nothing was stored`);
      throw err;
    }
    if (records.length > 0) throw new HttpError(400, 'an event bundle holds only event records; nothing was stored');
    if (events.length === 0) throw new HttpError(400, 'the event bundle holds no event; nothing was stored');
    for (const [i, event] of events.entries()) {
      try {
        parseEnvelope(event.envelope, { kind: 'deskEvent', maxPaddedLength: maxPadded });
      } catch (err) {
        if (err instanceof EnvelopeError) throw new HttpError(400, `event ${i + 1}: invalid envelope: ${err.message}; nothing was stored`);
        throw err;
      }
    }
    let result;
    try {
      result = options.deskEvents.add(events.map((e) => ({ id: e.id, envelope: e.envelope })));
    } catch (err) {
      if (err instanceof DeskEventConflictError) throw new HttpError(409, `${err.message}; nothing was stored`);
      throw storageError(err);
    }
    reply.code(result.stored > 0 ? 201 : 200);
    return result;
  });

  // Day-granular: everything received on or after `since` (every stored event without it). A
  // page holds at most FETCH_MAX_RECORDS events or about FETCH_MAX_BYTES; the next page starts
  // after the last one's (received, id): `since=<its received>&after=<its id>`. An empty page ends.
  app.get<{ Querystring: { since?: string; after?: string } }>('/api/editor/events', async (request, reply) => {
    const { since, after } = dayCursor(request.query);
    const events = [];
    let bytes = 0;
    for (const event of options.deskEvents.since(since, after, FETCH_MAX_RECORDS)) {
      if (events.length > 0 && bytes + event.envelope.length > FETCH_MAX_BYTES) break;
      bytes += event.envelope.length;
      events.push({ event: { id: event.id, received: event.receivedOn, envelope: event.envelope } });
    }
    reply.type('application/x-ndjson; charset=utf-8');
    return bundleText(events);
  });

  // The replies, for every desk to file the editors' copies in its threads (who answered what).
  // Paged like the events. Reading them here does not mark them read (that is the source's).
  app.get<{ Querystring: { since?: string; after?: string } }>('/api/editor/replies', async (request, reply) => {
    const { since, after } = dayCursor(request.query);
    const replies: TipRecord[] = [];
    let bytes = 0;
    for (const r of options.mailboxes.repliesSince(since, after, FETCH_MAX_RECORDS)) {
      if (replies.length > 0 && bytes + r.envelope.length > FETCH_MAX_BYTES) break;
      bytes += r.envelope.length;
      replies.push({ id: r.id, received: r.receivedOn, mailbox: r.mailbox, envelope: r.envelope });
    }
    reply.type('application/x-ndjson; charset=utf-8');
    return bundleText(replies);
  });
}

/** The day cursor of the GET routes that page by day: `since` a date, `after` an id that comes with it. */
function dayCursor(query: { since?: unknown; after?: unknown }): { since: string | undefined; after: string | undefined } {
  const { since, after } = query;
  if (since !== undefined && !isBundleDate(since)) throw new HttpError(400, 'since must be a date written YYYY-MM-DD');
  if (after !== undefined && (since === undefined || !isRecordId(after))) throw new HttpError(400, 'after must be a record id (32 lowercase hex digits) and comes with since');
  return { since: since as string | undefined, after: after as string | undefined };
}
