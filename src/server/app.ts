// Builds the Fastify application from already-validated parts. No I/O here beyond what the
// plugins declare; `scripts/start.ts` does configuration, the database and listening.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandlers } from './errors.js';
import { loggerOptions } from './logger.js';
import pagePlugin from './plugins/page.js';
import powPlugin from './plugins/pow.js';
import clientManifestPlugin from './plugins/client-manifest.js';
import { PowService, type PowOptions } from './pow/service.js';
import { loadSodium } from '../crypto/sodium.js';
import { randomBytes } from 'node:crypto';
import securityHeaders from './plugins/security-headers.js';
import tipsPlugin from './plugins/tips.js';
import retentionPlugin, { type RetentionOptions } from './plugins/retention.js';
import type { TipStore } from './store/tips.js';
import mailboxPlugin from './plugins/mailbox.js';
import editorApiPlugin from './plugins/editor-api.js';
import uploadsPlugin from './plugins/uploads.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES, UploadStore } from './store/uploads.js';
import type { FormSchema } from '../forms/schema.js';
import nojsPlugin, { DEFAULT_NOJS_BURST, DEFAULT_NOJS_MAX_FILE_BYTES, DEFAULT_NOJS_PER_HOUR, type NojsConfig } from './plugins/nojs.js';
import { loadAssets } from './plugins/page.js';
import type { Db } from './store/db.js';
import { MailboxStore } from './store/mailboxes.js';
import { RecordStore } from './store/records.js';
import { DEFAULT_LIMITS, limitBodiesInFlight, limitRequestsPerTurn, serverOptions, type Limits } from './limits.js';

export interface Editor {
  /** The public key line, `tipline-editor-2:…`. */
  line: string;
  /** The X-Wing key tips are sealed to. */
  publicKey: Uint8Array;
  /** The Ed25519 signing key: replies and acknowledgements verify under it. */
  signPublicKey: Uint8Array;
  fingerprint: string;
}

