// POST /api/tips: takes an envelope it cannot read, checks its structure, stores it, and
// answers with a receipt only once the tip is durable.
import type { FastifyInstance } from 'fastify';
import { DEFAULT_MAX_PADDED_LENGTH, HEADER_BYTES, NONCE_BYTES, STANZA_BYTES, TAG_BYTES } from '../../crypto/envelope.js';
import type { TipStore } from '../store/tips.js';
import { acceptEnvelope } from '../intake.js';
import { acceptJsonOnly } from '../json-body.js';
import type { PowService } from '../pow/service.js';
import { POW_BODY_SCHEMA, requirePow } from './pow.js';

/** The optional `uploads` member of a tip or follow-up: distinct upload ids, at most `maxFiles`. */
export function uploadsSchema(maxFiles: number) {
  return { type: 'array', maxItems: maxFiles, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', minLength: 43, maxLength: 43 } } as const;
}

export interface TipsOptions {
  /** Every tip carries a proof of work bound to its envelope text, checked before anything else. */
  pow: PowService;
  store: TipStore;
  recipientCount: number;
  maxPaddedLength?: number;
  /** Attachments per tip (TIPLINE_MAX_FILES). */
  maxFiles: number;
}

export function maxEnvelopeBytes(recipientCount: number, maxPaddedLength: number): number {
  return HEADER_BYTES + recipientCount * STANZA_BYTES + NONCE_BYTES + maxPaddedLength + TAG_BYTES;
}

export default async function tipsPlugin(app: FastifyInstance, options: TipsOptions): Promise<void> {
  const maxPadded = options.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;
  const maxChars = Math.ceil((maxEnvelopeBytes(options.recipientCount, maxPadded) * 4) / 3);
  // JSON only: a form post or plain text is refused with 415 before anything is read.
  const maxFiles = options.maxFiles;
  const bodyLimit = maxChars + 256 + maxFiles * 48;
  acceptJsonOnly(app, bodyLimit);

  app.post(
    '/api/tips',
    {
      bodyLimit,
      schema: {
        body: {
          type: 'object',
          required: ['envelope'],
          additionalProperties: false,
          properties: { envelope: { type: 'string', minLength: 1, maxLength: maxChars }, pow: POW_BODY_SCHEMA, uploads: uploadsSchema(maxFiles) },
        },
      },
      preHandler: requirePow<{ envelope: string; pow?: { challenge: string; nonce: string } }>(options.pow, (body) => body.envelope),
    },
    async (request, reply) => {
      const { envelope, uploads } = request.body as { envelope: string; uploads?: string[] };
      const answer = await acceptEnvelope(options.store, envelope, { kind: 'tip', recipients: options.recipientCount, maxPaddedLength: maxPadded, ...(uploads ? { uploads } : {}) });
      reply.code(201);
      return answer;
    },
  );
}
