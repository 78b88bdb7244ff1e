// The TypeScript configs of docs/DESIGN.md ("Types follow where code runs"), checked with the
// compiler itself: every .ts file of src/, scripts/ and test/ belongs to exactly one of the Node,
// browser and page configs (so none goes unchecked), and each config refuses what must not run
// where its code runs: a browser global in Node code, a Node module in browser code, the DOM in
// a worker.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/client-build.js';

const CONFIGS = ['tsconfig.json', 'tsconfig.browser.json', 'tsconfig.page.json'] as const;

function parse(config: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, config), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => t.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
  if (!parsed) throw new Error(`${config} cannot be read`);
  t.same(parsed.errors, [], `${config} reads without errors`);
  return parsed;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const project = (path: string) => relative(ROOT, path).split(sep).join('/');

/** Type-checks one file that exists only in memory, at `path` in the tree, under a config's options. */
function diagnose(config: string, path: string, text: string): string[] {
  const { options } = parse(config);
  const file = join(ROOT, path);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

t.test('every source file is in exactly one of the Node, browser and page configs', async (t) => {
  const owners = new Map<string, string[]>();
  for (const config of CONFIGS) for (const name of parse(config).fileNames) owners.set(project(name), [...(owners.get(project(name)) ?? []), config]);
  const files = ['src', 'scripts', 'test'].flatMap((dir) => tsFiles(join(ROOT, dir))).map(project);
  t.ok(files.length > 200, `${files.length} files found`);
  t.same(
    files.filter((f) => owners.get(f)?.length !== 1).map((f) => `${f}: ${owners.get(f)?.join(', ') ?? 'no config'}`),
    [],
    'no file unchecked, none claimed twice',
  );
  t.same(owners.get('src/client/main.ts'), ['tsconfig.browser.json']);
  t.same(owners.get('src/server/app.ts'), ['tsconfig.json']);
  t.same(owners.get('test/e2e/submit.test.ts'), ['tsconfig.page.json']);
  // The desk's window script (src/desk/client/) is browser code by the same glob.
  t.ok(parse('tsconfig.browser.json').raw.include.includes('src/**/client'));
  const workers = parse('tsconfig.worker.json').fileNames.map(project);
  t.ok(workers.length >= 2 && workers.every((f) => /^src\/(.+\/)?client\/[^/]+-worker\.ts$/.test(f)), `the worker config takes the workers: ${workers.join(', ')}`);
});

t.test('Node code cannot name the DOM; the same file type-checks in the page config', async (t) => {
  const text = 'export const title: string = document.title;\n';
  t.match(diagnose('tsconfig.json', 'src/server/dom-probe.ts', text), [/TS2584: Cannot find name 'document'/]);
  t.same(diagnose('tsconfig.page.json', 'test/e2e/dom-probe.ts', text), [], 'a page callback may');
});

t.test('browser code cannot import Node modules or use Buffer', async (t) => {
  t.match(diagnose('tsconfig.browser.json', 'src/client/node-probe.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"), [/TS2307: Cannot find module 'node:fs'/]);
  t.match(diagnose('tsconfig.browser.json', 'src/client/node-probe.ts', "export const bytes = Buffer.from('x');\n"), [/TS2591: Cannot find name 'Buffer'/]);
  t.same(diagnose('tsconfig.browser.json', 'src/client/node-probe.ts', 'export const title: string = document.title;\n'), [], 'the DOM it may');
});

t.test('a worker cannot name the document', async (t) => {
  t.match(diagnose('tsconfig.worker.json', 'src/client/probe-worker.ts', 'export const title: string = document.title;\n'), [/TS2584: Cannot find name 'document'/]);
  t.same(diagnose('tsconfig.worker.json', 'src/client/probe-worker.ts', 'export const scope = self as unknown as DedicatedWorkerGlobalScope;\n'), [], 'its own scope it may');
});
