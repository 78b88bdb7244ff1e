// The desk's local web server (docs/EDITORS.md, "The desk"): node:http on
// 127.0.0.1 only, on a random port, every page under a per-run secret path
// (`http://127.0.0.1:<port>/<secret>/`). It only routes, checks and renders: every question
// goes to the model through src/desk/api.ts `Desk`.
//
// What a request must show, in this order (each failure answers without a word about the desk):
//   1. Host exactly `127.0.0.1:<port>`: a page on another site whose name an attacker points
//      at 127.0.0.1 (DNS rebinding) sends its own name → 421 (400 when missing);
//   2. the first path segment equals the secret (compared in constant time) → else 404;
//   3. a POST carries `Origin: http://127.0.0.1:<port>` (cross-site forms and scripts send their
//      own origin, or `null`) → else 403, and a form body of at most MAX_BODY bytes.
// Every answer carries the strict headers of HEADERS (CSP without inline script or style,
// nothing framed, no referrer to any other site, no caching). Nothing on any page links outside this origin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUSES, VERIFICATIONS, type Desk, type DeskChange, type InboxQuery, type ThreadStatus, type Verification } from './api.js';
import { TiplineError } from '../shared/errors.js';
import { DeskError } from './desk.js';
import { DESK_CSS } from './views/style.js';
import { renderInbox } from './views/inbox.js';
import { renderThread } from './views/thread.js';
import { renderMessage } from './views/layout.js';
import { LANGS, fill, words, type Lang } from './views/words.js';
import { renderColleague } from './views/colleague.js';
import { exportedHtml, importResultHtml, renderElection, renderElectionResult } from './views/reports.js';
import { importVerification } from './election.js';
import { writePublication } from './publish.js';

export class DeskServerError extends TiplineError {
  override name = 'DeskServerError';
}

/** The only address the desk listens on. */
export const LOOPBACK = '127.0.0.1';

/** The Content-Security-Policy of every answer. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: under it browsers send `Origin: null` on every form POST, the desk's own
  // included (Fetch, "append a request Origin header"), and the Origin check could not tell
  // the desk from an attacker. same-origin sends no Referer and no Origin to any other site.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The largest form body (a reply or a note: 64 000 characters of Cyrillic, form-encoded, fit). */
export const MAX_BODY = 1024 * 1024;
const MAX_TEXT = 64_000;
const MAX_LABEL = 100;
/** A 1×1 transparent PNG: the page names it as its icon, so the browser asks for nothing outside the secret path. */
const ICON = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const ID_RE = /^[0-9a-f]{32}$/;
const FILE_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Refuses every address but 127.0.0.1 (the `--host` option exists only to be refused): the
 * desk shows decrypted tips, so it must never be reachable from another machine, not even
 * through `localhost`, which may resolve to another address or a name a proxy handles.
 */
export function checkHost(host: string): void {
  if (host !== LOOPBACK) {
    throw new DeskServerError(`the desk listens on ${LOOPBACK} only (it shows decrypted tips; nothing else may reach it): --host ${JSON.stringify(host.slice(0, 60))} refused`);
  }
}

export interface DeskServerOptions {
  desk: Desk;
  /** The window's script (src/desk/client/, bundled): served as /<secret>/desk.js. */
  script: string;
  lang?: Lang;
  /** Must be 127.0.0.1 (default). */
  host?: string;
  /** 0 (default): a random free port. */
  port?: number;
  /** Where the election page writes the export for publication (the desk's export folder). */
  exportDir?: string;
}

export interface DeskServer {
  /** `http://127.0.0.1:<port>/<secret>/`: the one address of the desk (secret inside: show it only to the editor). */
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** Constant-time comparison of the first path segment with the secret (hashes first: the lengths may differ). */
function secretMatches(candidate: string, secret: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), ...extra });
  res.end(bytes);
}

const plain = (res: ServerResponse, status: number, text: string) => send(res, status, 'text/plain; charset=utf-8', `${text}\n`);

/** The first bytes of a PNG, JPEG, GIF or WebP image: its type, or undefined for anything else. */
export function imageType(bytes: Uint8Array): string | undefined {
  const ascii = (at: number, s: string) => [...s].every((c, i) => bytes[at + i] === c.charCodeAt(0));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'a form (application/x-www-form-urlencoded) was expected');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY) throw new HttpError(413, 'too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return new URLSearchParams(text);
}

/** One text field of a form: present, at most `max` characters, NUL-free. */
function field(form: URLSearchParams, name: string, max: number, required = true): string {
  const value = form.get(name);
  if (value === null || (required && value.trim() === '')) {
    if (!required) return '';
    throw new HttpError(400, `missing ${name}`);
  }
  if (value.length > max) throw new HttpError(400, `${name} is longer than ${max} characters`);
  if (value.includes('\0')) throw new HttpError(400, `${name} holds a NUL character`);
  return value;
}

