// GET /.well-known/tipline-client.json: the published hash manifest of the browser code this
// server serves. It lists every file under /assets/ (the page's script and stylesheet, and the
// proof-of-work worker) with the SHA-256 and size of the exact bytes served (uncompressed;
// the gzip variant is the same bytes compressed). It does not cover the page HTML itself,
// which is rendered per configuration (editor keys, language, demo banner): `npm run
// verify-client` checks the page separately, by re-rendering it from source with the keys it
// shows and comparing byte for byte, and by checking that its <script>/<link> tags name
// exactly these assets with matching SRI. See docs/PROTOCOL.md "Client manifest".
//
// Hashes are computed here, at start-up, from the files read from disk and compared with the
// build manifest (the page plugin does the same), so the manifest describes what is served.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export const CLIENT_MANIFEST_PATH = '/.well-known/tipline-client.json';
export const CLIENT_MANIFEST_VERSION = 1;

export interface ClientManifestAsset {
  path: string;
  type: string;
  sha256: string;
  size: number;
  integrity: string;
}

export interface ClientManifest {
  v: typeof CLIENT_MANIFEST_VERSION;
  covers: string;
  assets: ClientManifestAsset[];
}

export const MANIFEST_COVERS = 'every file served under /assets/ (SHA-256 of the uncompressed bytes); not the page HTML, which is rendered per configuration and checked by npm run verify-client';

/** Reads the build's manifest.json and hashes every file it lists, as served from `clientDir`. */
export function clientManifestFrom(clientDir: string): ClientManifest {
  const build = JSON.parse(readFileSync(join(clientDir, 'manifest.json'), 'utf8')) as { assets?: Record<string, { file?: string; type?: string; sha256?: string }> };
  const assets: ClientManifestAsset[] = [];
  for (const [path, entry] of Object.entries(build.assets ?? {})) {
    if (typeof entry?.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(entry.file) || path !== `/assets/${entry.file}` || typeof entry.type !== 'string') {
      throw new Error(`the client bundle manifest has a malformed entry "${path}": run npm run build:client`);
    }
    const bytes = readFileSync(join(clientDir, entry.file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== entry.sha256) throw new Error(`${join(clientDir, entry.file)} does not match the manifest: run npm run build:client`);
    assets.push({ path, type: entry.type, sha256, size: bytes.length, integrity: `sha384-${createHash('sha384').update(bytes).digest('base64')}` });
  }
  assets.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { v: CLIENT_MANIFEST_VERSION, covers: MANIFEST_COVERS, assets };
}

export default async function clientManifestPlugin(app: FastifyInstance, options: { clientDir: string }): Promise<void> {
  const body = JSON.stringify(clientManifestFrom(options.clientDir), null, 2) + '\n';
  app.get(CLIENT_MANIFEST_PATH, async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return body;
  });
}
