// Conversations, the source's side (docs/PROTOCOL.md, "Conversations over HTTP"):
//
//   POST   /api/mailboxes                 create a mailbox (public keys only; proof of work)
//   GET    /api/mailbox/challenge         a single-use login challenge (60 s)
//   POST   /api/mailbox/login             Ed25519 signature over the challenge → session cookie
//   POST   /api/mailbox/logout            forgets the session on the server
//   GET    /api/mailbox/replies           the replies waiting (envelopes the browser opens)
//   DELETE /api/mailbox/replies/:id       deletes one reply
//   POST   /api/mailbox/follow-ups        a follow-up envelope (kind followUp; proof of work)
//
// The server never sees the passphrase or a secret key. Challenges are stateless (MAC'd with
// the server's key); spent challenges and sessions live in memory only, per mailbox and bounded
// (src/server/mailbox-login.ts; a restart logs everyone out). The session cookie is the only
// cookie Tipline sets: HttpOnly, SameSite=Strict, Path=/, 15 minutes. An unknown mailbox and a
// wrong signature get the same answer after the same work (a signature check against a dummy key).
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.js';
import { DEFAULT_MAX_PADDED_LENGTH } from '../../crypto/envelope.js';
import { XWING_PUBLIC_KEY_BYTES } from '../../crypto/keys.js';
import { MAILBOX_ID_RE, SIGNATURE_BYTES, SIGN_PUBLIC_KEY_BYTES, createMessage, loginMessage, mailboxId, verify } from '../../crypto/mailbox.js';
import { loadSodium } from '../../crypto/sodium.js';
import { HttpError, storageError } from '../errors.js';
import { LOGIN_CHALLENGE_BYTES, MailboxLogins } from '../mailbox-login.js';
import { acceptEnvelope } from '../intake.js';
import { acceptJsonOnly } from '../json-body.js';
import type { PowService } from '../pow/service.js';
import type { MailboxStore } from '../store/mailboxes.js';
import type { TipStore } from '../store/tips.js';
import { POW_BODY_SCHEMA, requirePow } from './pow.js';
import { maxEnvelopeBytes, uploadsSchema } from './tips.js';

export const SESSION_COOKIE = 'tipline_session';
export const SESSION_SECONDS = 15 * 60;
export const CHALLENGE_SECONDS = 60;
export const CHALLENGE_BYTES = LOGIN_CHALLENGE_BYTES;

export const LOGIN_REFUSED = 'the passphrase is wrong, or this mailbox does not exist (any more)';
export const CHALLENGE_REFUSED = 'the login challenge expired or was already used: please try again';
export const NOT_LOGGED_IN = 'you are not logged in, or your session expired: please log in again';
export const TOO_MANY_LOGINS = 'too many logins to this mailbox within a minute: please wait a minute and try again';

const b64 = (bytes: number) => ({ type: 'string', minLength: Math.ceil((bytes * 4) / 3), maxLength: Math.ceil((bytes * 4) / 3) }) as const;
const MAILBOX_SCHEMA = { type: 'string', pattern: '^[0-9a-f]{32}$', minLength: 32, maxLength: 32 } as const;

export interface MailboxOptions {
  pow: PowService;
  /** The server's MAC key (the proof of work's, `<dataDir>/pow.key`): login challenges are MAC'd with it. */
  challengeKey: Uint8Array;
  mailboxes: MailboxStore;
  tips: TipStore;
  recipientCount: number;
  maxPaddedLength?: number;
  /** Attachments per follow-up (TIPLINE_MAX_FILES). */
  maxFiles: number;
  /** Milliseconds since the epoch (tests move the clock). */
  now?: () => number;
}

