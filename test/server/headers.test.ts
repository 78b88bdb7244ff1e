import t from 'tap';
import { testApp } from '../helpers/fixtures.js';

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

t.test('every response carries the strict headers, errors and 404 included', async (t) => {
  const { app } = await testApp(t);
  const requests = [
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
    t.notOk(res.headers['server'], 'no Server header');
    t.notOk(res.headers['x-powered-by'], 'no X-Powered-By');
    t.notOk(res.headers['set-cookie'], 'no cookie');
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
