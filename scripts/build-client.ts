// npm run build:client — bundles the submission page's script and stylesheet with esbuild into
// dist/client/ under content-hashed names, and writes dist/client/manifest.json, which the
// page plugin (src/server/plugins/page.ts) serves from and builds the SRI attributes with.
//
// libsodium must run where WebAssembly and the JIT are off (Tor Browser "Safer",
// `--js-flags=--jitless`): only its CommonJS build carries the asm.js fallback, so the bundle
// uses that build and stubs the Node built-ins it mentions (the browser path uses
// crypto.getRandomValues and never calls them).
//
// The build is deterministic and written so that a concurrent reader never sees a half-built
// directory: assets first (each via a temporary file and rename), the manifest last, then
// files no longer listed are removed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_OUT_DIR = join(ROOT, 'dist', 'client');
const require = createRequire(import.meta.url);

export interface ManifestAsset {
  file: string;
  type: string;
  sha256: string;
  integrity: string;
  /** 'worker' for a Web Worker (proof of work, attachments), which the page does not reference (its script does). */
  role?: 'worker';
}

export interface Manifest {
  assets: Record<string, ManifestAsset>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' };

/** Node built-ins that libsodium's CommonJS build names on its Node-only paths. */
const STUBBED_BUILTINS = /^(?:node:)?(?:crypto|fs|path)$/;
/** Code that must never end up in the browser bundle. */
const FORBIDDEN_INPUTS = [/(^|\/)src\/(?:server|offline|files)\//, /(^|\/)src\/views\/(?!contract\.ts)/, /libsodium-wrappers-sumo/, /libsodium-sumo/, /modules-esm\//];

const browserSodium: esbuild.Plugin = {
  name: 'tipline-browser-sodium',
  setup(build) {
    const wrappers = require.resolve('libsodium-wrappers');
    const sodium = require.resolve('libsodium');
    if (!wrappers.endsWith('/dist/modules/libsodium-wrappers.js') || !sodium.endsWith('/dist/modules/libsodium.js')) {
      throw new Error(`unexpected libsodium layout: ${wrappers}, ${sodium}`);
    }
    build.onResolve({ filter: /^libsodium-wrappers$/ }, () => ({ path: wrappers }));
    build.onResolve({ filter: /^libsodium$/ }, () => ({ path: sodium }));
    build.onResolve({ filter: STUBBED_BUILTINS }, (args) => ({ path: args.path, namespace: 'tipline-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'tipline-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

function digest(algorithm: 'sha256' | 'sha384', bytes: Uint8Array, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(bytes).digest(encoding);
}

function writeAtomically(path: string, bytes: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, bytes, { mode: 0o644 });
  renameSync(temporary, path);
}

export interface BuildResult {
  outDir: string;
  manifest: Manifest;
}

/** The define through which the page script learns the worker's content-hashed path. */
export const POW_WORKER_DEFINE = '__TIPLINE_POW_WORKER__';
/** The same for the attachment worker (src/client/upload-worker.ts). */
export const UPLOAD_WORKER_DEFINE = '__TIPLINE_UPLOAD_WORKER__';

const WORKERS = [
  { entry: 'src/client/pow-worker.ts', name: 'pow-worker', define: POW_WORKER_DEFINE, sodium: true },
  // WebCrypto only (AES-256-GCM stays native without JIT); no libsodium in it.
  { entry: 'src/client/upload-worker.ts', name: 'upload-worker', define: UPLOAD_WORKER_DEFINE, sodium: false },
] as const;

function checkInputs(metafile: esbuild.Metafile, needsSodium = true): void {
  const inputs = Object.keys(metafile.inputs);
  for (const input of inputs) {
    if (FORBIDDEN_INPUTS.some((pattern) => pattern.test(input))) throw new Error(`the browser bundle must not include ${input}`);
  }
  if (needsSodium && !inputs.some((input) => input.endsWith('libsodium/dist/modules/libsodium.js'))) {
    throw new Error('the browser bundle does not use libsodium’s CommonJS build (needed for the asm.js fallback)');
  }
}

export async function buildClient(options: { outDir?: string } = {}): Promise<BuildResult> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  // The same settings for the workers and the page: minified ES2020 IIFEs, kept in memory
  // (write: false) so each is hashed before anything is written.
  const settings = {
    absWorkingDir: ROOT,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    charset: 'ascii',
    outdir: outDir,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserSodium],
  } as const satisfies esbuild.BuildOptions;
  // The Web Workers (proof of work, attachment encryption) are bundled first, each on its own:
  // a Worker takes no SRI attribute, so each content-hashed path is compiled into the page
  // script (which the page loads with SRI) and listed in the manifest; `npm run verify-client`
  // checks their bytes.
  const workers = await Promise.all(
    WORKERS.map(async ({ entry, name, define, sodium }) => {
      const build = await esbuild.build({ ...settings, entryPoints: [{ in: entry, out: name }] });
      checkInputs(build.metafile, sodium);
      if (build.outputFiles.length !== 1) throw new Error(`the ${name} build must give exactly one file`);
      const output = build.outputFiles[0]!;
      return { define, output, path: `/assets/${name}.${digest('sha256', output.contents, 'hex').slice(0, 16)}.js` };
    }),
  );
  const result = await esbuild.build({
    ...settings,
    entryPoints: [
      { in: 'src/client/main.ts', out: 'app' },
      { in: 'src/client/style.css', out: 'app' },
    ],
    define: Object.fromEntries(workers.map((w) => [w.define, JSON.stringify(w.path)])),
  });
  checkInputs(result.metafile);

  mkdirSync(outDir, { recursive: true });
  const manifest: Manifest = { assets: {} };
  for (const output of [...result.outputFiles, ...workers.map((w) => w.output)]) {
    const extension = output.path.slice(output.path.lastIndexOf('.'));
    const type = TYPES[extension];
    if (!type) throw new Error(`unexpected build output ${relative(ROOT, output.path)}`);
    const sha256 = digest('sha256', output.contents, 'hex');
    const file = `${basename(output.path, extension)}.${sha256.slice(0, 16)}${extension}`;
    writeAtomically(join(outDir, file), output.contents);
    manifest.assets[`/assets/${file}`] = { file, type, sha256, integrity: `sha384-${digest('sha384', output.contents, 'base64')}` };
    const worker = workers.find((w) => w.output === output);
    if (worker) {
      if (`/assets/${file}` !== worker.path) throw new Error('a worker’s path changed during the build');
      manifest.assets[worker.path]!.role = 'worker';
    }
  }
  writeAtomically(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const keep = new Set(['manifest.json', ...Object.values(manifest.assets).map((asset) => asset.file)]);
  for (const name of readdirSync(outDir)) {
    if (!keep.has(name) && !name.includes('.tmp-')) rmSync(join(outDir, name), { force: true });
  }
  return { outDir, manifest };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { outDir, manifest } = await buildClient();
    for (const [path, asset] of Object.entries(manifest.assets)) {
      process.stdout.write(`${path}  ${asset.integrity}\n`);
    }
    process.stdout.write(`wrote ${relative(process.cwd(), join(outDir, 'manifest.json')) || outDir}\n`);
  } catch (err) {
    process.stderr.write(`tipline build:client: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
