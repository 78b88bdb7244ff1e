// npm run verify-client: compares the browser code a running server hands out with the client
// built locally from this source tree (scripts/verify-client.ts builds it and calls this).
//
// Checked, each as one line of the report:
//  1. /.well-known/tipline-client.json lists exactly the assets of the local build, with the
//     same SHA-256 and size;
//  2. every asset, fetched from the server, has those bytes (SHA-256 and size);
//  3. the page (GET /) references exactly the local build's script and stylesheet, with the
//     local SRI values, and no other script or stylesheet;
//  4. the page is byte for byte the page this source renders for the editor keys it carries
//     (so nothing was added to the HTML), and each fingerprint shown is that key's fingerprint.
// The proof-of-work worker has no tag in the page: its path is compiled into the script,
// whose bytes are checked, and its own bytes are checked by 1 and 2.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePublicKey, fingerprint } from '../crypto/keys.js';
import { CONFIG_ELEMENT_ID, type PageConfig } from '../views/contract.js';
import { renderPage } from '../views/page.js';
import { CLIENT_MANIFEST_PATH } from '../server/plugins/client-manifest.js';

export interface LocalBuild {
  outDir: string;
  manifest: { assets: Record<string, { file: string; type: string; sha256: string; integrity: string; role?: string }> };
}

export interface Check {
  ok: boolean;
  text: string;
}

export interface VerifyResult {
  ok: boolean;
  checks: Check[];
}

interface ServedAsset {
  path?: unknown;
  sha256?: unknown;
  size?: unknown;
}

