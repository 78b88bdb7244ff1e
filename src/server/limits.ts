// Connection and request limits against unauthenticated memory exhaustion (docs/THREAT-MODEL.md).
// Over Tor every client is 127.0.0.1, so the limits are global:
//
// - timeouts: a request must arrive whole within TIPLINE_REQUEST_TIMEOUT_SECONDS (default 120:
//   a 1 MiB upload chunk needs ≈ 9 KiB/s, well below a slow Tor circuit), its headers within
//   HEADERS_TIMEOUT_SECONDS, and a connection that sends nothing for
//   TIPLINE_IDLE_TIMEOUT_SECONDS (default 30, also the keep-alive time) is closed. Node checks
//   the request and header deadlines every CHECK_INTERVAL_MS; an expired request gets 408
//   and its connection is closed.
// - bodies in flight: every request that carries a body reserves, before any byte of it is
//   read, the smaller of its declared length and its route's body limit (each route sets its
//   own, from what it legitimately needs); when the reservations of all requests not yet
//   answered would exceed TIPLINE_BODY_BYTES_IN_FLIGHT (default 32 MiB) it is refused at once
//   with 503 and the connection closed. A reservation ends when the answer is sent or the
//   connection closes.
// - work per event-loop turn: at most REQUESTS_PER_TURN requests start per turn, the others
//   wait round robin by connection, so new connections are still accepted under a flood (T21).
import type { ServerOptions } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import { defaultOf } from './settings.js';

export interface Limits {
  requestTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  bodyBytesInFlight: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  requestTimeoutSeconds: defaultOf('TIPLINE_REQUEST_TIMEOUT_SECONDS'),
  idleTimeoutSeconds: defaultOf('TIPLINE_IDLE_TIMEOUT_SECONDS'),
  bodyBytesInFlight: defaultOf('TIPLINE_BODY_BYTES_IN_FLIGHT'),
});
export const HEADERS_TIMEOUT_SECONDS = 20;
/**
 * Connections the kernel may hold completed but not yet accepted (listen(2) backlog). Node's
 * default, 511, overflowed when 1 000 connections opened at once: the kernel dropped the
 * handshakes beyond it and those connections stayed unanswered for 30 s and more (the soak's
 * intermittent timeouts, THREAT-MODEL T21). The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4096;
const CHECK_INTERVAL_MS = 1000;
/** Routes that set no body limit of their own (pages, GETs) accept at most this much. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;
export const BODIES_BUSY = 'the server is receiving too much at once: please try again in a minute';

/** Fastify's server options for these limits (the server's own timeouts; inject() ignores them). */
export function serverOptions(limits: Limits): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number; bodyLimit: number; http: ServerOptions } {
  const request = limits.requestTimeoutSeconds * 1000;
  return {
    connectionTimeout: limits.idleTimeoutSeconds * 1000,
    keepAliveTimeout: limits.idleTimeoutSeconds * 1000,
    requestTimeout: request,
    bodyLimit: DEFAULT_BODY_LIMIT,
    http: { headersTimeout: Math.min(HEADERS_TIMEOUT_SECONDS * 1000, request), requestTimeout: request, connectionsCheckingInterval: CHECK_INTERVAL_MS },
  };
}

/** The cap on request bodies in flight, as an onRequest hook on the root instance. */
export function limitBodiesInFlight(app: FastifyInstance, maxBytes: number): { inFlight: () => number } {
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.raw.headers;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return done();
    const limit = request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const declared = Number(headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
    if (inFlight + bytes > maxBytes) {
      // The body is not read: close the connection after the answer rather than drain it.
      reply.header('connection', 'close');
      return done(new HttpError(503, BODIES_BUSY));
    }
    inFlight += bytes;
    reply.raw.once('close', () => (inFlight -= bytes));
    done();
  });
  return { inFlight: () => inFlight };
}

/**
 * Requests that may start per event-loop turn (THREAT-MODEL T21). libuv (1.45 and later, so
 * Node 20) accepts ONE connection each time the event loop polls, and one turn runs every
 * request whose bytes are ready: with hundreds of keep-alive connections that always have a
 * next request ready, a turn lasted 0.3–1 s and new connections waited in the kernel's accept
 * queue for 30 s and more (the soak's intermittent timeouts). With at most this many requests
 * started per turn, turns stay a few milliseconds long and a new connection is accepted within
 * a few turns however many connections keep the server busy.
 */
export const REQUESTS_PER_TURN = 8;

/**
 * Bounded work per event-loop turn, as an onRequest hook on the root instance (after the cap on
 * bodies in flight, so a refused request never waits): up to `perTurn` requests proceed, the
 * others wait for the next turns (setImmediate), taken round robin by connection (a connection
 * that pipelines many requests gets one per round, like every other) and in order within each.
 * Nothing is dropped, and every limit and timeout still applies while a request waits.
 */
export function limitRequestsPerTurn(app: FastifyInstance, perTurn: number = REQUESTS_PER_TURN): { waiting: () => number } {
  let started = 0;
  let scheduled = false;
  let waiting = 0;
  // Connections with waiting requests, in the order of their turn (a Map keeps insertion order).
  const line = new Map<object, (() => void)[]>();
  const nextTurn = () => {
    started = 0;
    for (const [connection, requests] of line) {
      if (started >= perTurn) break;
      line.delete(connection);
      const proceed = requests.shift()!;
      if (requests.length) line.set(connection, requests);
      started++;
      waiting--;
      proceed();
    }
    if (line.size) setImmediate(nextTurn);
    else scheduled = false;
  };
  app.addHook('onRequest', (request, _reply, done) => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(nextTurn);
    }
    if (started < perTurn && line.size === 0) {
      started++;
      return done();
    }
    const connection = request.raw.socket;
    const requests = line.get(connection);
    if (requests) requests.push(() => done());
    else line.set(connection, [() => done()]);
    waiting++;
  });
  return { waiting: () => waiting };
}