export interface AppOptions {
  editors: Editor[];
  store: TipStore;
  clientDir: string;
  demo: boolean;
  /** A pino logger (tests pass one writing to a buffer); otherwise pino to stdout. */
  logger?: Logger;
  maxPaddedLength?: number;
  /** Proof of work: the MAC key (scripts/start.ts passes `<dataDir>/pow.key`) and bounds.
   *  Without a key a random one is made for this process; without bounds the real defaults apply. */
  pow?: Partial<PowOptions>;
  /** Conversations (mailboxes, follow-ups, the editor API) need the database itself. */
  db?: Db;
  /** Editors' fetch public keys (TIPLINE_EDITORS) authorising /api/editor/*; none refuses every request. */
  fetchKeys?: Uint8Array[];
  /** TIPLINE_SERVER_NAMES: the names editor requests must be signed for (empty: the request's Host). */
  serverNames?: string[];
  /** Milliseconds since the epoch for login challenges, sessions and editor request times (tests). */
  clock?: () => number;
  /** The scheduled retention purge (scripts/start.ts always sets it; most tests do not). */
  retention?: RetentionOptions;
  /** Attachments (TIPLINE_MAX_FILE_BYTES, TIPLINE_MAX_FILES, TIPLINE_UPLOAD_TTL_HOURS, TIPLINE_MIN_FREE_BYTES); the uploads API needs `db`. */
  uploads?: { maxFileBytes?: number; maxFiles?: number; ttlHours?: number; minFreeBytes?: number };
  /** The no-JavaScript fallback (TIPLINE_NOJS*); on with the default rate when unset. */
  nojs?: Partial<NojsConfig>;
  /** The tip form (TIPLINE_FORM); the generic form when unset. Its fields travel only inside the envelope. */
  form?: FormSchema;
  /** Timeouts and the cap on request bodies in flight (TIPLINE_REQUEST_TIMEOUT_SECONDS, …; src/server/limits.ts). */
  limits?: Partial<Limits>;
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
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({
    // Request, header and idle timeouts; a small body limit for routes that set none.
    ...serverOptions(limits),
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
  limitBodiesInFlight(app, limits.bodyBytesInFlight);
  limitRequestsPerTurn(app);
  const powKey = options.pow?.key ?? new Uint8Array(randomBytes(32));
  const pow = new PowService(await loadSodium(), { ...options.pow, key: powKey });
  await app.register(securityHeaders);
  await app.register(pagePlugin, {
    editors: options.editors.map(({ line, fingerprint }) => ({ line, fingerprint })),
    demo: options.demo,
    nojs: options.nojs?.enabled ?? true,
    nojsMaxFileBytes: options.nojs?.maxFileBytes ?? DEFAULT_NOJS_MAX_FILE_BYTES,
    clientDir: options.clientDir,
    // Attachments need the uploads API, which needs the database.
    uploads: options.db
      ? { maxFiles: options.uploads?.maxFiles ?? DEFAULT_MAX_FILES, maxFileBytes: options.uploads?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }
      : { maxFiles: 0, maxFileBytes: 0 },
    ...(options.form ? { form: options.form } : {}),
  });
  await app.register(clientManifestPlugin, { clientDir: options.clientDir });
  await app.register(powPlugin, { pow });
  await app.register(tipsPlugin, {
    pow,
    store: options.store,
    recipientCount: options.editors.length,
    ...(options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {}),
    ...(options.uploads?.maxFiles !== undefined ? { maxFiles: options.uploads.maxFiles } : {}),
  });
  // One upload store for the uploads API and the no-JS path (which stores the files it encrypts).
  const uploadStore = options.db ? new UploadStore(options.db, options.clock) : undefined;
  // Likewise one mailbox store for the conversation API, the editor API and the no-JS path.
  const mailboxes = options.db ? new MailboxStore(options.db) : undefined;
  if (options.db && mailboxes) {
    const maxPadded = {
      ...(options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {}),
      ...(options.clock ? { now: options.clock } : {}),
    };
    const maxFiles = options.uploads?.maxFiles !== undefined ? { maxFiles: options.uploads.maxFiles } : {};
    await app.register(mailboxPlugin, { pow, challengeKey: powKey, mailboxes, tips: options.store, recipientCount: options.editors.length, ...maxPadded, ...maxFiles });
    await app.register(uploadsPlugin, {
      pow,
      uploads: uploadStore!,
      ...(options.uploads?.maxFileBytes !== undefined ? { maxFileBytes: options.uploads.maxFileBytes } : {}),
      ...(options.uploads?.ttlHours !== undefined ? { ttlHours: options.uploads.ttlHours } : {}),
      ...(options.uploads?.minFreeBytes !== undefined ? { minFreeBytes: options.uploads.minFreeBytes } : {}),
    });
    await app.register(editorApiPlugin, { fetchKeys: options.fetchKeys ?? [], serverNames: options.serverNames ?? [], editorSignKeys: options.editors.map((editor) => editor.signPublicKey), records: new RecordStore(options.db), mailboxes, db: options.db, ...maxPadded });
  }
  await app.register(nojsPlugin, {
    enabled: options.nojs?.enabled ?? true,
    burst: options.nojs?.burst ?? DEFAULT_NOJS_BURST,
    perHour: options.nojs?.perHour ?? DEFAULT_NOJS_PER_HOUR,
    maxFileBytes: options.nojs?.maxFileBytes ?? DEFAULT_NOJS_MAX_FILE_BYTES,
    // Files without JavaScript need the upload store (the database), like the uploads API.
    ...(uploadStore ? { uploads: uploadStore, maxFiles: options.uploads?.maxFiles ?? DEFAULT_MAX_FILES } : {}),
    ...(options.uploads?.minFreeBytes !== undefined ? { minFreeBytes: options.uploads.minFreeBytes } : {}),
    recipients: options.editors.map((editor) => editor.publicKey),
    editorSignKeys: options.editors.map((editor) => editor.signPublicKey),
    store: options.store,
    ...(mailboxes ? { mailboxes } : {}),
    style: loadAssets(options.clientDir).style,
    ...(options.form ? { form: options.form } : {}),
    ...(options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {}),
    ...(options.clock ? { now: options.clock } : {}),
  });
  if (options.retention) await app.register(retentionPlugin, options.retention);
  return app;
}