/** The change a form asks for, checked against the API's vocabulary and the thread as it is now. */
export function changeFromForm(form: URLSearchParams, current: ThreadStatus, roster: string[]): DeskChange {
  const kind = form.get('kind');
  switch (kind) {
    case 'status': {
      const status = form.get('status') as ThreadStatus;
      if (!STATUSES.includes(status)) throw new HttpError(400, 'unknown status');
      const reason = field(form, 'reason', MAX_TEXT, false).trim();
      const reopening = (current === 'closed' || current === 'rejected') && status !== current;
      if (reopening && reason === '') throw new HttpError(400, 'reopening a thread needs a reason');
      return reason ? { kind, status, reason } : { kind, status };
    }
    case 'label': {
      const label = field(form, 'label', MAX_LABEL).trim();
      return { kind, label, on: form.get('on') !== '0' };
    }
    case 'assign': {
      const editor = form.get('editor') ?? '';
      if (editor === 'none' || editor === '') return { kind, editor: null };
      if (!roster.includes(editor)) throw new HttpError(400, 'no such editor in the roster');
      return { kind, editor };
    }
    case 'star':
      return { kind, on: form.get('on') === '1' };
    case 'seen':
      return form.get('unread') === '1' ? { kind, unread: true } : { kind };
    case 'note':
      return { kind, text: field(form, 'text', MAX_TEXT) };
    case 'verify': {
      const tip = form.get('tip') ?? '';
      const state = form.get('state') as Verification;
      if (!ID_RE.test(tip)) throw new HttpError(400, 'bad tip id');
      if (!VERIFICATIONS.includes(state)) throw new HttpError(400, 'unknown verification');
      return { kind, tip, state, note: field(form, 'note', MAX_TEXT, false) };
    }
    default:
      throw new HttpError(400, 'unknown change');
  }
}

/** The inbox query of a page's query string (unknown values ignored). */
export function queryFromParams(params: URLSearchParams): InboxQuery {
  const q: InboxQuery = {};
  const text = params.get('q')?.slice(0, 200).trim();
  if (text) q.text = text;
  const status = params.get('status') as ThreadStatus;
  if (STATUSES.includes(status)) q.status = status;
  const label = params.get('label')?.slice(0, MAX_LABEL).trim();
  if (label) q.label = label;
  const assignee = params.get('assignee')?.slice(0, 128);
  if (assignee) q.assignee = assignee;
  if (params.get('unread') === '1') q.unread = true;
  if (params.get('starred') === '1') q.starred = true;
  const form = params.get('form')?.slice(0, 64);
  if (form) q.form = form;
  const sort = params.get('sort');
  if (sort === 'activity' || sort === 'status' || sort === 'designation') q.sort = sort;
  return q;
}

