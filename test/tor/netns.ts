// A private network namespace for the Tor tests: nothing started in it can reach anything
// but its own loopback interface.
//
// Why this shape: Node cannot move itself into another network namespace (no setns), so the
// test process stays where it is and every process that needs the private network — each
// tor, the Tipline server, Chromium, the commands — is started through
// `nsenter --net=/proc/<holder>/ns/net -- <program>`. The holder is
// `unshare -n sh -c 'ip link set lo up; …; exec cat'` with its stdin a pipe from this process:
// when this process ends for any reason (even SIGKILL), the pipe closes, `cat` exits and the
// holder is gone. nsenter only calls setns(2) and then exec(2)s the program, so the pid we get
// from spawn() is the program's own pid (tor, node, chromium), and the namespace lives as long
// as any process in it does.
//
// Because the namespace is new, no port in it is in use except by the processes we start in
// it; that is what makes fixed port choices safe (see network.ts).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface NetNs {
  /** The holder's pid; `/proc/<pid>/ns/net` is the namespace. */
  pid: number;
  /** `nsenter` arguments that run a program inside the namespace: `[...prefix, program, ...args]`. */
  prefix: string[];
  /** Spawns `command args` inside the namespace. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Ends the holder (processes still inside keep the namespace alive until they end). */
  close(): Promise<void>;
}

export async function createNetNs(): Promise<NetNs> {
  if (process.getuid?.() !== 0) throw new Error('creating a network namespace needs root (unshare -n)');
  const holder = spawn('unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up && echo up && exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  holder.stdout!.on('data', (d) => (out += d));
  holder.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    const started = Date.now();
    const poll = () => {
      if (out.includes('up\n')) return resolve();
      if (holder.exitCode !== null || Date.now() - started > 10_000) return reject(new Error(`could not create a network namespace (unshare -n): ${out.trim()}`));
      setTimeout(poll, 20);
    };
    poll();
  });
  const pid = holder.pid!;
  const nsPath = `/proc/${pid}/ns/net`;
  // Sanity: the holder is really in another network namespace than this process.
  if (!existsSync(nsPath) || readlinkSync(nsPath) === readlinkSync('/proc/self/ns/net')) {
    holder.kill('SIGKILL');
    throw new Error('the namespace holder is not in a new network namespace');
  }
  const prefix = ['nsenter', `--net=${nsPath}`, '--'];
  // If this process exits without close() (SIGINT, an uncaught error), end what still runs in
  // the namespace — everything in it was started by us. tors are left to their own stop path
  // (network.ts stops them by their pid files, and they watch our pid).
  const inode = readlinkSync(nsPath);
  const killLeftovers = () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/net`) !== inode) continue;
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'tor') continue;
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        /* ended meanwhile */
      }
    }
  };
  process.once('exit', killLeftovers);
  return {
    pid,
    prefix,
    spawn: (command, args, options = {}) => spawn(prefix[0]!, [...prefix.slice(1), command, ...args], options),
    async close() {
      process.off('exit', killLeftovers);
      if (holder.exitCode === null && holder.signalCode === null) {
        holder.stdin!.end();
        holder.kill('SIGTERM');
        await exited;
      }
    },
  };
}
