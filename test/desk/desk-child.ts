// A desk in a child process, for the tests that kill it with SIGKILL (test/desk/crash.test.ts).
// Test-only: the key seed comes in the environment (DESK_SEED, hex). Prints one line per step
// that returned, so the parent kills it at a known point of the run.
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/crypto/bytes.js';
import { editorKeyPairFromSeed } from '../../src/crypto/keys.js';
import { openDesk } from '../../src/desk/desk.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const key = await editorKeyPairFromSeed(fromHex(env('DESK_SEED')));
const desk = await openDesk({ key, recipients: readFileSync(env('DESK_RECIPIENTS'), 'utf8'), usb: env('DESK_USB'), deskDir: env('DESK_DIR'), exportDir: env('DESK_EXPORT') });
if (env('DESK_MODE') === 'import') {
  await desk.importInbox((p) => process.stdout.write(`imported ${p.imported} already ${p.already}\n`));
  process.stdout.write('done\n');
} else {
  const thread = env('DESK_THREAD');
  for (let i = 0; ; i++) {
    await desk.change(thread, { kind: 'label', label: `label-${i}`, on: true });
    process.stdout.write(`changed ${i}\n`);
  }
}
await desk.close();
