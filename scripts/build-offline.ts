// npm run build:offline: bundles the offline tools (src/offline/toolkit.ts → src/offline/cli.ts)
// into ONE file, dist/tipline-offline.mjs, that runs with `node tipline-offline.mjs <command>`
// on Node 20 or newer with no node_modules: libsodium (the sumo build, which serves both
// libsodium-wrappers and libsodium-wrappers-sumo) is inlined, WebAssembly and all. Writes
// dist/tipline-offline.mjs.sha256 in `sha256sum` format, to carry and check beside it
// (docs/EDITORS.md, "Carrying the offline toolkit").
//
// The build fails if the bundle still imports or requires anything but a `node:` built-in.
// The desk's window script (src/desk/client/) is bundled first, for the browser, and compiled
// in as a string (__TIPLINE_DESK_SCRIPT__), so `desk` serves it from the one file.
import { build, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeskClient } from './build-desk-client.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTFILE = join(ROOT, 'dist/tipline-offline.mjs');

/** Every module the bundle still loads at run time that is not a `node:` built-in. */
export function foreignImports(metafile: Metafile, code: string): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) if (!imp.path.startsWith('node:')) found.add(`${imp.kind} ${imp.path}`);
  }
  // A belt to those braces: calls that esbuild does not list (e.g. a require built at run time).
  for (const m of code.matchAll(/\b(?:require|import)\s*\(\s*(["'`])([^"'`]*)\1\s*\)/g)) if (!m[2]!.startsWith('node:')) found.add(`call ${m[0]}`);
  for (const m of code.matchAll(/^\s*import\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)) if (!m[1]!.startsWith('node:')) found.add(`import ${m[1]}`);
  return [...found].sort();
}

export async function buildOffline(outfile = OUTFILE): Promise<{ file: string; sha256: string; bytes: number }> {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/offline/toolkit.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    write: false,
    metafile: true,
    // The desk's window script (src/desk/script.ts), compiled in as a string.
    define: { __TIPLINE_DESK_SCRIPT__: JSON.stringify(await buildDeskClient()) },
    // One libsodium for everything: the sumo build is a superset of the standard one.
    alias: { 'libsodium-wrappers': 'libsodium-wrappers-sumo' },
    // libsodium's Node fallback for randomness calls require("crypto"): name built-ins with
    // their `node:` prefix, and give the ES module a real `require` for them (only built-ins
    // remain to be required, which the check below enforces).
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /^[a-z_]+$/ }, (args) => (isBuiltin(args.path) ? { path: `node:${args.path}`, external: true } : undefined));
        },
      },
    ],
    banner: {
      js: [
        '#!/usr/bin/env node',
        '// Tipline offline toolkit (one file, no dependencies): node tipline-offline.mjs help',
        "import { createRequire as __tiplineCreateRequire } from 'node:module';",
        'const require = __tiplineCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const output = result.outputFiles.find((f) => f.path === outfile);
  if (!output) throw new Error('esbuild wrote no output file');
  const code = output.text;
  const foreign = foreignImports(result.metafile, code);
  if (foreign.length) throw new Error(`the toolkit bundle still loads modules other than node: built-ins:\n  ${foreign.join('\n  ')}`);
  const inputs = Object.keys(result.metafile.inputs);
  if (!inputs.some((i) => /libsodium-sumo\//.test(i)) || inputs.some((i) => /node_modules\/libsodium\//.test(i))) {
    throw new Error('the toolkit bundle must inline libsodium-sumo and only it');
  }
  writeFileSync(outfile, output.contents, { mode: 0o644 });
  const sha256 = createHash('sha256').update(readFileSync(outfile)).digest('hex');
  writeFileSync(`${outfile}.sha256`, `${sha256}  ${basename(outfile)}\n`);
  return { file: outfile, sha256, bytes: output.contents.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, sha256, bytes } = await buildOffline();
  process.stdout.write(`wrote ${file} (${(bytes / 1024).toFixed(0)} KiB)\nsha256 ${sha256}  ${basename(file)}\nwrote ${file}.sha256\n`);
}
