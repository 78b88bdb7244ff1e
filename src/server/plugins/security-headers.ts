// Headers on every response, errors and 404 included: a strict CSP, no caching, no referrer,
// no framing, cross-origin isolation, and nothing that names the software.
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

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

async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
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
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-robots-tag', 'noindex, nofollow');
    reply.removeHeader('x-powered-by');
    reply.removeHeader('server');
    return payload;
  });
  app.get('/robots.txt', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return 'User-agent: *\nDisallow: /\n';
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
