// Proves that every test file ran and passed. `npm test` runs tap with its raw TAP written to
// .tap/run.tap (--output-file), then this script. It finds every test/**/*.test.ts file on disk
// (the same files .taprc's `include` names, found here by walking the folder, so new files need
// no list) and fails unless each one has a top-level `ok` in that TAP with at least one passing
// assertion of its own. It names every file that did not: missing (never started, or the run
// stopped), timed out, failed, skipped, or with no assertions. The last line it prints is the
// result, counted in test files: `N passed, N failed`.
//
// Usage: tsx scripts/check-test-report.ts TAP-FILE [step=exit-status ...]
// Each `step=status` is an earlier step of the run (the linter, tap itself, the coverage check); a non-zero
// status is reported and fails the run even when every file passed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const TEST_ROOT = 'test';
const TEST_SUFFIX = '.test.ts';

/** Every test file under test/, as tap names it (forward slashes, relative to the project). */
export function testFiles(root = TEST_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(TEST_SUFFIX)) found.push(relative('.', path).split(sep).join('/'));
    }
  };
  walk(root);
  return found.sort();
}

export interface FileResult {
  /** The verdict tap gave the file at the top level; undefined when it gave none. */
  ok?: boolean;
  /** The directive on that verdict (`SKIP …`, `TODO …`), if any. */
  directive?: string;
  /** Assertions inside the file (subtest results are not counted, only what they hold). */
  passed: number;
  failed: number;
  /** The runner's reasons from the verdict's YAML: exit code, signal, or "timed out". */
  reasons: string[];
}

