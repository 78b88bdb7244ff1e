// Builds the browser bundle once per test process (the page plugin serves it).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = fileURLToPath(new URL('../../dist/client', import.meta.url));

let built: Promise<string> | undefined;

export function clientDir(): Promise<string> {
  built ??= (async () => {
    if (!existsSync(`${DIR}/manifest.json`)) {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-client.ts'], { cwd: ROOT, env: childEnv(), stdio: 'inherit' });
    }
    return DIR;
  })();
  return built;
}
