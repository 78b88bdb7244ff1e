// pino options for a server that must not record who its sources are, or when they wrote:
// no timestamps, no pid or hostname, no request or response objects, only what we log by hand.
import type { LoggerOptions } from 'pino';

export function loggerOptions(level: string = 'info'): LoggerOptions {
  return {
    level,
    base: null,
    timestamp: false,
    serializers: {
      // Fastify passes req/res to its own request logs (disabled in app.ts); if anything else
      // ever does, only the method and the path without its query string survive.
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: String(req.url ?? '').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error & { code?: string }) => ({ type: err.name, code: err.code }),
    },
  };
}