/** Starts the desk's server; resolves once it listens. */
export async function startDeskServer(options: DeskServerOptions): Promise<DeskServer> {
  const host = options.host ?? LOOPBACK;
  checkHost(host);
  const lang: Lang = options.lang ?? 'en';
  if (!LANGS.includes(lang)) throw new DeskServerError(`--lang must be ${LANGS.join(', ')}`);
  const { desk, script } = options;
  const secret = randomBytes(32).toString('base64url');
  let port = 0;
  let origin = '';
  let hostHeader = '';
  const base = `/${secret}/`;
  const w = words(lang);

  const html = (res: ServerResponse, status: number, page: string) => send(res, status, 'text/html; charset=utf-8', page);
  const seeOther = (res: ServerResponse, location: string) => {
    res.writeHead(303, { ...HEADERS, Location: location, 'Content-Length': '0' });
    res.end();
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 1. Host (DNS rebinding).
    const hostSeen = req.headers.host;
    if (hostSeen === undefined) return plain(res, 400, 'Bad request');
    if (hostSeen !== hostHeader) return plain(res, 421, 'Misdirected request');
    // 2. The secret path.
    const rawUrl = req.url ?? '/';
    if (!rawUrl.startsWith('/')) return plain(res, 404, 'Not found');
    const qAt = rawUrl.indexOf('?');
    const path = qAt === -1 ? rawUrl : rawUrl.slice(0, qAt);
    const params = new URLSearchParams(qAt === -1 ? '' : rawUrl.slice(qAt + 1));
    const segments = path.split('/').slice(1);
    const first = segments.shift() ?? '';
    if (!secretMatches(first, secret) || segments.length === 0) return plain(res, 404, 'Not found');
    const rest = segments.join('/');
    const method = req.method ?? 'GET';
    // 3. POST: same origin only.
    if (method === 'POST') {
      if (req.headers.origin !== origin) return plain(res, 403, 'Forbidden: cross-origin request');
    } else if (method !== 'GET' && method !== 'HEAD') {
      return plain(res, 405, 'Method not allowed');
    }
    const thread = /^thread\/([0-9a-f]{32})(\/(change|reply))?$/.exec(rest);
    if (method === 'GET') {
      if (rest === '') return html(res, 200, renderInbox({ base, lang, desk, query: queryFromParams(params), params }));
      if (rest === 'desk.css') return send(res, 200, 'text/css; charset=utf-8', DESK_CSS);
      if (rest === 'desk.js') return send(res, 200, 'text/javascript; charset=utf-8', script);
      if (rest === 'icon.png') return send(res, 200, 'image/png', ICON);
      if (rest === 'election') return html(res, 200, renderElection({ base, lang, desk, query: queryFromParams(params), params }));
      if (rest === 'colleague') return html(res, 200, renderColleague({ base, lang, desk }));
      if (thread && !thread[2]) {
        let detail = desk.thread(thread[1]!);
        if (!detail) return html(res, 404, renderMessage({ base, lang, title: w.notFound, text: w.noSuchThread }));
        // Opening a thread reads it: one `seen` event, only when something in it was new.
        if (detail.unread) {
          await desk.change(detail.id, { kind: 'seen' });
          detail = desk.thread(detail.id) ?? detail;
        }
        const neighbours = desk.inbox(queryFromParams(params)).map((s) => s.id);
        return html(res, 200, renderThread({ base, lang, desk, thread: detail, neighbours, params }));
      }
      const thumb = /^thumb\/([A-Za-z0-9_-]{1,128})$/.exec(rest);
      if (thumb) {
        const bytes = desk.thumbnail(thumb[1]!);
        const type = bytes ? imageType(bytes) : undefined;
        if (!bytes || !type) return plain(res, 404, 'Not found');
        return send(res, 200, type, bytes, { 'Content-Disposition': 'inline' });
      }
      return plain(res, 404, 'Not found');
    }
    if (method !== 'POST') return plain(res, 405, 'Method not allowed');
    const form = await readForm(req);
    if (thread?.[2]) {
      const id = thread[1]!;
      const detail = desk.thread(id);
      if (!detail) throw new HttpError(404, w.noSuchThread);
      const back = `${base}thread/${id}`;
      if (thread[3] === 'reply') {
        const text = field(form, 'text', MAX_TEXT);
        await desk.reply(id, text);
        return seeOther(res, `${back}#replied`);
      }
      const change = changeFromForm(
        form,
        detail.status,
        desk.roster().map((e) => e.id),
      );
      await desk.change(id, change);
      return seeOther(res, form.get('back') === 'inbox' ? base : `${back}#${change.kind}`);
    }
    // Election reports (src/desk/election.ts): verification.tsv pasted once; the publication written to the export folder.
    if (rest === 'election/import') {
      const result = importVerification(new TextEncoder().encode(field(form, 'tsv', MAX_BODY)), desk.electionTips({}));
      for (const c of result.changes) await desk.change(c.thread, c.change);
      return html(res, 200, renderElectionResult({ base, lang, body: importResultHtml(result, lang) }));
    }
    if (rest === 'election/export') {
      if (!options.exportDir) throw new HttpError(400, 'this desk has no export folder');
      const includeFreeText = form.get('freeText') === '1';
      mkdirSync(options.exportDir, { recursive: true, mode: 0o700 });
      const written = writePublication(options.exportDir, desk.electionTips(queryFromParams(params)), { date: new Date().toISOString().slice(0, 10), lang, includeFreeText });
      return html(res, 200, renderElectionResult({ base, lang, body: exportedHtml(written, includeFreeText, lang) }));
    }
    if (rest === 'colleague') {
      const colleague = desk.roster().find((r) => !r.me && r.id === form.get('editor'));
      if (!colleague) throw new HttpError(400, 'choose a colleague of the roster');
      const written = await desk.exportSeed(colleague.id);
      return html(res, 200, renderMessage({ base, lang, title: w.colleagueDone, text: `${w.exportedTo} ${written}`, warning: fill(w.colleagueCarry, { name: colleague.name }) }));
    }
    if (rest === 'export') {
      const fileId = form.get('file') ?? '';
      if (!FILE_ID_RE.test(fileId)) throw new HttpError(400, 'bad file id');
      const written = await desk.exportFile(fileId);
      return html(res, 200, renderMessage({ base, lang, title: w.exported, text: `${w.exportedTo} ${written}`, warning: w.exportWarning }));
    }
    return plain(res, 404, 'Not found');
  }

  const server: Server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpError) return html(res, err.status, renderMessage({ base, lang, title: w.problem, text: err.message }));
      // The model's own one-line errors (TiplineError) are meant to be shown; anything else is not.
      if (err instanceof TiplineError || err instanceof DeskError) return html(res, 400, renderMessage({ base, lang, title: w.problem, text: err.message }));
      return html(res, 500, renderMessage({ base, lang, title: w.problem, text: w.internal }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  hostHeader = `${LOOPBACK}:${port}`;
  origin = `http://${hostHeader}`;
  return {
    url: `${origin}${base}`,
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
