// The import boundaries of docs/DESIGN.md, checked: every import in src/ (static, re-export or
// dynamic) is read from the source text and must point where the table in DESIGN.md allows.
// A new folder or a new edge fails here until DESIGN.md and this table say where it belongs.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT } from '../helpers/client-build.js';

const SRC = join(ROOT, 'src');

/** Folder → the folders of ours it may import (itself always). `views/contract` is a file-level exception below. */
const ALLOWED: Record<string, string[]> = {
  crypto: ['shared/errors'],
  shared: [],
  files: ['crypto'],
  forms: ['shared'],
  i18n: [],
  views: ['crypto', 'forms', 'i18n', 'shared'],
  client: ['crypto', 'forms', 'i18n', 'views/contract'],
  server: ['crypto', 'files', 'forms', 'i18n', 'shared', 'views'],
  editor: ['crypto', 'files', 'shared'],
  offline: ['crypto', 'files', 'forms', 'shared', 'results', 'desk'],
  results: ['offline', 'forms', 'shared'],
  verify: ['crypto', 'server', 'views'],
  desk: ['crypto', 'files', 'forms', 'i18n', 'shared', 'offline', 'results'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier in a file: `import … from`, `export … from`, `import '…'` and `import('…')`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

const folderOf = (path: string): string => relative(SRC, path).split(sep)[0]!;
const allows = (from: string, target: string): boolean => {
  const to = folderOf(target);
  if (to === from) return true;
  const rel = relative(SRC, target)
    .replace(/\.(js|ts|json)$/, '')
    .split(sep)
    .join('/');
  return (ALLOWED[from] ?? []).some((rule) => rule === to || rel === rule || rel.startsWith(`${rule}/`));
};

t.test('every folder of src/ is in the table', async (t) => {
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  t.same(folders, Object.keys(ALLOWED).sort(), 'docs/DESIGN.md and this table name every folder');
});

t.test('imports point only where docs/DESIGN.md allows', async (t) => {
  const files = sourceFiles(SRC);
  t.ok(files.length > 50, `read ${files.length} files`);
  const wrong: string[] = [];
  let edges = 0;
  for (const file of files) {
    const from = folderOf(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // packages and node: built-ins
      const target = resolve(dirname(file), spec);
      edges++;
      if (!target.startsWith(SRC + sep)) wrong.push(`${relative(ROOT, file)} imports ${spec} (outside src/)`);
      else if (!allows(from, target)) wrong.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}`);
    }
  }
  t.ok(edges > 100, `checked ${edges} imports`);
  t.same(wrong, [], 'no import crosses a boundary');
});

t.test('the check itself catches a forbidden edge', async (t) => {
  t.notOk(allows('server', join(SRC, 'offline', 'decrypt.ts')), 'server → offline refused');
  t.notOk(allows('client', join(SRC, 'views', 'page.ts')), 'client → views/page refused');
  t.ok(allows('client', join(SRC, 'views', 'contract.ts')), 'client → views/contract allowed');
  t.notOk(allows('crypto', join(SRC, 'shared', 'html.ts')), 'crypto → shared/html refused');
  t.ok(allows('crypto', join(SRC, 'shared', 'errors.ts')), 'crypto → shared/errors allowed');
  t.same(specifiers("import a from './a.js';\nexport { b } from \"../b.js\";\nimport './c.js';\nconst d = await import('./d.js');\nimport type { E } from '../e.js';"), [
    './a.js',
    '../b.js',
    '../e.js',
    './c.js',
    './d.js',
  ]);
});
