// Attachments (docs/PROTOCOL.md, "Attachments"): encrypted files uploaded chunk by chunk,
// resumable, before the tip that names them.
//
//   POST /api/uploads                       {"chunks": n, "lastChunkBytes": m, "pow": {...}} → 201 {"upload": id}
//   PUT  /api/uploads/:id/chunks/:index     one ciphertext chunk (application/octet-stream) → 204 once durable
//                                           (chunks arriving together share one commit: store/uploads.ts)
//   GET  /api/uploads/:id                   {"chunks": n, "missing": [...]} (for resuming)
//
// The id is a capability (32 random bytes). An oversize or impossible shape is refused before
// anything is stored; a chunk of the wrong length, index or upload stores nothing; a duplicate
// is 204 when identical, 409 when different (nothing is overwritten). Nothing about sizes is
// ever logged. Uploads no tip names within the TTL are deleted (hourly, see store/uploads.ts).
import type { FastifyInstance } from 'fastify';
import { FILE_CHUNK_CIPHERTEXT_BYTES } from '../../crypto/attachment.js';
import { HttpError, storageError } from '../errors.js';
import type { PowService } from '../pow/service.js';
import { UPLOAD_ID_RE, checkShape, type UploadStore } from '../store/uploads.js';
import { POW_BODY_SCHEMA, requirePow } from './pow.js';

export interface UploadsOptions {
  pow: PowService;
  uploads: UploadStore;
  /** Largest plaintext file accepted (TIPLINE_MAX_FILE_BYTES); its padded ciphertext is the limit. */
  maxFileBytes: number;
  /** Hours an upload may wait for its tip (TIPLINE_UPLOAD_TTL_HOURS). */
  ttlHours: number;
  /** How often to delete stale uploads; one hour by default. */
  purgeIntervalMs?: number;
  /** Refuse new uploads that could leave less than this free on the disk (TIPLINE_MIN_FREE_BYTES). */
  minFreeBytes: number;
}

export const UPLOAD_NOT_FOUND = 'there is no such upload (it may have expired): please upload the file again';
export const UPLOAD_TOO_LARGE = 'the file is larger than this tip line accepts';
export const CHUNK_CONFLICT = 'a different chunk with this index is already stored';
export const UPLOADS_FULL = 'the server cannot take more files right now (its disk is nearly full): the file was NOT sent; you can send your message without it, or try the file again later';

/** The text an upload's proof of work is bound to. */
export function uploadPowText(chunks: number, lastChunkBytes: number): string {
  return `upload:${chunks}:${lastChunkBytes}`;
}

export default async function uploadsPlugin(app: FastifyInstance, options: UploadsOptions): Promise<void> {
  const { maxFileBytes, ttlHours, minFreeBytes } = options;
  const store = options.uploads;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'the body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: FILE_CHUNK_CIPHERTEXT_BYTES }, (_request, body, done) => done(null, body));

  app.post(
    '/api/uploads',
    {
      bodyLimit: 1024,
      schema: {
        body: {
          type: 'object',
          required: ['chunks', 'lastChunkBytes'],
          additionalProperties: false,
          properties: { chunks: { type: 'integer', minimum: 1, maximum: 2 ** 31 }, lastChunkBytes: { type: 'integer', minimum: 0, maximum: 2 ** 31 }, pow: POW_BODY_SCHEMA },
        },
      },
      // The shape first (cheap; an oversize file is refused even before the work is checked).
      preHandler: [
        async (request) => {
          const { chunks, lastChunkBytes } = request.body as { chunks: number; lastChunkBytes: number };
          const problem = checkShape(chunks, lastChunkBytes, maxFileBytes);
          if (problem === 'too-large') throw new HttpError(413, UPLOAD_TOO_LARGE);
          if (problem) throw new HttpError(400, 'chunks and lastChunkBytes do not describe a padded encrypted file');
        },
        requirePow<{ chunks: number; lastChunkBytes: number; pow?: { challenge: string; nonce: string } }>(options.pow, (body) => uploadPowText(body.chunks, body.lastChunkBytes)),
      ],
    },
    async (request, reply) => {
      const { chunks, lastChunkBytes } = request.body as { chunks: number; lastChunkBytes: number };
      let room: boolean;
      try {
        room = store.hasRoomFor((chunks - 1) * FILE_CHUNK_CIPHERTEXT_BYTES + lastChunkBytes, minFreeBytes);
      } catch (err) {
        throw storageError(err);
      }
      if (!room) {
        reply.header('retry-after', '3600');
        throw new HttpError(507, UPLOADS_FULL);
      }
      let id: string;
      try {
        id = store.create(chunks, lastChunkBytes);
      } catch (err) {
        throw storageError(err);
      }
      reply.code(201);
      return { upload: id };
    },
  );

  app.put<{ Params: { id: string; index: string } }>('/api/uploads/:id/chunks/:index', { bodyLimit: FILE_CHUNK_CIPHERTEXT_BYTES }, async (request, reply) => {
    const { id, index: indexText } = request.params;
    if (!UPLOAD_ID_RE.test(id)) throw new HttpError(404, UPLOAD_NOT_FOUND);
    if (!/^(0|[1-9]\d{0,9})$/.test(indexText)) throw new HttpError(400, 'the chunk index is not a number');
    const body = request.body;
    if (!(body instanceof Uint8Array)) throw new HttpError(415, 'unsupported content type: send application/octet-stream');
    let result;
    try {
      result = await store.putDurable(id, Number(indexText), body);
    } catch (err) {
      throw storageError(err);
    }
    switch (result) {
      case 'no-upload':
        throw new HttpError(404, UPLOAD_NOT_FOUND);
      case 'index':
        throw new HttpError(400, 'the chunk index is outside this upload');
      case 'length':
        throw new HttpError(400, 'the chunk does not have the length this upload declared');
      case 'conflict':
        throw new HttpError(409, CHUNK_CONFLICT);
      default:
        reply.code(204);
        return reply.send();
    }
  });

  app.get<{ Params: { id: string } }>('/api/uploads/:id', async (request) => {
    const id = request.params.id;
    const status = UPLOAD_ID_RE.test(id) ? store.status(id) : undefined;
    if (!status) throw new HttpError(404, UPLOAD_NOT_FOUND);
    return status;
  });

  let timer: NodeJS.Timeout | undefined;
  const purge = (): void => {
    try {
      store.purgeStale(ttlHours);
    } catch (err) {
      app.log.error({ err }, 'stale upload purge failed; it will be retried');
    }
  };
  app.addHook('onReady', async () => {
    purge();
    timer = setInterval(purge, options.purgeIntervalMs ?? 60 * 60 * 1000);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  });
}
