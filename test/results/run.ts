// `npm run results -- …` in this process: the same command table scripts/results.ts runs, with
// stdout and stderr captured (so the command modules count in coverage). The child-process
// path itself is checked by test/results/command.test.ts and the toolkit test.
import { Writable } from 'node:stream';
import { runCommand } from '../../src/offline/cli.js';

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

export async function runResults(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = collector();
  const err = collector();
  const status = await runCommand('results', args, { invocation: (command) => `npm run ${command} --`, stdout: out.stream, stderr: err.stream, env: process.env });
  return { status, stdout: out.text(), stderr: err.text() };
}