const POINT = /^(not )?ok\b(?: \d+)?(?: - )?(.*?)(?: # (SKIP|TODO)\b\s*(.*))?$/i;

/**
 * Reads tap's raw TAP 14 output: top-level test points are the files, and inside each file a
 * test point is a subtest's result when a `# Subtest:` line opened it at the same indentation,
 * an assertion otherwise. YAML blocks (`---` … `...`) are skipped, and so is anything else the
 * files printed.
 */
export function parseRun(tap: string): Map<string, FileResult> {
  const files = new Map<string, FileResult>();
  const result = (name: string): FileResult => {
    let r = files.get(name);
    if (!r) {
      r = { passed: 0, failed: 0, reasons: [] };
      files.set(name, r);
    }
    return r;
  };
  let current: FileResult | undefined; // the file whose lines we are in
  const openSubtests = new Map<number, number>(); // indentation → subtests opened there, not yet closed
  let yaml: { indent: number; lines: string[]; owner?: FileResult; timeout?: boolean } | undefined;
  let lastTopLevel: { result?: FileResult; timeout: boolean } | undefined;
  for (const raw of tap.split('\n')) {
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (yaml) {
      if (line === '...' && indent === yaml.indent) {
        if (yaml.owner) {
          const text = yaml.lines.join('\n');
          const exit = /^\s*exitCode: (\d+)/m.exec(text)?.[1];
          const signal = /^\s*signal: (\w+)/m.exec(text)?.[1];
          if (exit && exit !== '0') yaml.owner.reasons.push(`exit code ${exit}`);
          if (signal && signal !== 'null') yaml.owner.reasons.push(`killed by ${signal}${signal === 'SIGALRM' ? ' (timeout)' : ''}`);
        }
        if (yaml.timeout) {
          // The runner's own "timeout!" point names the file that ran out of time.
          const expired = /^\s*expired: (.+)$/m.exec(yaml.lines.join('\n'))?.[1]?.trim();
          if (expired) {
            const r = result(expired);
            r.ok = false;
            r.reasons.push('timed out');
          }
        }
        yaml = undefined;
      } else yaml.lines.push(raw);
      continue;
    }
    if (line === '---') {
      yaml = { indent, lines: [], ...(indent === 2 && lastTopLevel ? { owner: lastTopLevel.result, timeout: lastTopLevel.timeout } : {}) };
      continue;
    }
    if (indent === 0 && line.startsWith('# Subtest: ')) {
      current = result(line.slice('# Subtest: '.length).trim());
      openSubtests.clear();
      continue;
    }
    if (indent > 0 && line.startsWith('# Subtest')) {
      openSubtests.set(indent, (openSubtests.get(indent) ?? 0) + 1);
      continue;
    }
    const point = POINT.exec(line);
    if (!point || indent % 4 !== 0) continue;
    const [, not, name = '', directive, reason = ''] = point;
    if (indent === 0) {
      lastTopLevel = { timeout: name.trim() === 'timeout!' && !!not, result: undefined };
      if (lastTopLevel.timeout) continue;
      // `# time=…` is not a directive: strip it from the name.
      const file = name.replace(/ # time=[\d.]+m?s$/, '').trim();
      const r = result(file);
      r.ok = !not && r.ok !== false;
      if (directive) r.directive = `${directive.toUpperCase()} ${reason}`.trim();
      lastTopLevel.result = r;
      current = undefined;
      continue;
    }
    if (!current) continue;
    const open = openSubtests.get(indent) ?? 0;
    if (open > 0) {
      openSubtests.set(indent, open - 1); // a subtest's own result: its assertions were counted inside it
      if (not && !directive) current.failed++;
      continue;
    }
    if (directive) continue; // a skipped or todo assertion is not a pass
    if (not) current.failed++;
    else current.passed++;
  }
  return files;
}

/** Why a file did not pass, or undefined when it did. */
export function problem(r: FileResult | undefined): string | undefined {
  if (!r || r.ok === undefined) return r?.reasons.length ? r.reasons.join(', ') : 'no result: it did not run, or the run stopped before it finished';
  if (!r.ok) return ['failed', ...r.reasons, r.failed ? `${r.failed} failing assertion(s)` : ''].filter(Boolean).join(', ');
  if (r.directive) return `reported ${r.directive}`;
  if (r.passed === 0) return 'no assertions: a file that asserts nothing proves nothing';
  return undefined;
}

export function main(argv: string[]): number {
  const [tapFile, ...steps] = argv;
  if (!tapFile) {
    console.error('usage: tsx scripts/check-test-report.ts TAP-FILE [step=exit-status ...]');
    return 2;
  }
  const files = testFiles();
  const run = existsSync(tapFile) ? parseRun(readFileSync(tapFile, 'utf8')) : new Map<string, FileResult>();
  if (!existsSync(tapFile)) console.log(`test report: ${tapFile} is missing: tap wrote no output`);
  let passed = 0;
  let assertions = 0;
  const failures: string[] = [];
  for (const file of files) {
    const why = problem(run.get(file));
    if (why) failures.push(`  ${file}: ${why}`);
    else {
      passed++;
      assertions += run.get(file)!.passed;
    }
  }
  // A result for a file that is not on disk (a stray name) is not a pass of anything: say so.
  for (const name of run.keys()) if (!files.includes(name)) failures.push(`  ${name}: reported by tap, but no such test file under ${TEST_ROOT}/`);
  const failedSteps = steps.filter((s) => !/=0$/.test(s)).map((s) => s.replace('=', ' exited with '));
  console.log('');
  if (failures.length) console.log(`test files that did not pass (${failures.length}):\n${failures.join('\n')}`);
  for (const step of failedSteps) console.log(`step failed: ${step}`);
  console.log(`${passed} passed, ${files.length - passed} failed (test files; ${assertions} assertions in the passing files)${failedSteps.length ? `; failed steps: ${failedSteps.join(', ')}` : ''}`);
  return failures.length || failedSteps.length ? 1 : 0;
}

// Run as a script (the test imports the functions above without running it).
if (process.argv[1]?.endsWith('check-test-report.ts')) process.exitCode = main(process.argv.slice(2));
