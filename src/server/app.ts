// Builds the Fastify application from already-validated parts. No I/O here beyond what the
// plugins declare; `scripts/start.ts` does configuration, the database and listening.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { installErrorHandlers } from './errors.js';
import { loggerOptions } from './logger.js';
import pagePlugin from './plugins/page.js';
import securityHeaders from './plugins/security-headers.js';
import tipsPlugin from './plugins/tips.js';
import retentionPlugin, { type RetentionOptions } from './plugins/retention.js';
import type { TipStore } from './store/tips.js';

export interface Editor {
  /** The public key line, `tipline-editor-1:…`. */
  line: string;
  publicKey: Uint8Array;
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
  /** The scheduled retention purge (scripts/start.ts always sets it; most tests do not). */
  retention?: RetentionOptions;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions() }),
    // No request logs at all: they would carry times, and with them the moment of each tip.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids would only count requests; never used, never logged.
    genReqId: () => 'r',
    trustProxy: false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  await app.register(securityHeaders);
  await app.register(pagePlugin, {
    editors: options.editors.map(({ line, fingerprint }) => ({ line, fingerprint })),
    demo: options.demo,
    clientDir: options.clientDir,
  });
  await app.register(tipsPlugin, {
    store: options.store,
    recipientCount: options.editors.length,
    ...(options.maxPaddedLength !== undefined ? { maxPaddedLength: options.maxPaddedLength } : {}),
  });
  if (options.retention) await app.register(retentionPlugin, options.retention);
  return app;
}
