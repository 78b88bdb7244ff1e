// The linter as configured (biome.jsonc) and as `npm test` runs it: the security rules stay on
// (code that calls eval fails the run), and the linter's exit status reaches the test report.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/client-build.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';

const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

/** Lints `files` with this project's biome.jsonc, in a folder of their own (no git there). */
function lint(t: Parameters<typeof tempDir>[0], files: Record<string, string>) {
  const dir = tempDir(t, 'tipline-lint-');
  copyFileSync(join(ROOT, 'biome.jsonc'), join(dir, 'biome.jsonc'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const r = spawnSync(BIOME, ['lint', '--vcs-enabled=false', '--error-on-warnings', '--colors=off', '.'], { cwd: dir, env: childEnv(), encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

t.test('the security rules are on: eval in server code fails the lint', async (t) => {
  const clean = lint(t, { 'src/server/probe.ts': "export const answer = JSON.parse('42') as number;\n" });
  t.equal(clean.status, 0, `clean code passes: ${clean.output}`);
  const evil = lint(t, { 'src/server/probe.ts': 'export const run = (code: string): unknown => eval(code);\n' });
  t.not(evil.status, 0, 'eval fails');
  t.match(evil.output, 'lint/security/noGlobalEval');
});

t.test('npm test runs the linter before tap and folds its exit status into the report', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts.lint, /^biome lint --error-on-warnings \./);
  const test = scripts.test ?? '';
  const lintAt = test.indexOf('npm run lint --silent; lint=$?;');
  t.ok(lintAt > 0 && lintAt < test.indexOf('tap --output-file'), 'lint runs, without stopping the run, before tap');
  t.match(test, /tsx scripts\/check-test-report\.ts \S+ lint=\$lint tap=\$tap coverage=\$coverage/, 'its status reaches the report');
});
