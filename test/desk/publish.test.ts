// writePublication on a real folder: two new files, mode 0600, the free-text choice in their
// names; a second export never overwrites (numbered names), a symlink planted at the name is
// not followed; a missing folder or a bad date is one clear error and writes nothing.
import t from 'tap';
import { lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers/fixtures.js';
import type { ElectionTip } from '../../src/desk/api.js';
import { publicationCsv } from '../../src/desk/election.js';
import { writePublication } from '../../src/desk/publish.js';

const TIPS: ElectionTip[] = [
  {
    id: 'a'.repeat(32),
    thread: 'a'.repeat(32),
    received: '2026-03-15',
    form: { id: 'election-kz', version: 1 },
    fields: { region: 'astana', stage: 'counting', category: ['carousel'] },
    message: 'my neighbour Ainur saw it',
    verification: { state: 'verified', note: 'ok', editor: 'A' },
  },
];

t.test('two new files, 0600, never overwriting, never through a symlink', async (t) => {
  const dir = tempDir(t, 'tipline-publish-');
  const target = join(tempDir(t, 'tipline-publish-target-'), 'victim.txt');
  writeFileSync(target, 'untouched');
  symlinkSync(target, join(dir, 'election-reports-2026-03-17.html'));
  const first = writePublication(dir, TIPS, { date: '2026-03-17' });
  t.same(
    first.map((p) => basename(p)),
    ['election-reports-2026-03-17.csv', 'election-reports-2026-03-17 (2).html'],
    'the symlinked name is skipped',
  );
  t.equal(readFileSync(target, 'utf8'), 'untouched');
  for (const p of first) t.equal(lstatSync(p).mode & 0o777, 0o600, `${basename(p)} is 0600`);
  t.equal(readFileSync(first[0]!, 'utf8'), publicationCsv(TIPS, { date: '2026-03-17' }));
  t.notOk(readFileSync(first[0]!, 'utf8').includes('Ainur') || readFileSync(first[1]!, 'utf8').includes('Ainur'), 'free text left out by default');
  const second = writePublication(dir, TIPS, { date: '2026-03-17', includeFreeText: true });
  t.same(
    second.map((p) => basename(p)),
    ['election-reports-2026-03-17-with-free-text.csv', 'election-reports-2026-03-17-with-free-text.html'],
  );
  t.ok(readFileSync(second[1]!, 'utf8').includes('Ainur'), 'included on request, and the names say so');
  const third = writePublication(dir, TIPS, { date: '2026-03-17' });
  t.same(
    third.map((p) => basename(p)),
    ['election-reports-2026-03-17 (2).csv', 'election-reports-2026-03-17 (3).html'],
    'numbered, nothing overwritten',
  );
  t.equal(readdirSync(dir).length, 7);
});

t.test('a missing folder or a bad date: one clear error, nothing written', async (t) => {
  const dir = tempDir(t, 'tipline-publish-');
  t.throws(() => writePublication(join(dir, 'missing'), TIPS, { date: '2026-03-17' }), { name: 'ReportError', message: /is not a folder/ });
  t.throws(() => writePublication(dir, TIPS, { date: '../../x' }), { name: 'ReportError', message: /YYYY-MM-DD/ });
  t.same(readdirSync(dir), []);
});
