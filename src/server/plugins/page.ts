// GET / (the submission page), GET /mailbox (where a source comes back), GET /assets/<name>
// (the bundled script and stylesheet) and an empty GET /favicon.ico.
// Everything is read and rendered once, at registration: only files the build manifest lists
// are ever served, each checked against its recorded hash, so the SRI attributes in the page
// are those of the bytes this process actually serves.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { renderPage, type PageAsset } from '../../client/page.js';
import { renderMailboxPage } from '../../client/mailbox-page.js';
import { MAILBOX_PATH } from '../../client/config.js';

export interface PageOptions {
  editors: { line: string; fingerprint: string }[];
  demo: boolean;
  /** The directory `npm run build:client` writes (dist/client). */
  clientDir: string;
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

function loadAssets(clientDir: string): { assets: Map<string, Asset>; script: PageAsset; style: PageAsset } {
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
      typeof file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(file) || file.startsWith('.') || path !== `/assets/${file}` ||
      typeof type !== 'string' || !CONTENT_TYPES[type] || typeof sha256 !== 'string' || typeof integrity !== 'string'
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
  const page = Buffer.from(renderPage({ editors: options.editors, demo: options.demo, script, style }), 'utf8');

  app.get('/', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return page;
  });

  // Where a source comes back with the return passphrase: the same script, stylesheet and SRI.
  const mailboxPage = Buffer.from(renderMailboxPage({ editors: options.editors, demo: options.demo, script, style }), 'utf8');
  app.get(MAILBOX_PATH, async (_request, reply) => {
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return mailboxPage;
  });

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
