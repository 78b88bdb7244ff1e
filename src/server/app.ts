// Builds the whole Fastify application from the validated configuration and an open
// database. No I/O here beyond what the plugins declare; `scripts/start.ts` does
// configuration, the database and listening; tests build the same app (test/helpers/fixtures.ts).
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandlers } from './errors.js';
import { loggerOptions } from './logger.js';
import pagePlugin from './plugins/page.js';
import powPlugin from './plugins/pow.js';
import clientManifestPlugin from './plugins/client-manifest.js';
import { PowService } from './pow/service.js';
import { loadSodium } from '../crypto/sodium.js';
import { randomBytes } from 'node:crypto';
import securityHeaders from './plugins/security-headers.js';
import tipsPlugin from './plugins/tips.js';
import retentionPlugin from './plugins/retention.js';
import { TipStore } from './store/tips.js';
import mailboxPlugin from './plugins/mailbox.js';
import editorApiPlugin from './plugins/editor-api.js';
import uploadsPlugin from './plugins/uploads.js';
import { UploadStore } from './store/uploads.js';
import nojsPlugin from './plugins/nojs.js';
import { loadAssets } from './plugins/page.js';
import type { Db } from './store/db.js';
import { DeskEventStore } from './store/desk-events.js';
import { MailboxStore } from './store/mailboxes.js';
import { RecordStore } from './store/records.js';
import { limitBodiesInFlight, limitRequestsPerTurn, serverOptions } from './limits.js';
import type { Config } from './config.js';

export interface Editor {
  /** The public key line, `tipline-editor-2:…`. */
  line: string;
  /** The X-Wing key tips are sealed to. */
  publicKey: Uint8Array;
  /** The Ed25519 signing key: replies and acknowledgements verify under it. */
  signPublicKey: Uint8Array;
  fingerprint: string;
}

/** What the application takes from the configuration (src/server/config.ts; tests: testConfig). */
export type AppConfig = Pick<Config, 'clientDir' | 'fetchKeys' | 'serverNames' | 'retentionDays' | 'retentionAckedDays' | 'pow' | 'form' | 'uploads' | 'nojs' | 'limits'>;

export interface AppOptions {
  /** Every setting, validated and with its defaults applied once (loadConfig). */
  config: Readonly<AppConfig>;
  editors: Editor[];
  /** The database: tips, mailboxes, uploads. */
  db: Db;
  demo: boolean;
  /** A pino logger (tests pass one writing to a buffer); otherwise pino to stdout. */
  logger?: Logger;
  /** The proof-of-work MAC key (scripts/start.ts passes `<dataDir>/pow.key`); without one a random key for this process. */
  powKey?: Uint8Array;
  /** Milliseconds since the epoch for login challenges, sessions and editor request times (tests). */
  clock?: () => number;
  /** The scheduled retention purge (scripts/start.ts turns it on; most tests do not). */
  retention?: boolean;
  /** Tests only: a smaller largest padded body than the envelope format's. */
  maxPaddedLength?: number;
  /** The tip store on `db` (tests pass theirs to reach its writer thread); closed with the app. */
  tips?: TipStore;
}

/** Ajv's own messages (schema problems at start-up; never request data) go to stderr. */
const ajvToStderr = (...args: unknown[]) => void process.stderr.write(`${args.map(String).join(' ')}\n`);
const AJV_LOGGER = {
  log: ajvToStderr,
  warn: (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('DEPRECATED: option unicode.')) return;
    ajvToStderr(...args);
  },
  error: ajvToStderr,
};

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, db } = options;
  const app = Fastify({
    // Request, header and idle timeouts; a small body limit for routes that set none.
    ...serverOptions(config.limits),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions() }),
    // No request logs at all: they would carry times, and with them the moment of each tip.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids would only count requests; never used, never logged.
    genReqId: () => 'r',
    trustProxy: false,
    return503OnClosing: true,
    // No coercion, no silent removal; string lengths in UTF-16 code units (no per-request code point scan).
    // Ajv warns that `unicode` is deprecated (it still works): that one warning is dropped so
    // the server's output stays JSON log lines; any other goes to stderr as before.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, unicode: false, logger: AJV_LOGGER } },
  }) as unknown as FastifyInstance;
  installErrorHandlers(app, options.clock);
  limitBodiesInFlight(app, config.limits.bodyBytesInFlight);
  limitRequestsPerTurn(app);
  const powKey = options.powKey ?? new Uint8Array(randomBytes(32));
  const pow = new PowService(await loadSodium(), { ...config.pow, key: powKey });
  // One store per table group, shared by every plugin that needs it.
  const store = options.tips ?? new TipStore(db);
  // The writer thread is running before the server listens; every tip handed in is settled before it ends.
  app.addHook('onReady', () => store.start());
  app.addHook('onClose', () => store.close());
  const uploads = new UploadStore(db, options.clock);
  const mailboxes = new MailboxStore(db);
  const recipients = options.editors.length;
  const maxPadded = options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {};
  const now = options.clock ? { now: options.clock } : {};
  const { maxFiles, maxFileBytes, ttlHours, minFreeBytes } = config.uploads;
  await app.register(securityHeaders);
  await app.register(pagePlugin, {
    editors: options.editors.map(({ line, fingerprint }) => ({ line, fingerprint })),
    demo: options.demo,
    nojs: config.nojs.enabled,
    nojsMaxFileBytes: config.nojs.maxFileBytes,
    clientDir: config.clientDir,
    uploads: { maxFiles, maxFileBytes },
    form: config.form,
  });
  await app.register(clientManifestPlugin, { clientDir: config.clientDir });
  await app.register(powPlugin, { pow });
  await app.register(tipsPlugin, { pow, store, recipientCount: recipients, maxFiles, ...maxPadded });
  await app.register(mailboxPlugin, { pow, challengeKey: powKey, mailboxes, tips: store, recipientCount: recipients, maxFiles, ...maxPadded, ...now });
  await app.register(uploadsPlugin, { pow, uploads, maxFileBytes, ttlHours, minFreeBytes });
  await app.register(editorApiPlugin, {
    fetchKeys: config.fetchKeys,
    serverNames: config.serverNames,
    editorSignKeys: options.editors.map((editor) => editor.signPublicKey),
    records: new RecordStore(db),
    mailboxes,
    deskEvents: new DeskEventStore(db),
    ...maxPadded,
    ...now,
  });
  await app.register(nojsPlugin, {
    ...config.nojs,
    uploads,
    maxFiles,
    minFreeBytes,
    recipients: options.editors.map((editor) => editor.publicKey),
    editorSignKeys: options.editors.map((editor) => editor.signPublicKey),
    store,
    mailboxes,
    style: loadAssets(config.clientDir).style,
    form: config.form,
    ...maxPadded,
    ...now,
  });
  if (options.retention) await app.register(retentionPlugin, { db, tips: store, policy: { days: config.retentionDays, ackedDays: config.retentionAckedDays, uploadTtlHours: ttlHours } });
  return app;
}
