// scripts/check-test-report.ts, the check `npm test` ends with: every test file must have
// passed with assertions of its own. The TAP below is what tap 21 wrote (--output-file) for
// small files that pass, fail, exit early, time out, print no TAP or assert nothing (machine
// paths cut from the YAML); the script itself runs as a child process, as `npm test` runs it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, parseRun, problem, testFiles } from '../../scripts/check-test-report.js';
import { childEnv } from '../helpers/child-env.js';
import { tempDir } from '../helpers/fixtures.js';

const PASS = `# Subtest: test/a/pass.test.ts
    # Subtest: a
        ok 1 - fine
        1..1
    ok 1 - a # time=6.31ms
    
    1..1
    # time=146.646ms
ok 1 - test/a/pass.test.ts # time=146.646ms
`;

const EMPTY = `# Subtest: test/a/empty.test.ts
    # Subtest: nothing
        1..0
    ok 1 - nothing # time=22.519ms
    
    1..1
    # time=52.931ms
ok 2 - test/a/empty.test.ts # time=52.931ms
`;

const NO_TAP = `# Subtest: test/a/none.test.ts
    no tap at all
    1..0 # no tests found
ok 3 - test/a/none.test.ts # SKIP no tests found
`;

const SKIPPED = `# Subtest: test/a/skip.test.ts
    ok 1 - s # SKIP no chromium
    1..1
    # time=104.753ms
ok 4 - test/a/skip.test.ts # time=104.753ms
`;

const EXITED = `# Subtest: test/a/exit.test.ts
    # Subtest: exit
        ok 1 - should be equal
        not ok 2 - test unfinished
          ---
          source: |
            t.test('exit', async (t) => { t.ok(true); process.exit(0); });
            --^
          ...
        
        1..2
    1..0 # no tests found
    # time=146.599ms
not ok 5 - test/a/exit.test.ts # time=146.599ms
  ---
  externalID: test/a/exit.test.ts
  jobId: 0
  exitCode: 1
  signal: null
  ...
`;

// A failing file whose YAML quotes TAP-looking text: only real test points count.
const FAILED = `# Subtest: test/a/fail.test.ts
    # Subtest: f
        not ok 1 - one is two
          ---
          compare: ===
          found: |
            ok 1 - looks like a pass
          ...
        
        1..1
    not ok 1 - f # time=44.592ms
    
    1..1
    # time=132.343ms
not ok 6 - test/a/fail.test.ts # time=132.343ms
  ---
  exitCode: 1
  signal: null
  ...
`;

// Killed by tap's timeout: the file's verdict carries the signal, and tap adds its own
// "timeout!" point naming the file. A second file ran out of time before saying anything.
const TIMED_OUT = `# Subtest: test/a/slow.test.ts
    # Subtest: slow
        ok 1 - should be equal
not ok 7 - test/a/slow.test.ts # time=300012.212ms
  ---
  externalID: test/a/slow.test.ts
  exitCode: null
  signal: SIGALRM
  ...

not ok 8 - timeout!
  ---
  expired: test/a/slow.test.ts
  ...

not ok 9 - timeout!
  ---
  expired: test/a/silent.test.ts
  ...
`;

t.test('each file gets the verdict tap gave it, and only its own assertions count', async (t) => {
  const run = parseRun(PASS + '\n' + EMPTY + '\n' + NO_TAP + '\n' + SKIPPED + '\n' + EXITED + '\n' + FAILED + '\n' + TIMED_OUT + '\n# { total: 9, pass: 3, fail: 6 }\n');
  t.equal(problem(run.get('test/a/pass.test.ts')), undefined, 'a file with a passing assertion passes');
  t.equal(run.get('test/a/pass.test.ts')!.passed, 1, 'a subtest result is not an assertion');
  t.match(problem(run.get('test/a/empty.test.ts')), /no assertions/, 'ok, but it asserted nothing');
  t.match(problem(run.get('test/a/none.test.ts')), /SKIP no tests found/);
  t.match(problem(run.get('test/a/skip.test.ts')), /no assertions/, 'a skipped assertion is no pass');
  t.match(problem(run.get('test/a/exit.test.ts')), /failed, exit code 1/);
  const failed = run.get('test/a/fail.test.ts')!;
  t.equal(failed.passed, 0, 'TAP quoted in YAML is not read as a result');
  t.match(problem(failed), /^failed, exit code 1/);
  t.match(problem(run.get('test/a/slow.test.ts')), /killed by SIGALRM \(timeout\).*timed out/);
  t.match(problem(run.get('test/a/silent.test.ts')), /timed out/, 'named only by the timeout point');
  t.match(problem(run.get('test/a/never-ran.test.ts')), /no result/);
  t.notOk(run.has('timeout!'), "the runner's timeout points are not files");
});

