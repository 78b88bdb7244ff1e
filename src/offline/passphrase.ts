// Reading a passphrase for the offline tools: from --passphrase-file, from TIPLINE_PASSPHRASE,
// or from the terminal without echo (asked twice when a new one is being chosen).
import { readFileSync } from 'node:fs';

export interface PassphraseOptions {
  prompt: string;
  /** Ask twice and require both to match (for a new passphrase). */
  confirm?: boolean;
  /** A file whose first line is the passphrase. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

export class PassphraseError extends Error {}

export async function readPassphrase(options: PassphraseOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new PassphraseError(`cannot read the passphrase file ${options.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line === '') throw new PassphraseError(`the passphrase file ${options.file} is empty`);
    return line;
  }
  const fromEnv = env.TIPLINE_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (!input.isTTY) {
    throw new PassphraseError('no terminal to ask for the passphrase: set TIPLINE_PASSPHRASE or use --passphrase-file');
  }
  const first = await askHidden(options.prompt, input, output);
  if (first === '') throw new PassphraseError('the passphrase is empty');
  if (options.confirm) {
    const second = await askHidden('Repeat the passphrase: ', input, output);
    if (second !== first) throw new PassphraseError('the two passphrases differ');
  }
  return first;
}

/** Reads one line from a terminal in raw mode, printing nothing for the typed characters. */
function askHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error) => {
      input.setRawMode(wasRaw);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new PassphraseError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
