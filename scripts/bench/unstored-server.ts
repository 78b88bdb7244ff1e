// The ceiling for bench:intake: the real app (every hook, the proof of work, the envelope
// checks, the receipt) with a tip store that stores nothing and answers at once — what intake
// would cost if durability were free. For the bench only: never a way to run a tip line.
import { join } from 'node:path';
import pino from 'pino';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { loggerOptions } from '../../src/server/logger.js';
import { loadOrCreatePowKey } from '../../src/server/pow/key.js';
import { DATABASE_FILE, openDatabase } from '../../src/server/store/db.js';
import { randomId, TipStore } from '../../src/server/store/tips.js';
import { encodePublicKey, fingerprint } from '../../src/crypto/keys.js';

class UnstoredTips extends TipStore {
  override add(): Promise<string> {
    return Promise.resolve(randomId());
  }
  override async start(): Promise<void> {}
}

const config = loadConfig();
const recipients = config.recipients!;
const editors = await Promise.all(recipients.map(async (key) => ({ publicKey: key.publicKey, signPublicKey: key.signPublicKey, line: encodePublicKey(key), fingerprint: await fingerprint(key) })));
const db = openDatabase(join(config.dataDir, DATABASE_FILE));
const app = await buildApp({
  config,
  editors,
  db,
  demo: false,
  logger: pino(loggerOptions(config.logLevel)),
  powKey: loadOrCreatePowKey(config.dataDir),
  retention: false,
  tips: new UnstoredTips(db),
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
