// The desk window's script (src/desk/client/main.ts) bundled by esbuild into one minified
// browser IIFE, in memory: `npm run desk` registers it at start (scripts/desk.ts) and
// scripts/build-offline.ts compiles it into the one-file toolkit (__TIPLINE_DESK_SCRIPT__).
// Browser code only: the build fails if anything outside src/desk/client/ gets in.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function buildDeskClient(): Promise<string> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/desk/client/main.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    charset: 'ascii',
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outside = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('src/desk/client/'));
  if (outside.length) throw new Error(`the desk window script must be browser code of src/desk/client/ only, not ${outside.join(', ')}`);
  if (result.outputFiles.length !== 1) throw new Error('the desk window script build must give exactly one file');
  return result.outputFiles[0]!.text;
}