/** The session token from a Cookie header, when it has exactly the shape we issue. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === SESSION_COOKIE && value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

function sessionCookie(token: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict`;
}

export default async function mailboxPlugin(app: FastifyInstance, options: MailboxOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const maxPadded = options.maxPaddedLength ?? DEFAULT_MAX_PADDED_LENGTH;
  const maxChars = Math.ceil((maxEnvelopeBytes(options.recipientCount, maxPadded) * 4) / 3);
  // A well-formed public key nobody holds the secret of: an unknown mailbox is checked against it.
  const sodium = await loadSodium();
  const dummyKey = sodium.crypto_sign_keypair().publicKey;
  const logins = new MailboxLogins(sodium, options.challengeKey, now, CHALLENGE_SECONDS, SESSION_SECONDS);
  const sweeper = setInterval(() => logins.sweep(), 60_000);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  // Body limits per route: a follow-up carries an envelope; the rest carry keys and signatures only.
  const followUpLimit = maxChars + 512 + options.maxFiles * 48;
  acceptJsonOnly(app, followUpLimit);

  const requireSession: preHandlerAsyncHookHandler = async (request) => {
    const token = sessionToken(request);
    const mailbox = token ? logins.session(token) : undefined;
    if (!mailbox) throw new HttpError(401, NOT_LOGGED_IN);
    (request as FastifyRequest & { mailbox?: string }).mailbox = mailbox;
  };
  const mailboxOf = (request: FastifyRequest): string => (request as FastifyRequest & { mailbox?: string }).mailbox!;

  app.post(
    '/api/mailboxes',
    {
      bodyLimit: 4096,
      schema: {
        body: {
          type: 'object',
          required: ['mailbox', 'signPublicKey', 'kemPublicKey', 'signature'],
          additionalProperties: false,
          properties: {
            mailbox: MAILBOX_SCHEMA,
            signPublicKey: b64(SIGN_PUBLIC_KEY_BYTES),
            kemPublicKey: b64(XWING_PUBLIC_KEY_BYTES),
            signature: b64(SIGNATURE_BYTES),
            pow: POW_BODY_SCHEMA,
          },
        },
      },
      preHandler: requirePow<{ mailbox: string; pow?: { challenge: string; nonce: string } }>(options.pow, (body) => body.mailbox),
    },
    async (request, reply) => {
      const body = request.body as { mailbox: string; signPublicKey: string; kemPublicKey: string; signature: string };
      const signPublicKey = fromBase64Url(body.signPublicKey);
      const kemPublicKey = fromBase64Url(body.kemPublicKey);
      const signature = fromBase64Url(body.signature);
      if (!signPublicKey || !kemPublicKey || !signature) throw new HttpError(400, 'keys and signature must be base64url without padding');
      if ((await mailboxId(signPublicKey, kemPublicKey)) !== body.mailbox) throw new HttpError(400, 'the mailbox id does not match its keys');
      if (!(await verify(signature, createMessage(body.mailbox, kemPublicKey), signPublicKey))) throw new HttpError(400, 'the signature does not match the keys');
      try {
        options.mailboxes.create({ id: body.mailbox, signPublicKey, kemPublicKey });
      } catch (err) {
        throw storageError(err);
      }
      reply.code(201);
      return { mailbox: body.mailbox };
    },
  );

  app.get('/api/mailbox/challenge', async () => ({ challenge: toBase64Url(logins.issue()), expiresIn: CHALLENGE_SECONDS }));

  app.post(
    '/api/mailbox/login',
    {
      bodyLimit: 1024,
      schema: {
        body: {
          type: 'object',
          required: ['mailbox', 'challenge', 'signature'],
          additionalProperties: false,
          properties: { mailbox: MAILBOX_SCHEMA, challenge: b64(CHALLENGE_BYTES), signature: b64(SIGNATURE_BYTES) },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { mailbox: string; challenge: string; signature: string };
      const challenge = fromBase64Url(body.challenge);
      const signature = fromBase64Url(body.signature);
      if (!challenge || !signature) throw new HttpError(400, 'challenge and signature must be base64url without padding');
      if (!logins.live(challenge)) throw new HttpError(401, CHALLENGE_REFUSED);
      const mailbox = MAILBOX_ID_RE.test(body.mailbox) ? options.mailboxes.get(body.mailbox) : undefined;
      // The same work whether or not the mailbox exists: verify against its key or a dummy one.
      const good = await verify(signature, loginMessage(challenge, body.mailbox), mailbox?.signPublicKey ?? dummyKey);
      if (!good || !mailbox) throw new HttpError(401, LOGIN_REFUSED);
      // Single use: spent only now, in this mailbox's own bounded set (nothing kept for failures).
      const session = logins.login(mailbox.id, challenge);
      if (session.verdict !== 'ok') throw session.verdict === 'spent' ? new HttpError(401, CHALLENGE_REFUSED) : new HttpError(429, TOO_MANY_LOGINS);
      const token = session.token;
      try {
        options.mailboxes.used(mailbox.id);
      } catch {
        // retention bookkeeping only; the login itself succeeded
      }
      reply.header('set-cookie', sessionCookie(token, SESSION_SECONDS)).code(204);
      return reply.send();
    },
  );

  app.post('/api/mailbox/logout', { bodyLimit: 1024 }, async (request, reply) => {
    const token = sessionToken(request);
    if (token) logins.logout(token);
    reply.header('set-cookie', sessionCookie('', 0)).code(204);
    return reply.send();
  });

  app.get('/api/mailbox/replies', { preHandler: requireSession }, async (request) => {
    const replies = options.mailboxes.replies(mailboxOf(request));
    return { mailbox: mailboxOf(request), replies: replies.map((r) => ({ id: r.id, received: r.receivedOn, envelope: toBase64Url(r.envelope) })) };
  });

  app.delete<{ Params: { id: string } }>('/api/mailbox/replies/:id', { preHandler: requireSession }, async (request, reply) => {
    const id = request.params.id;
    if (!/^[0-9a-f]{32}$/.test(id) || !options.mailboxes.delete(mailboxOf(request), id)) throw new HttpError(404, 'there is no such reply in your mailbox');
    reply.code(204);
    return reply.send();
  });

  app.post(
    '/api/mailbox/follow-ups',
    {
      bodyLimit: followUpLimit,
      schema: {
        body: {
          type: 'object',
          required: ['envelope'],
          additionalProperties: false,
          properties: { envelope: { type: 'string', minLength: 1, maxLength: maxChars }, pow: POW_BODY_SCHEMA, uploads: uploadsSchema(options.maxFiles) },
        },
      },
      // The session first (cheap, and no work is wasted for a logged-out page), then the work.
      preHandler: [requireSession, requirePow<{ envelope: string; pow?: { challenge: string; nonce: string } }>(options.pow, (body) => body.envelope)],
    },
    async (request, reply) => {
      const { envelope, uploads } = request.body as { envelope: string; uploads?: string[] };
      const answer = await acceptEnvelope(options.tips, envelope, { kind: 'followUp', recipients: options.recipientCount, maxPaddedLength: maxPadded, ...(uploads ? { uploads } : {}) });
      reply.code(201);
      return answer;
    },
  );
}
