// GET /api/pow hands out a proof-of-work challenge; `requirePow` is the check every
// submission endpoint runs before it decodes or stores anything.
//
// Use on another endpoint (e.g. the conversations' follow-ups, /api/mailbox/*): accept a
// `pow` member {"challenge": "<base64url>", "nonce": "<base64url>"} in the JSON body (declare
// it in the route schema as POW_BODY_SCHEMA, not required, so a missing one gets the 403 below
// rather than a schema 400) and add the hook, naming the body member the solution is bound to:
//
//   app.post('/api/mailbox/…', { schema: { body: { …, properties: { envelope: …, pow: POW_BODY_SCHEMA } } },
//     preHandler: requirePow(pow, (body) => body.envelope) }, handler);
//
// The browser binds its solution to exactly that member's text (src/client/shared.ts `postWithPow`
// with the same string), so a solution cannot be reused for another body.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { HttpError } from '../errors.js';
import { CHALLENGE_TEXT_LENGTH, NONCE_TEXT_LENGTH, type PowService } from '../pow/service.js';

export interface PowPluginOptions {
  pow: PowService;
}

/** The message of every refused proof of work; the page reacts to 403 with one new attempt. */
export const POW_REFUSED = 'proof of work missing or invalid: reload the page';
/** A challenge issued at a lower difficulty than the server now asks (403: the page fetches a new one by itself). */
export const POW_STALE = 'the server now asks for more proof of work than this challenge did: please send again';
export const POW_BUSY = 'the server is receiving too many submissions: please try again in a few minutes';

export const POW_BODY_SCHEMA = {
  type: 'object',
  required: ['challenge', 'nonce'],
  additionalProperties: false,
  properties: {
    challenge: { type: 'string', minLength: CHALLENGE_TEXT_LENGTH, maxLength: CHALLENGE_TEXT_LENGTH },
    nonce: { type: 'string', minLength: NONCE_TEXT_LENGTH, maxLength: NONCE_TEXT_LENGTH },
  },
} as const;

/**
 * A preHandler that refuses the request (403, also for a challenge easier than the current
 * difficulty allows; 503 when the spent-challenge set is full)
 * unless `body.pow` solves a live, unused challenge for the text `bound(body)` returns.
 */
export function requirePow<B extends { pow?: { challenge?: unknown; nonce?: unknown } }>(pow: PowService, bound: (body: B) => unknown): preHandlerAsyncHookHandler {
  return async (request) => {
    const body = request.body as B | undefined;
    const text = body ? bound(body) : undefined;
    const verdict = typeof text === 'string' ? pow.verify(body?.pow?.challenge, body?.pow?.nonce, text) : { ok: false as const, reason: 'malformed' as const };
    if (verdict.ok) return;
    if (verdict.reason === 'busy') throw new HttpError(503, POW_BUSY);
    if (verdict.reason === 'stale') throw new HttpError(403, POW_STALE);
    throw new HttpError(403, POW_REFUSED);
  };
}

export default async function powPlugin(app: FastifyInstance, options: PowPluginOptions): Promise<void> {
  app.get('/api/pow', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return options.pow.issue();
  });
}
