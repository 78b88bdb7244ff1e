// JSON-only request bodies for an encapsulated plugin: any other content type is refused
// with 415 before anything is read, and a JSON syntax error becomes a fixed 400 message
// (Node's own message quotes the input, which may be a source's words).
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

export function acceptJsonOnly(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'the body is not valid JSON'), undefined);
    }
  });
}
