// `npm run decrypt` on a bundle of a million malformed lines (docs/THREAT-MODEL.md, T42): the
// real command as a child process, its peak resident memory read by the child itself at exit
// (process.resourceUsage().maxRSS, from a preloaded module) and required under a bound that
// the old reader, which kept one message per bad line, went far over. The summary still
// counts every problem by kind and lists only the first few hundred.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { childEnv } from '../helpers/child-env.js';
import { ROOT } from '../helpers/client-build.js';
import { tempDir } from '../helpers/fixtures.js';
import { generateEditorKeyPair } from '../../src/crypto/keys.js';
import { encryptKeyFile } from '../../src/crypto/keyfile.js';
import { headerLine, manifestLine } from '../../src/crypto/bundle.js';

// Writing and reading a million lines twice is slow on a busy machine.
t.setTimeout(900_000);

const PASSPHRASE = 'correct horse battery staple';
const LINES = 1_000_000;
/** Peak RSS allowed: Node, tsx and libsodium take about 150 MB; the old reader needed gigabytes. */
const BOUND_MB = 300;

t.test('a million bad lines: bounded memory, every problem counted by kind', { timeout: 900_000 }, async (t) => {
  const dir = tempDir(t, 'tipline-decrypt-mem-');
  const key = await generateEditorKeyPair();
  const keyFile = join(dir, 'editor.key');
  writeFileSync(keyFile, JSON.stringify(await encryptKeyFile(key, PASSPHRASE, { opslimit: 1, memlimit: 8192 })), { mode: 0o600 });
  const passFile = join(dir, 'passphrase.txt');
  writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });

  // Three kinds of bad line in turn: not JSON, an unknown type, a tip line without its members.
  const bundle = join(dir, 'bad.bundle');
  const out = createWriteStream(bundle);
  out.write(headerLine('2024-05-04') + '\n');
  const kinds = ['x', '{"type":"nope"}', '{"type":"tip"}'];
  let batch = '';
  for (let i = 0; i < LINES; i++) {
    batch += kinds[i % 3] + '\n';
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.write(batch + manifestLine([]) + '\n');
  out.end();
  await once(out, 'close');

  const probe = join(dir, 'max-rss.mjs');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder belongs to the probe's own source
  writeFileSync(probe, "process.on('exit', () => process.stderr.write(`\\nmaxRSS_kB=${process.resourceUsage().maxRSS}\\n`));\n");
  const child = spawn(process.execPath, ['--import', probe, '--import', 'tsx', 'scripts/decrypt.ts', '--key', keyFile, '--in', bundle, '--out', join(dir, 'out'), '--passphrase-file', passFile], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];

  const peak = Number(/maxRSS_kB=(\d+)/.exec(stderr)?.[1]) / 1024;
  t.equal(code, 1, 'exit 1: lines were skipped');
  t.ok(peak > 0 && peak < BOUND_MB, `peak RSS ${peak.toFixed(0)} MB is under ${BOUND_MB} MB`);
  const lines = stdout.split('\n');
  t.equal(lines[0], `decrypted 0, already decrypted 0, skipped ${LINES}`, 'every bad line counted');
  t.ok(lines.length < 1000, `the summary lists only the first problems (${lines.length} lines)`);
  t.match(stdout, /^skipped: line 2: the line is not a JSON object$/m, 'the first problems are named');
  const third = Math.floor(LINES / 3);
  t.match(
    stdout,
    new RegExp(`^not listed: ${LINES - 300} more skipped lines \\(bundle problems by kind, in all: malformed ${LINES - third}, unknown-type ${third}\\)$`, 'm'),
    'the rest counted by kind',
  );
});
