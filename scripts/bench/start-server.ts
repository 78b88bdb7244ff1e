// The benches' way of running a server as a child process: node on `args` (TypeScript through
// tsx, a built .mjs directly, as production runs it), resolved with the URL it prints once it
// listens. Also the child's CPU time, for costs a loaded machine's wall clock hides.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function start(args: string[], env: Record<string, string>, nodeOptions: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const command = [...nodeOptions, ...(args[0]!.endsWith('.mjs') ? args : ['--import', 'tsx', ...args])];
  const child = spawn(process.execPath, command, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

/** CPU seconds a process has used so far, all its threads, user and system (Linux /proc; 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
