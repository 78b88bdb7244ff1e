// Errors the server answers with. Messages are fixed strings or our own checks' words: never
// the request body, never a parser's message (Node's JSON errors quote the input).
import type { FastifyError, FastifyInstance } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Maps a failed SQLite write to an answer the source can act on. */
export function storageError(err: unknown): HttpError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code.startsWith('SQLITE_IOERR')) {
    return new HttpError(507, 'the server is out of storage: your tip was NOT stored; please try again later');
  }
  return new HttpError(503, 'the server could not store your tip: it was NOT stored; please try again later');
}

const FRAMEWORK_MESSAGES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported content type: send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'the content length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'the body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'the body is too large'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the body is not valid JSON'],
};

/** Repeats of one refusal within this long are counted, not logged one by one. */
export const REFUSAL_LOG_WINDOW_MS = 60_000;

/**
 * The server's own 5xx refusals (HttpError: proof-of-work set full, out of storage, a store
 * that failed) can come once per request in a flood. The first of each kind is logged at once;
 * repeats within REFUSAL_LOG_WINDOW_MS are counted and the count (`repeated`) goes with the
 * next line of that kind, so the log stays readable and small and still shows every kind and
 * how often. Anything else that fails (a real fault) is logged every time.
 */
class RefusalLog {
  private readonly kinds = new Map<string, { last: number; repeated: number }>();
  constructor(private readonly now: () => number) {}
  /** How many repeats to report when this one should be logged now; undefined: count it only. */
  take(kind: string): number | undefined {
    const now = this.now();
    const seen = this.kinds.get(kind);
    if (seen && now - seen.last < REFUSAL_LOG_WINDOW_MS) {
      seen.repeated++;
      return undefined;
    }
    this.kinds.set(kind, { last: now, repeated: 0 });
    return seen?.repeated ?? 0;
  }
}

export function installErrorHandlers(app: FastifyInstance, now: () => number = Date.now): void {
  const refusals = new RefusalLog(now);
  app.setErrorHandler((error: FastifyError | HttpError, _request, reply) => {
    let status = 500;
    let message = 'internal error';
    if (error instanceof HttpError) {
      status = error.statusCode;
      message = error.message;
    } else if ((error as FastifyError).validation) {
      status = 400;
      message = `invalid request: ${(error as FastifyError).message}`;
    } else if (error.code && FRAMEWORK_MESSAGES[error.code]) {
      [status, message] = FRAMEWORK_MESSAGES[error.code]!;
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      message = 'bad request';
    }
    if (status >= 500) {
      const repeated = error instanceof HttpError ? refusals.take(`${status} ${message}`) : 0;
      if (repeated !== undefined) reply.log.error({ err: error, ...(repeated ? { repeated } : {}) }, 'request failed');
    }
    reply.code(status).type('application/json; charset=utf-8').send({ error: message });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json; charset=utf-8').send({ error: 'not found' });
  });
}
