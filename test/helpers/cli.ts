// For the tests that run the real commands as child processes: one way to run a command in the
// repository root and collect its output, and one reader for the CSV files the commands write.
import { spawn } from 'node:child_process';
import { ROOT } from './client-build.js';
import { childEnv } from './child-env.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` in the repository root (stdin closed: not a terminal); never throws on a non-zero exit. */
export function runChild(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `scripts/<script>.ts` through tsx, like the npm scripts. */
export function runTsx(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return runChild(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], env);
}

/** A minimal RFC 4180 reader for the tests (quoted cells, "" escapes, CRLF rows). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    }
    else cell += c;
  }
  return rows;
}
