import t from 'tap';
import { PassThrough } from 'node:stream';
import { testApp } from '../helpers/fixtures.js';
import { conversationApp } from '../helpers/conversation.js';
import { securityHeaderTable } from '../../src/server/plugins/security-headers.js';

const SECURITY_HEADERS = await securityHeaderTable();

const REQUIRED: Record<string, RegExp> = {
  'content-security-policy': /^(?=.*default-src 'none')(?=.*script-src 'self'( 'wasm-unsafe-eval')?;)(?=.*style-src 'self';)(?=.*form-action 'self')(?=.*frame-ancestors 'none')(?=.*base-uri 'none')/,
  'referrer-policy': /^no-referrer$/,
  'cross-origin-opener-policy': /^same-origin$/,
  'cross-origin-embedder-policy': /^require-corp$/,
  'cross-origin-resource-policy': /^same-origin$/,
  'cache-control': /^no-store$/,
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^DENY$/,
  'x-robots-tag': /noindex/,
};

t.test('helmet, run once at start-up with our options, gives exactly the headers we mean', async (t) => {
  t.same(SECURITY_HEADERS, {
    'content-security-policy':
      "default-src 'none';script-src 'self' 'wasm-unsafe-eval';style-src 'self';img-src 'self' data:;connect-src 'self';worker-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'",
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
  t.ok(Object.isFrozen(SECURITY_HEADERS), 'frozen');
});

t.test('every response carries the strict headers, errors and 404 included', async (t) => {
  const { app } = await conversationApp(t);
  const json = { 'content-type': 'application/json' };
  const requests = [
    { method: 'GET' as const, url: '/mailbox' },
    { method: 'GET' as const, url: '/favicon.ico' },
    { method: 'GET' as const, url: '/assets/no-such.js' },
    { method: 'GET' as const, url: '/api/pow' },
    { method: 'GET' as const, url: '/.well-known/tipline-client.json' },
    { method: 'POST' as const, url: '/api/mailboxes', headers: json, payload: '{}' },
    { method: 'GET' as const, url: '/api/mailbox/challenge' },
    { method: 'POST' as const, url: '/api/mailbox/login', headers: json, payload: '{}' },
    { method: 'GET' as const, url: '/api/mailbox/replies' },
    { method: 'DELETE' as const, url: '/api/mailbox/replies/abc' },
    { method: 'POST' as const, url: '/api/mailbox/follow-ups', headers: json, payload: '{}' },
    { method: 'POST' as const, url: '/api/mailbox/logout' },
    { method: 'GET' as const, url: '/api/editor/records' },
    { method: 'POST' as const, url: '/api/editor/ack', headers: json, payload: '{}' },
    { method: 'POST' as const, url: '/api/editor/replies', headers: json, payload: '{}' },
    { method: 'GET' as const, url: '/' },
    { method: 'GET' as const, url: '/robots.txt' },
    { method: 'GET' as const, url: '/no/such/page?x=1' },
    { method: 'POST' as const, url: '/api/tips', headers: { 'content-type': 'application/json' }, payload: '{' },
    { method: 'POST' as const, url: '/api/tips', headers: { 'content-type': 'text/plain' }, payload: 'x' },
    { method: 'DELETE' as const, url: '/' },
  ];
  for (const request of requests) {
    const res = await app.inject(request);
    for (const [name, pattern] of Object.entries(REQUIRED)) t.match(String(res.headers[name] ?? ''), pattern, `${request.method} ${request.url}: ${name}`);
    // The whole set, computed once at start-up, on every answer alike.
    t.same(Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, res.headers[name]])), SECURITY_HEADERS, `${request.method} ${request.url}: every security header`);
    t.notOk(res.headers.server, 'no Server header');
    t.notOk(res.headers['x-powered-by'], 'no X-Powered-By');
    if (request.url === '/api/mailbox/logout') t.match(String(res.headers['set-cookie'] ?? ''), /Max-Age=0/, 'logout only expires the session cookie');
    else t.notOk(res.headers['set-cookie'], 'no cookie');
    t.notOk(res.headers['strict-transport-security'], 'no HSTS on an onion service');
    t.notMatch(String(res.headers['content-security-policy']), /upgrade-insecure-requests/, 'no upgrade to https on an onion service');
  }
});

t.test('robots.txt disallows everything', async (t) => {
  const { app } = await testApp(t);
  const res = await app.inject({ method: 'GET', url: '/robots.txt' });
  t.equal(res.statusCode, 200);
  t.equal(res.body, 'User-agent: *\nDisallow: /\n');
});

t.test('a refusal from the root hook (the cap on bodies in flight) carries the same headers', async (t) => {
  const { app } = await testApp(t, { env: { TIPLINE_BODY_BYTES_IN_FLIGHT: String(2 * 1024 * 1024) } });
  const big = String(1_400_000);
  // A first tip declares 1.4 MB and sends nothing more: its reservation holds.
  const hanging = new PassThrough();
  const first = app.inject({ method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json', 'content-length': big }, payload: hanging });
  await new Promise((resolve) => setImmediate(resolve));
  const res = await app.inject({ method: 'POST', url: '/api/tips', headers: { 'content-type': 'application/json', 'content-length': big }, payload: '{}' });
  t.equal(res.statusCode, 503, 'refused by the cap');
  t.same(Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, res.headers[name]])), SECURITY_HEADERS, 'every security header');
  // The first one ends short of its declared length: refused too, nothing stored.
  hanging.end('{}');
  t.equal((await first).statusCode, 400);
});
