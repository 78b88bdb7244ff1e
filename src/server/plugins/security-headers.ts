// Headers on every response, errors and 404 included: a strict CSP, no caching, no referrer,
// no framing, cross-origin isolation, and nothing that names the software.
import fp from 'fastify-plugin';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  // 'wasm-unsafe-eval' lets libsodium compile its WebAssembly (no JavaScript eval is allowed).
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'"],
  // data: only so the pages can say "no icon" (<link rel="icon" href="data:,">) instead of the
  // browser spending a request over Tor on /favicon.ico; a data: image can carry nothing out.
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  // The proof-of-work Web Worker (/assets/pow-worker.<hash>.js); no blob: or data: workers.
  workerSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/** The options @fastify/helmet decides our headers with: the policy, in one place. */
export const HELMET_OPTIONS = {
  global: true,
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  crossOriginEmbedderPolicy: { policy: 'require-corp' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  // Onion services are reached over http:// (Tor encrypts and authenticates the connection).
  strictTransportSecurity: false,
  originAgentCluster: true,
  xDnsPrefetchControl: { allow: false },
  xDownloadOptions: true,
  xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  xXssProtection: false,
} as const;

/** Headers of our own beside helmet's: nothing cached, nothing indexed. */
const OWN_HEADERS = { 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow' } as const;

/**
 * Every response's headers, computed once: @fastify/helmet runs with HELMET_OPTIONS on a
 * scratch instance for one request, and its headers (plus ours) are frozen. Helmet stays the
 * engine that decides them; the hot path then sets one frozen table instead of running
 * helmet's middleware, which it rebuilt on every request. No Strict-Transport-Security.
 */
export async function securityHeaderTable(): Promise<Readonly<Record<string, string>>> {
  const scratch = Fastify({ logger: false });
  await scratch.register(helmet, HELMET_OPTIONS as unknown as FastifyHelmetOptions);
  scratch.get('/', async () => '');
  const res = await scratch.inject({ method: 'GET', url: '/' });
  await scratch.close();
  const table: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(name) || value === undefined) continue;
    table[name] = String(value);
  }
  return Object.freeze({ ...table, ...OWN_HEADERS });
}

async function securityHeaders(app: FastifyInstance): Promise<void> {
  const headers = await securityHeaderTable();
  // One hook on every reply, errors, 404 and refusals from earlier hooks included (onSend runs
  // for each of them): the same headers for all, set last so no route can loosen them.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(headers);
    reply.removeHeader('x-powered-by');
    reply.removeHeader('server');
    done(null, payload);
  });
  app.get('/robots.txt', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return 'User-agent: *\nDisallow: /\n';
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
