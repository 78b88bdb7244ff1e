// npm start: validate the configuration, open the database, serve the tip line.
import { join, relative } from 'node:path';
import pino from 'pino';
import { buildApp, type Editor } from '../src/server/app.js';
import { ConfigError, loadConfig, type Config } from '../src/server/config.js';
import { ensureDemoKey } from '../src/server/demo.js';
import { loggerOptions } from '../src/server/logger.js';
import { DATABASE_FILE, openDatabase } from '../src/server/store/db.js';
import { loadOrCreatePowKey } from '../src/server/pow/key.js';
import { LISTEN_BACKLOG } from '../src/server/limits.js';
import { encodePublicKey, fingerprint } from '../src/crypto/keys.js';

function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`tipline: ${line}\n`);
  process.exit(1);
}

let config: Readonly<Config>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.problems);
  throw err;
}

const logger = pino(loggerOptions(config.logLevel));
let recipients = config.recipients;
let demo = false;
if (!recipients) {
  const key = await ensureDemoKey(config.dataDir);
  recipients = key.recipients;
  demo = true;
  const rel = (p: string) => relative(process.cwd(), p) || p;
  process.stdout.write(
    [
      '',
      '  ==================================================================',
      '  DEMO MODE: no TIPLINE_RECIPIENTS is set, so this server made a demo',
      '  editor key. Its SECRET KEY IS ON THIS MACHINE: do not send real tips.',
      `    secret key:  ${rel(key.keyFile)}`,
      `    passphrase:  ${key.passphrase}   (also in ${rel(key.passphraseFile)})`,
      '  Read the demo tips with:',
      `    npm run export -- --db ${rel(join(config.dataDir, DATABASE_FILE))} --out tips.bundle`,
      `    npm run decrypt -- --key ${rel(key.keyFile)} --passphrase-file ${rel(key.passphraseFile)} --in tips.bundle --out tips`,
      '  For a real tip line see README.md (npm run keygen, TIPLINE_RECIPIENTS).',
      '  ==================================================================',
      '',
    ].join('\n') + '\n',
  );
  logger.warn('DEMO MODE: the decryption key for this tip line is stored on this machine; do not use it for real tips');
}

const editors: Editor[] = await Promise.all(
  recipients.map(async (key) => ({ publicKey: key.publicKey, signPublicKey: key.signPublicKey, line: encodePublicKey(key), fingerprint: await fingerprint(key) })),
);

let db;
try {
  db = openDatabase(join(config.dataDir, DATABASE_FILE));
} catch (err) {
  fail([`cannot open the database in ${config.dataDir}: ${(err as Error).message}`]);
}

let app;
try {
  app = await buildApp({
    config,
    editors,
    db,
    demo,
    logger,
    // The proof-of-work MAC key, <dataDir>/pow.key (0600, made on first start): the server's only secret.
    powKey: loadOrCreatePowKey(config.dataDir),
    retention: true,
  });
} catch (err) {
  fail([(err as Error).message]);
}

try {
  await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail([`TIPLINE_PORT: port ${config.port} on ${config.host} is already in use`]);
  if (code === 'EADDRNOTAVAIL') fail([`TIPLINE_HOST: ${config.host} is not an address of this machine`]);
  fail([`cannot listen on ${config.host}:${config.port}: ${code ?? (err as Error).message}`]);
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
logger.info({ editors: editors.map((e) => e.fingerprint), demo }, `Tipline listening on http://${config.host}:${port}`);

// Shutdown within a deadline whatever clients do: stop accepting, close idle connections and
// answer 503 on busy ones (app.close); after TIPLINE_SHUTDOWN_SECONDS close every connection
// still open (half-sent requests: refused, nothing stored). Tips acknowledged so far are already
// durable (each receipt follows its commit); one whose commit is under way completes or is
// refused by its transaction, never half-stored.
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    const deadline = config.limits.shutdownSeconds * 1000;
    setTimeout(() => app.server.closeAllConnections(), deadline).unref();
    // Should closing still hang (it should not), leave anyway: SQLite's WAL keeps every commit.
    setTimeout(() => process.exit(1), deadline + 3000).unref();
    app.close().finally(() => {
      db.close();
      process.exit(0);
    });
  });
}
