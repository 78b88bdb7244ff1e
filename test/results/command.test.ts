// `npm run results -- forensics` as a real child process on bad input: a one-line message,
// exit 1 (2 for usage), and no output folder left behind; an existing or symlinked output is
// refused; results.html has a strict CSP, no script and the hostile cell escaped (those through
// the command table in this process, test/results/run.ts).
import t from 'tap';
import { runResults } from './run.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/results.ts', ...args], { cwd: ROOT, env: childEnv(), encoding: 'utf8' });

const MAPPING = { station: 'uik', region: 'region', registered: 'reg', issued: 'iss', valid: 'v', invalid: 'inv', leader: 'L' };

t.test('bad input: clear message, non-zero exit, nothing written', async (t) => {
  const dir = t.testdir({ 'map.json': JSON.stringify(MAPPING), 'bad-map.json': '{"station":"uik","extra":1}' });
  const cases: [string, string, RegExp][] = [
    ['region,uik,reg,iss,v,inv,L\nA,1,1000,600,"590"x,10,300\n', 'map.json', /line 2: text after the closing quote/],
    ['region,uik,reg,iss,v,inv,L\nA,1,1000,six hundred,590,10,300\n', 'map.json', /line 2: the column "iss" holds "six hundred", not a whole number/],
    ['region,uik,reg,iss,v,inv\nA,1,1000,600,590,10\n', 'map.json', /the column "L" of "leader" is not in the file's header/],
    ['region,uik,reg,iss,v,inv,L\nA,1,1000,600,590,10\n', 'map.json', /line 2: 6 fields where the header has 7/],
    ['region,uik,reg,iss,v,inv,L\n', 'bad-map.json', /unknown key "extra"/],
  ];
  cases.forEach(([csv, map, message], k) => {
    writeFileSync(join(dir, `in${k}.csv`), csv);
    const out = join(dir, `out${k}`);
    const r = run('forensics', '--in', join(dir, `in${k}.csv`), '--columns', join(dir, map), '--out', out, '--reps', '10');
    t.equal(r.status, 1, `case ${k}: exit 1`);
    t.match(r.stderr, message, `case ${k}: ${r.stderr.trim()}`);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.notOk(existsSync(out), 'no output folder');
  });
  const usage = run('forensics', '--in', 'x');
  t.equal(usage.status, 2, 'missing options: usage, exit 2');
});

t.test('the output must be a new folder; symlinks are not followed', async (t) => {
  const dir = t.testdir({ 'map.json': JSON.stringify(MAPPING), 'in.csv': 'region,uik,reg,iss,v,inv,L\n"<script>alert(1)</script>",1,1000,600,590,10,300\n', target: {} });
  mkdirSync(join(dir, 'exists'));
  symlinkSync(join(dir, 'target'), join(dir, 'link'));
  for (const out of ['exists', 'link']) {
    const r = await runResults('forensics', '--in', join(dir, 'in.csv'), '--columns', join(dir, 'map.json'), '--out', join(dir, out), '--reps', '10');
    t.equal(r.status, 1, `${out}: refused`);
    t.match(r.stderr, /already exists; give a new folder/);
  }
  const ok = await runResults('forensics', '--in', join(dir, 'in.csv'), '--columns', join(dir, 'map.json'), '--out', join(dir, 'new'), '--reps', '10');
  t.equal(ok.status, 0, ok.stderr);
  const html = readFileSync(join(dir, 'new', 'results.html'), 'utf8');
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-/);
  t.notMatch(html, /<script/i, 'no script element at all');
  const csv = readFileSync(join(dir, 'new', 'results.csv'), 'utf8');
  t.match(csv, /"?<script>alert\(1\)<\/script>"?/, 'the station name is in results.csv as text');
});
