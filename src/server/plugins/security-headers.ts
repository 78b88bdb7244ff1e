// Headers on every response, errors and 404 included: a strict CSP, no caching, no referrer,
// no framing, cross-origin isolation, and nothing that names the software.
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

/** `default-src 'none';script-src 'self' …`: the policy as one header value. */
function policyText(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join(';');
}

/**
 * Every response's headers, computed once at start-up (the set @fastify/helmet produced with
 * these options, which rebuilt it on every request). No Strict-Transport-Security: onion
 * services are reached over http:// (Tor encrypts and authenticates the connection).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': policyText(CONTENT_SECURITY_POLICY),
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
});

async function securityHeaders(app: FastifyInstance): Promise<void> {
  // One hook on every reply, errors, 404 and refusals from earlier hooks included (onSend runs
  // for each of them): the same headers for all, set last so no route can loosen them.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
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
