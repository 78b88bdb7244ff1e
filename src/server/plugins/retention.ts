// The maintenance job inside the server: purges expired rows and puts what arrived since the
// last run at random places in the file (store/retention.ts, store/order.ts) when the server is
// ready and then every hour; the timer stops when the server closes. It yields to the event
// loop between its transactions, so tips and chunks keep being stored while it runs. It logs
// only failures: how many tips were purged in a run would tell when they arrived.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.js';
import { runMaintenance, type RetentionPolicy } from '../store/retention.js';
import { utcDate, type TipStore } from '../store/tips.js';

export interface RetentionOptions {
  db: Db;
  /** The tip store, whose writer thread commits between the run's transactions. */
  tips: TipStore;
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
  let running: Promise<void> | undefined;
  let closing = false;
  const pause = () => new Promise<void>((resolve, reject) => setImmediate(() => (closing ? reject(new Error('the server is closing')) : resolve()))).then(() => options.tips.settled());
  const run = (): void => {
    if (running) return; // the previous run is still going (a large batch of new chunks)
    running = runMaintenance(options.db, options.policy, today(), pause)
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!closing) app.log.error({ err }, 'retention purge failed; it will be retried');
      })
      .finally(() => (running = undefined));
  };
  app.addHook('onReady', async () => {
    run();
    timer = setInterval(run, options.intervalMs ?? PURGE_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    closing = true;
    if (timer) clearInterval(timer);
    timer = undefined;
    await running; // stops at its next pause; every step is its own transaction
  });
}
