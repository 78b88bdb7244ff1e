// Runs the real server (`scripts/start.ts`), or another command that serves on 127.0.0.1 and
// says so in a line (its `ServerKind`), as a child process on an ephemeral port.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './client-build.js';
import { childEnv } from './child-env.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A command the tests serve pages with: `scripts/<script>.ts args…`, ready once its output matches `ready` (group 1: the URL). */
export interface ServerKind {
  script: string;
  args?: string[];
  ready: RegExp;
}

/** The tip line's server (npm start). */
export const TIPLINE: ServerKind = { script: 'start', ready: /listening on (http:\/\/[0-9.]+:\d+)/ };

/** `prefix` runs the server through another program that then execs node, e.g. `nsenter --net=… --`. */
export function runStart(env: Record<string, string>, prefix: string[] = [], kind: ServerKind = TIPLINE): { child: ChildProcess; output: () => string; exited: ServerProcess['exited'] } {
  const command = [...prefix, process.execPath, '--import', 'tsx', `scripts/${kind.script}.ts`, ...(kind.args ?? [])];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

export async function startServer(t: { teardown(fn: () => void | Promise<void>): void }, env: Record<string, string>, prefix: string[] = [], kind: ServerKind = TIPLINE): Promise<ServerProcess> {
  const proc = runStart({ TIPLINE_PORT: '0', ...env }, prefix, kind);
  t.teardown(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = kind.ready.exec(proc.output());
    if (match) return { url: match[1]!, ...proc };
    if (proc.child.exitCode !== null) throw new Error(`the server exited early:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server did not start within 60 s:\n${proc.output()}`);
}
