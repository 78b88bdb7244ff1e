// The retention job inside the server: purges expired rows (store/retention.ts) when the
// server is ready and then every hour; the timer stops when the server closes. It logs only
// failures: how many tips were purged in a run would tell when they arrived.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.js';
import { purgeExpired, type RetentionPolicy } from '../store/retention.js';
import { utcDate } from '../store/tips.js';

export interface RetentionOptions {
  db: Db;
  policy: RetentionPolicy;
  /** Today's UTC date; tests move the clock with it. */
  today?: () => string;
  /** How often to purge; one hour by default. */
  intervalMs?: number;
}

export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export default async function retentionPlugin(app: FastifyInstance, options: RetentionOptions): Promise<void> {
  const today = options.today ?? (() => utcDate());
  let timer: NodeJS.Timeout | undefined;
  const run = (): void => {
    try {
      purgeExpired(options.db, options.policy, today());
    } catch (err) {
      app.log.error({ err }, 'retention purge failed; it will be retried');
    }
  };
  app.addHook('onReady', async () => {
    run();
    timer = setInterval(run, options.intervalMs ?? PURGE_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  });
}
