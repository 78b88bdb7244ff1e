// The baseline for bench:intake: a bare Fastify route that parses the same JSON body and
// answers 200, storing nothing.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 4 << 20 });
app.post('/api/tips', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