async function get(server: string, path: string): Promise<{ status: number; bytes: Buffer }> {
  // `cache` makes Node's fetch send Cache-Control: no-cache and Pragma: no-cache (no cache on the way may answer);
  // Node's types for fetch lack the member, hence the assertion.
  const response = await fetch(new URL(path, server), { redirect: 'error', cache: 'no-store' } as RequestInit);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha384 = (bytes: Uint8Array) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

export async function verifyClient(server: string, local: LocalBuild): Promise<VerifyResult> {
  const checks: Check[] = [];
  const check = (ok: boolean, text: string) => checks.push({ ok, text });
  const expected = new Map(
    Object.entries(local.manifest.assets).map(([path, asset]) => {
      const bytes = readFileSync(join(local.outDir, asset.file));
      return [path, { ...asset, size: bytes.length, sha256: sha256(bytes), integrity: sha384(bytes) }];
    }),
  );

  // 1. The published manifest.
  const manifestResponse = await get(server, CLIENT_MANIFEST_PATH);
  let served: ServedAsset[] = [];
  try {
    if (manifestResponse.status !== 200) throw new Error(`HTTP ${manifestResponse.status}`);
    const parsed = JSON.parse(manifestResponse.bytes.toString('utf8')) as { v?: unknown; assets?: unknown };
    if (parsed.v !== 1 || !Array.isArray(parsed.assets)) throw new Error('not a version 1 manifest');
    served = parsed.assets as ServedAsset[];
    check(true, `manifest ${CLIENT_MANIFEST_PATH}: ${served.length} assets listed`);
  } catch (err) {
    check(false, `manifest ${CLIENT_MANIFEST_PATH}: unreadable (${(err as Error).message})`);
  }
  const servedPaths = new Set(served.map((a) => String(a.path)));
  for (const [path, asset] of expected) {
    const entry = served.find((a) => a.path === path);
    if (!entry) check(false, `manifest: ${path} (built from source) is not listed`);
    else
      check(
        entry.sha256 === asset.sha256 && entry.size === asset.size,
        `manifest: ${path} sha256 ${String(entry.sha256)} size ${String(entry.size)}${entry.sha256 === asset.sha256 && entry.size === asset.size ? '' : ` (source: ${asset.sha256}, ${asset.size})`}`,
      );
  }
  for (const path of servedPaths) if (!expected.has(path)) check(false, `manifest: ${path} is listed but not built from this source`);

  // 2. The bytes of every asset, the local build's and the manifest's.
  for (const path of new Set([...expected.keys(), ...[...servedPaths].filter((p) => p.startsWith('/assets/'))])) {
    const response = await get(server, path);
    const want = expected.get(path);
    if (response.status !== 200) {
      check(false, `asset ${path}: HTTP ${response.status}`);
      continue;
    }
    const digest = sha256(response.bytes);
    check(
      want !== undefined && digest === want.sha256 && response.bytes.length === want.size,
      `asset ${path}: served sha256 ${digest}, ${response.bytes.length} bytes${want ? (digest === want.sha256 ? ', as built' : `, source has ${want.sha256}`) : ', not in the source build'}`,
    );
  }

  // 3. The page's tags.
  const pageResponse = await get(server, '/');
  const html = pageResponse.bytes.toString('utf8');
  check(pageResponse.status === 200, `page /: HTTP ${pageResponse.status}`);
  const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]).filter((tag) => attribute(tag, 'src') !== undefined);
  // Every <link> but the "no icon" one (href="data:,", which loads nothing) must be the stylesheet.
  const links = [...html.matchAll(/<link\b[^>]*>/gi)].map((m) => m[0]).filter((tag) => !(attribute(tag, 'rel') === 'icon' && attribute(tag, 'href') === 'data:,'));
  const wanted = (type: string) => [...expected].find(([, a]) => a.type === type && a.role !== 'worker');
  const [scriptPath, script] = wanted('text/javascript') ?? [];
  const [stylePath, style] = wanted('text/css') ?? [];
  check(
    scripts.length === 1 && attribute(scripts[0]!, 'src') === scriptPath && attribute(scripts[0]!, 'integrity') === script?.integrity,
    `page: <script src> is exactly ${scriptPath} with integrity ${script?.integrity}`,
  );
  check(
    links.length === 1 && attribute(links[0]!, 'rel') === 'stylesheet' && attribute(links[0]!, 'href') === stylePath && attribute(links[0]!, 'integrity') === style?.integrity,
    `page: <link rel="stylesheet"> is exactly ${stylePath} with integrity ${style?.integrity}`,
  );

  // 4. The whole page, re-rendered from source with the keys it carries.
  try {
    const match = new RegExp(`<script type="application/json" id="${CONFIG_ELEMENT_ID}">([^<]*)</script>`).exec(html);
    if (!match) throw new Error('it carries no configuration');
    const config = JSON.parse(match[1]!) as PageConfig;
    const editors: { line: string; fingerprint: string }[] = [];
    for (const editor of config.editors) {
      const computed = await fingerprint(decodePublicKey(editor.key));
      if (computed !== editor.fingerprint) throw new Error(`a fingerprint shown (${editor.fingerprint}) is not its key's (${computed})`);
      editors.push({ line: editor.key, fingerprint: editor.fingerprint });
    }
    if (!script || !style || !scriptPath || !stylePath) throw new Error('the local build lacks a script or stylesheet');
    // The variants a server may serve: demo or not, with or without the "not the onion address"
    // warning (it depends on the Host this request used), no-JavaScript fallback on or off.
    const render = (demo: boolean, onion: boolean, nojs: boolean) =>
      renderPage({
        editors,
        demo,
        onion,
        nojs,
        lang: config.lang,
        ...(config.uploads ? { uploads: config.uploads } : {}),
        script: { href: scriptPath, integrity: script.integrity },
        style: { href: stylePath, integrity: style.integrity },
      });
    const same = [false, true].some((demo) => [false, true].some((onion) => [true, false].some((nojs) => html === render(demo, onion, nojs))));
    check(same, same ? `page: identical to the page this source renders for its ${editors.length} editor key(s)` : 'page: the HTML differs from the page this source renders for the same keys');
  } catch (err) {
    check(false, `page: cannot be re-rendered (${(err as Error).message})`);
  }
  return { ok: checks.every((c) => c.ok), checks };
}
