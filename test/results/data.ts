// Where the real election files are: ../shared/data/elections beside the repository (CI puts
// shared/ beside the clone). From a git worktree, "the repository" is the main checkout, found
// through git's common directory. Tests fail (never skip) when the folder is absent.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ROOT } from '../helpers/client-build.js';

function dataDir(): string {
  const direct = resolve(ROOT, '../shared/data/elections');
  if (existsSync(direct)) return direct;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return resolve(dirname(common), '../shared/data/elections');
  } catch {
    return direct;
  }
}

export const DATA = dataDir();
