// GET / (the submission page), GET /mailbox (where a source comes back), GET /assets/<name>
// (the bundled script and stylesheet) and an empty GET /favicon.ico.
// Everything is read and rendered once, at registration (each page in every language, see
// src/i18n/): only files the build manifest lists are ever served, each checked against its
// recorded hash, so the SRI attributes in the page are those of the bytes this process serves.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderPage, type PageAsset } from '../../views/page.js';
import { renderMailboxPage } from '../../views/mailbox-page.js';
import { MAILBOX_PATH } from '../../views/contract.js';
import { LANGUAGES, chooseLanguage } from '../../i18n/index.js';
import { isOnionHost } from '../onion.js';
import type { FormSchema } from '../../forms/schema.js';

export interface PageOptions {
  editors: { line: string; fingerprint: string }[];
  demo: boolean;
  /** The no-JavaScript fallback is on (TIPLINE_NOJS): the forms post to it and the pages say so. */
  nojs?: boolean;
  /** Bytes of files one no-JS post may carry (TIPLINE_NOJS_MAX_FILE_BYTES), shown beside the file input without JavaScript. */
  nojsMaxFileBytes?: number;
  /** The directory `npm run build:client` writes (dist/client). */
  clientDir: string;
  /** Attachment limits shown on the page and used by its browser code; maxFiles 0 hides attachments. */
  uploads?: { maxFiles: number; maxFileBytes: number };
  /** The tip form (TIPLINE_FORM), rendered into the submission page. */
  form?: FormSchema;
}

interface Asset {
  body: Buffer;
  /** The same bytes gzipped once at start-up: the script is ~1 MB (libsodium with its asm.js
   *  fallback), about a third of that compressed, which matters over slow Tor circuits. */
  gzipped: Buffer;
  contentType: string;
}

/** True when an Accept-Encoding header accepts gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

const CONTENT_TYPES: Record<string, string> = {
  'text/javascript': 'text/javascript; charset=utf-8',
  'text/css': 'text/css; charset=utf-8',
};

class PageSetupError extends Error {
  constructor(message: string) {
    super(`the submission page: ${message}`);
    this.name = 'PageSetupError';
  }
}

export function loadAssets(clientDir: string): { assets: Map<string, Asset>; script: PageAsset; style: PageAsset } {
  const manifestPath = join(clientDir, 'manifest.json');
  let manifest: { assets?: Record<string, { file?: unknown; type?: unknown; sha256?: unknown; integrity?: unknown; role?: unknown }> };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is unreadable';
    throw new PageSetupError(`the client bundle manifest ${manifestPath} ${reason}: run npm run build:client`);
  }
  const assets = new Map<string, Asset>();
  let script: PageAsset | undefined;
  let style: PageAsset | undefined;
  for (const [path, entry] of Object.entries(manifest.assets ?? {})) {
    const { file, type, sha256, integrity, role } = entry ?? {};
    if (
      typeof file !== 'string' ||
      !/^[A-Za-z0-9._-]+$/.test(file) ||
      file.startsWith('.') ||
      path !== `/assets/${file}` ||
      typeof type !== 'string' ||
      !CONTENT_TYPES[type] ||
      typeof sha256 !== 'string' ||
      typeof integrity !== 'string'
    ) {
      throw new PageSetupError(`the client bundle manifest has a malformed entry "${path}": run npm run build:client`);
    }
    let body: Buffer;
    try {
      body = readFileSync(join(clientDir, file));
    } catch {
      throw new PageSetupError(`${join(clientDir, file)} is missing: run npm run build:client`);
    }
    const actual = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    if (createHash('sha256').update(body).digest('hex') !== sha256 || actual !== integrity) {
      throw new PageSetupError(`${join(clientDir, file)} does not match the manifest: run npm run build:client`);
    }
    assets.set(path, { body, gzipped: gzipSync(body, { level: 9 }), contentType: CONTENT_TYPES[type]! });
    // The proof-of-work worker is served but not referenced by the page (its script starts it).
    if (role === 'worker' && type === 'text/javascript') continue;
    if (type === 'text/javascript') {
      if (script) throw new PageSetupError('the client bundle manifest lists more than one script');
      script = { href: path, integrity: actual };
    } else {
      if (style) throw new PageSetupError('the client bundle manifest lists more than one stylesheet');
      style = { href: path, integrity: actual };
    }
  }
  if (!script || !style) throw new PageSetupError('the client bundle manifest lacks the script or the stylesheet: run npm run build:client');
  return { assets, script, style };
}

export default async function pagePlugin(app: FastifyInstance, options: PageOptions): Promise<void> {
  if (options.editors.length === 0) throw new PageSetupError('no editor keys are configured');
  const { assets, script, style } = loadAssets(options.clientDir);
  // Every page in every language, with and without the "not the onion address" warning:
  // rendered once here (a few dozen kilobytes each), picked per request.
  const render = (renderer: typeof renderPage) => {
    const byLanguage = new Map<string, { onion: Buffer; clearnet: Buffer }>();
    for (const lang of LANGUAGES) {
      const input = {
        editors: options.editors,
        demo: options.demo,
        nojs: options.nojs ?? true,
        ...(options.nojsMaxFileBytes ? { nojsMaxFileBytes: options.nojsMaxFileBytes } : {}),
        script,
        style,
        lang,
        ...(options.uploads ? { uploads: options.uploads } : {}),
        ...(options.form ? { form: options.form } : {}),
      };
      byLanguage.set(lang, {
        onion: Buffer.from(renderer({ ...input, onion: true }), 'utf8'),
        clearnet: Buffer.from(renderer({ ...input, onion: false }), 'utf8'),
      });
    }
    // The language: `?lang=` from the switcher's links, else Accept-Language; never a cookie.
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const lang = chooseLanguage((request.query as Record<string, unknown> | undefined)?.lang, request.headers['accept-language']);
      const pages = byLanguage.get(lang)!;
      reply.header('cache-control', 'no-store').header('vary', 'Accept-Language').header('content-language', lang).type('text/html; charset=utf-8');
      return isOnionHost(request.headers.host) ? pages.onion : pages.clearnet;
    };
  };

  app.get('/', render(renderPage));

  // Where a source comes back with the return passphrase: the same script, stylesheet and SRI.
  app.get(MAILBOX_PATH, render(renderMailboxPage));

  // Browsers ask for an icon on their own; answer "none" rather than log a 404 in the console.
  app.get('/favicon.ico', async (_request, reply) => {
    reply.code(204).header('cache-control', 'no-store');
    return reply.send();
  });

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(`/assets/${request.params.name}`);
    reply.header('cache-control', 'no-store');
    if (!asset) {
      reply.code(404).type('application/json; charset=utf-8');
      return { error: 'not found' };
    }
    reply.type(asset.contentType).header('vary', 'accept-encoding');
    if (acceptsGzip(request.headers['accept-encoding'])) {
      reply.header('content-encoding', 'gzip');
      return asset.gzipped;
    }
    return asset.body;
  });
}
