// For the tests that run the real commands as child processes: one way to run a command (in the
// repository root unless told) and collect its output, the same inside a network namespace with
// no interface but loopback, and one reader for the CSV files the commands write.
import { spawn } from 'node:child_process';
import { ROOT } from './client-build.js';
import { childEnv } from './child-env.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  /** The working directory; the repository root unless set. */
  cwd?: string;
  /** Without NODE_OPTIONS and NODE_PATH, which could reach the project's node_modules (the one-file toolkit's tests). */
  bare?: boolean;
}

/** Runs `command` (stdin closed: not a terminal); never throws on a non-zero exit. */
export function runChild(command: string, args: string[], env: Record<string, string | undefined> = {}, options: ChildOptions = {}): Promise<Run> {
  const environment = childEnv(env);
  if (options.bare) {
    delete environment.NODE_OPTIONS;
    delete environment.NODE_PATH;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * Runs `node <nodeArgs>` inside a fresh network namespace (`unshare --net`: no interface but
 * loopback, as on the air-gapped machine); the namespace's interfaces (from its own
 * /proc/net/dev) come back too.
 */
export async function runWithoutNetwork(nodeArgs: string[], env: Record<string, string | undefined> = {}, options: ChildOptions = {}): Promise<Run & { interfaces: string[] }> {
  const script = 'cat /proc/net/dev && echo ---- && exec "$0" "$@"';
  const r = await runChild('unshare', ['--net', '--', 'sh', '-c', script, process.execPath, ...nodeArgs], env, options);
  const [netdev, rest] = r.stdout.split('----\n') as [string, string | undefined];
  const interfaces = netdev
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean);
  return { ...r, stdout: rest ?? '', interfaces };
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
      } else if (c === '"') quoted = false;
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
    } else cell += c;
  }
  return rows;
}