t.test('test files are found on disk, this one among them', async (t) => {
  const files = testFiles();
  t.ok(files.includes('test/scripts/check-test-report.test.ts'));
  t.ok(files.every((f) => f.startsWith('test/') && f.endsWith('.test.ts')));
  t.same(files, [...files].sort());
});

function check(dir: string, tap: string | undefined, ...steps: string[]) {
  const file = join(dir, 'run.tap');
  if (tap !== undefined) writeFileSync(file, tap);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-test-report.ts', file, ...steps], { env: childEnv(), encoding: 'utf8' });
  const lines = r.stdout.trimEnd().split('\n');
  return { status: r.status, stdout: r.stdout, last: lines[lines.length - 1] };
}

t.test('the script: passes only when every file on disk passed, and ends with the count', async (t) => {
  const dir = tempDir(t);
  const files = testFiles();
  const passing = (f: string, i: number) => `# Subtest: ${f}\n    ok 1 - fine\n    1..1\nok ${i + 1} - ${f} # time=1ms\n`;
  const all = files.map(passing).join('\n');
  const green = check(dir, all, 'tap=0', 'coverage=0');
  t.equal(green.status, 0, green.stdout);
  t.equal(green.last, `${files.length} passed, 0 failed (test files; ${files.length} assertions in the passing files)`);

  const oneMissing = check(dir, files.slice(1).map(passing).join('\n'), 'tap=0');
  t.equal(oneMissing.status, 1);
  t.match(oneMissing.stdout, `  ${files[0]}: no result`, 'the missing file is named');
  t.equal(oneMissing.last, `${files.length - 1} passed, 1 failed (test files; ${files.length - 1} assertions in the passing files)`);

  const coverage = check(dir, all, 'tap=0', 'coverage=1');
  t.equal(coverage.status, 1, 'a failed step fails the run even when every file passed');
  t.match(coverage.last, /^\d+ passed, 0 failed .*; failed steps: coverage exited with 1$/);

  const noOutput = check(join(dir, 'nowhere'), undefined);
  t.equal(noOutput.status, 1, 'no TAP at all');
  t.equal(noOutput.last, `0 passed, ${files.length} failed (test files; 0 assertions in the passing files)`);
});

t.test('in process: a run with one file failing names it and returns 1', async (t) => {
  const dir = tempDir(t);
  const files = testFiles();
  const file = join(dir, 'run.tap');
  writeFileSync(file, files.map((f, i) => `# Subtest: ${f}\n    ${i ? '' : 'not '}ok 1 - check\n    1..1\n${i ? '' : 'not '}ok ${i + 1} - ${f}\n`).join('\n'));
  const lines = t.capture(console, 'log');
  t.equal(main([file, 'tap=1']), 1);
  const out = lines()
    .map((call) => call.args.join(' '))
    .join('\n');
  t.match(out, `  ${files[0]}: failed, 1 failing assertion(s)`);
  t.match(out, 'step failed: tap exited with 1');
  t.match(out.split('\n').at(-1), new RegExp(`^${files.length - 1} passed, 1 failed \\(test files; `));
  const errors = t.capture(console, 'error');
  t.equal(main([]), 2, 'usage without a file');
  t.match(errors()[0]?.args.join(' '), /^usage: /);
});
