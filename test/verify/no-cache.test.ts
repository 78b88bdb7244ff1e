// verify-client must see what the server serves now, not what a cache on the way kept: every
// request it makes asks caches not to answer (Cache-Control and Pragma: no-cache). Node's fetch
// sends them only for `cache: 'no-store'`, a member its types lack, so this checks the bytes on
// the wire, against a plain HTTP server that records each request.
import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { verifyClient } from '../../src/verify/client.js';

t.test('every request of verify-client carries Cache-Control: no-cache and Pragma: no-cache', async (t) => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.statusCode = 404;
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;

  const result = await verifyClient(`http://127.0.0.1:${port}/`, { outDir: '.', manifest: { assets: {} } });
  t.notOk(result.ok, 'nothing matches a server that serves nothing');
  t.ok(seen.length >= 2, `${seen.length} requests: ${seen.map((r) => r.url).join(', ')}`);
  for (const { url, headers } of seen) {
    t.equal(headers['cache-control'], 'no-cache', `${url}: Cache-Control`);
    t.equal(headers.pragma, 'no-cache', `${url}: Pragma`);
  }
});
