// The baseline for bench:upload: a bare Fastify route that reads the same chunk body
// (application/octet-stream, up to 1 MiB + 16 bytes) and answers 204, storing nothing.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 1_048_592 }, (_request, body, done) => done(null, body));
app.put('/api/uploads/:id/chunks/:index', async (_request, reply) => reply.code(204).send());
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
