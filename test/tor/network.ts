// A private Tor network on 127.0.0.1, inside a network namespace of our own (netns.ts):
// three directory authorities that are also relays, three non-exit relays, one tor that runs
// the onion services, one client tor with a SocksPort. Debian's tor 0.4.9; nothing here can
// reach the public Tor network: every torrc names only 127.0.0.1 addresses and this network's
// own DirAuthority lines (so tor never uses its built-in public authorities), and the whole
// thing runs in a namespace whose only interface is `lo`.
//
// What it shows: tor's onion-service protocol (descriptors on HSDirs, introduction,
// rendezvous, v3 addresses, the PoW defence's descriptor parameters) carrying Tipline's HTTP
// exactly as on the real network. What it cannot show: real Tor latency and bandwidth
// (everything here is one hop of loopback), guard discovery or any attack that needs a real
// network's size, the public network's consensus parameters, or PoW under a real flood.
//
// Readiness is read from the tors' own files, never guessed with sleeps: the authorities'
// `cached-microdesc-consensus` must list every router as Running, Stable, Guard and HSDir,
// and every router's directory cache must hold such a consensus and all its microdescriptors
// (a router stuck in download back-off gets a SIGHUP, which makes it fetch at once). Only
// then do the onion-service tor and the client start (earlier, descriptors go to HSDirs the
// client does not yet know and the onion stays unreachable for minutes). Finally a SOCKS
// probe inside the namespace waits until each onion answers HTTP.
//
// Every tor is stopped by the pid in its own PidFile (checked to be a `tor` process), never by
// name — in stop(), and synchronously on SIGINT/SIGTERM/exit of this process. As a last line,
// each tor has `__OwningControllerProcess <our pid>` and exits by itself when we are gone.
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NetNs } from './netns.js';

const execFileP = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

export interface OnionServiceSpec {
  /** The backend port on the namespace's 127.0.0.1 (`HiddenServicePort 80 127.0.0.1:<port>`). */
  port: number;
  /** `HiddenServicePoWDefensesEnabled 1` for this service. */
  powDefenses?: boolean;
}

export interface TorNetworkOptions {
  ns: NetNs;
  /** An empty directory for every tor's data (the caller removes it). */
  dir: string;
  services: OnionServiceSpec[];
  /** Progress lines (timings, SIGHUPs). */
  log?: (line: string) => void;
  /** Upper bound for the whole start, in ms (default 150 s). */
  timeoutMs?: number;
}

export interface TorNetwork {
  /** `<56 chars>.onion`, one per service, in the order given. */
  onions: string[];
  /** The client tor's SocksPort on the namespace's 127.0.0.1. */
  socksPort: number;
  /** Milliseconds from the first tor's start. */
  timings: { consensusReady: number; cachesReady: number; onionsAnswer: number };
  /** Every tor's pid (from its PidFile). */
  pids(): number[];
  /** The last lines of every tor's notice log, for failure reports. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

interface Node {
  name: string;
  kind: 'authority' | 'relay' | 'service' | 'client';
  dataDir: string;
  orPort: number;
  dirPort: number;
  socksPort: number;
  fingerprint?: string;
  v3ident?: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  output: string;
}

const AUTHORITIES = 3;
const RELAYS = 3;
const REQUIRED_FLAGS = ['Running', 'Stable', 'Guard', 'HSDir', 'Valid'];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The pid in a tor's PidFile, if the file exists and that pid is a running `tor`. */
function torPid(node: Node): number | null {
  const file = join(node.dataDir, 'tor.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'tor') return null;
    // A zombie (exited, not yet reaped) is not running.
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return null;
  } catch {
    return null;
  }
  return pid;
}

/** The routers of a microdesc consensus: hex fingerprint → flags and microdescriptor digest. */
export function parseMicrodescConsensus(text: string): { validAfter: string; routers: Map<string, { nickname: string; flags: string[]; md: string }> } {
  const routers = new Map<string, { nickname: string; flags: string[]; md: string }>();
  let current: { nickname: string; flags: string[]; md: string } | null = null;
  let validAfter = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('valid-after ')) validAfter = line.slice('valid-after '.length);
    else if (line.startsWith('r ')) {
      const [, nickname, identity] = line.split(' ');
      current = { nickname: nickname!, flags: [], md: '' };
      routers.set(Buffer.from(identity!, 'base64').toString('hex').toUpperCase(), current);
    } else if (line.startsWith('s ') && current) current.flags = line.slice(2).split(' ');
    else if (line.startsWith('m ') && current) current.md = line.slice(2).trim();
    else if (line.startsWith('directory-footer')) current = null;
  }
  return { validAfter, routers };
}

/**
 * The digests (SHA-256, unpadded base64, as in the consensus `m` lines) of the
 * microdescriptors in tor's cache files. Each entry in those files is a run of `@…`
 * annotation lines followed by the microdescriptor text; the digest covers the text only.
 */
export function cachedMicrodescDigests(dataDir: string): Set<string> {
  const digests = new Set<string>();
  for (const name of ['cached-microdescs', 'cached-microdescs.new']) {
    const file = join(dataDir, name);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'latin1');
    // Split before every annotation block; an entry's body starts after its last `@` line.
    for (const entry of text.split(/\n(?=@)/)) {
      const lines = entry.split('\n');
      let start = 0;
      while (start < lines.length && lines[start]!.startsWith('@')) start++;
      const body = lines.slice(start).join('\n');
      if (!body.trim()) continue;
      const normalised = body.endsWith('\n') ? body : body + '\n';
      digests.add(createHash('sha256').update(normalised, 'latin1').digest('base64').replace(/=+$/, ''));
    }
  }
  return digests;
}

/** Why this router's cache is not ready yet, or null when it is. */
function cacheProblem(node: Node, routers: Node[]): string | null {
  const file = join(node.dataDir, 'cached-microdesc-consensus');
  if (!existsSync(file)) return 'no consensus yet';
  const { routers: listed } = parseMicrodescConsensus(readFileSync(file, 'latin1'));
  for (const router of routers) {
    const entry = listed.get(router.fingerprint!);
    if (!entry) return `consensus lacks ${router.name}`;
    const missing = REQUIRED_FLAGS.filter((flag) => !entry.flags.includes(flag));
    if (missing.length) return `${router.name} lacks ${missing.join(', ')}`;
  }
  const have = cachedMicrodescDigests(node.dataDir);
  const lacking = routers.filter((router) => !have.has(listed.get(router.fingerprint!)!.md));
  return lacking.length ? `no microdescriptor for ${lacking.map((r) => r.name).join(', ')}` : null;
}

function commonTorrc(node: Node, authorityLines: string[]): string[] {
  return [
    `# ${node.kind} ${node.name} — private test network, 127.0.0.1 only`,
    'TestingTorNetwork 1',
    ...authorityLines,
    `Nickname ${node.name}`,
    `DataDirectory ${node.dataDir}`,
    `PidFile ${join(node.dataDir, 'tor.pid')}`,
    `Log notice file ${join(node.dataDir, 'notice.log')}`,
    'Log warn stdout',
    'RunAsDaemon 0',
    // Exit by itself if the test process is gone (checked every few seconds by tor).
    `__OwningControllerProcess ${process.pid}`,
    // No GeoIP: saves seconds of CPU and ~90 MB per tor.
    'GeoIPFile ""',
    'GeoIPv6File ""',
    'ClientUseIPv6 0',
    'ControlPort 0',
    // Short voting rounds (the minimums TestingTorNetwork allows).
    'V3AuthVotingInterval 20',
    'V3AuthVoteDelay 4',
    'V3AuthDistDelay 4',
    'TestingV3AuthInitialVotingInterval 20',
    'TestingV3AuthInitialVoteDelay 4',
    'TestingV3AuthInitialDistDelay 4',
    'TestingV3AuthVotingStartOffset 0',
  ];
}

function relayTorrc(node: Node): string[] {
  return [
    'SocksPort 0',
    `ORPort 127.0.0.1:${node.orPort}`,
    `DirPort 127.0.0.1:${node.dirPort}`,
    'Address 127.0.0.1',
    'AssumeReachable 1',
    'ExitRelay 0',
    'ExitPolicy reject *:*',
    'FetchDirInfoEarly 1',
    'FetchDirInfoExtraEarly 1',
    'ContactInfo tipline-test@localhost',
  ];
}

function authorityTorrc(bandwidthFile: string): string[] {
  return [
    'AuthoritativeDirectory 1',
    'V3AuthoritativeDirectory 1',
    'AuthDirMaxServersPerAddr 0',
    'TestingDirAuthVoteGuard *',
    'TestingDirAuthVoteHSDir *',
    'AuthDirVoteStableGuaranteeMinUptime 0',
    'AuthDirVoteStableGuaranteeMTBF 0',
    // Equal measured bandwidths: without them the first consensuses weight all but one relay
    // at 0 and onion circuits fail for ~40 s.
    `V3BandwidthsFile ${bandwidthFile}`,
  ];
}

export async function startTorNetwork(options: TorNetworkOptions): Promise<TorNetwork> {
  const { ns, dir, services } = options;
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 150_000;
  if (!services.length) throw new Error('startTorNetwork: no onion service given');

  // Ports: the namespace is new, so nothing listens in it but what we start. The tors get
  // ports below Linux's ephemeral range (32768+), where the Tipline servers' port 0 lands.
  const base = 10_000 + 10 * Math.floor(Math.random() * 1_000);
  const nodes: Node[] = [];
  const add = (kind: Node['kind'], name: string) => {
    const k = nodes.length;
    const node: Node = { kind, name, dataDir: join(dir, name), orPort: base + 10 * k, dirPort: base + 10 * k + 1, socksPort: base + 10 * k + 2, output: '' };
    mkdirSync(node.dataDir, { mode: 0o700, recursive: true });
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < AUTHORITIES; i++) add('authority', `auth${i}`);
  for (let i = 0; i < RELAYS; i++) add('relay', `relay${i}`);
  const service = add('service', 'onion');
  const client = add('client', 'client');
  const routers = nodes.filter((n) => n.kind === 'authority' || n.kind === 'relay');
  const authorities = nodes.filter((n) => n.kind === 'authority');

  const started: Node[] = [];
  const stopSync = () => {
    for (const node of started) {
      const pid = torPid(node);
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', stopSync);

  const stop = async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', stopSync);
    const waits: Promise<void>[] = [];
    for (const node of started) {
      const pid = torPid(node);
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      // The child handle is the same process (nsenter execs tor); it only serves to wait.
      if (node.exited) waits.push(Promise.race([node.exited, sleep(10_000)]));
    }
    await Promise.all(waits);
    for (const node of started) {
      const pid = torPid(node);
      if (pid) process.kill(pid, 'SIGKILL');
      else if (node.child && node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
    }
    await Promise.all(started.map((node) => node.exited && Promise.race([node.exited, sleep(5_000)])));
  };

  const runInNs = async (args: string[], input?: string) => {
    const child = ns.spawn(args[0]!, args.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.stdin!.end(input ?? '');
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${out.trim().slice(-2000)}`);
    return out;
  };

  const launch = (node: Node, torrc: string[]) => {
    const torrcFile = join(node.dataDir, 'torrc');
    writeFileSync(torrcFile, torrc.join('\n') + '\n');
    const child = ns.spawn('tor', ['--defaults-torrc', '/dev/null', '-f', torrcFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    node.child = child;
    node.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (d: Buffer) => (node.output = (node.output + d).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    started.push(node);
  };

  const logTails = (lines = 15) =>
    nodes
      .map((node) => {
        const file = join(node.dataDir, 'notice.log');
        const tail = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
        return `--- ${node.name} (${node.kind})\n${tail}${node.output ? `\n[stdout] ${node.output.trim()}` : ''}`;
      })
      .join('\n');

  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const exitedEarly = () => started.find((node) => node.child && (node.child.exitCode !== null || node.child.signalCode !== null));

  try {
    // Keys first: DirAuthority lines need every authority's v3 identity and relay fingerprint
    // before any tor runs. (These commands make keys and exit; they too run in the namespace.)
    await Promise.all(
      authorities.map(async (node) => {
        const keys = join(node.dataDir, 'keys');
        mkdirSync(keys, { mode: 0o700 });
        await runInNs(
          [
            'tor-gencert',
            '--create-identity-key',
            '-m',
            '12',
            '-a',
            `127.0.0.1:${node.dirPort}`,
            '-i',
            join(keys, 'authority_identity_key'),
            '-s',
            join(keys, 'authority_signing_key'),
            '-c',
            join(keys, 'authority_certificate'),
            '--passphrase-fd',
            '0',
          ],
          '\n',
        );
        const cert = readFileSync(join(keys, 'authority_certificate'), 'utf8');
        node.v3ident = /^fingerprint ([0-9A-F]{40})$/m.exec(cert)![1];
      }),
    );
    await Promise.all(
      routers.map(async (node) => {
        const torrc = join(node.dataDir, 'torrc-fingerprint');
        writeFileSync(
          torrc,
          [`DataDirectory ${node.dataDir}`, `Nickname ${node.name}`, `ORPort 127.0.0.1:${node.orPort}`, 'Address 127.0.0.1', 'GeoIPFile ""', 'GeoIPv6File ""', 'Log err stdout'].join('\n') + '\n',
        );
        const out = await runInNs(['tor', '--defaults-torrc', '/dev/null', '-f', torrc, '--list-fingerprint']);
        const match = new RegExp(`^${node.name} ((?:[0-9A-F]{4} ?){10})$`, 'm').exec(out);
        if (!match) throw new Error(`no fingerprint for ${node.name}: ${out.trim()}`);
        node.fingerprint = match[1]!.replace(/ /g, '');
      }),
    );
    const authorityLines = authorities.map((a) => `DirAuthority ${a.name} orport=${a.orPort} no-v2 v3ident=${a.v3ident} 127.0.0.1:${a.dirPort} ${a.fingerprint}`);
    const bandwidthFile = join(dir, 'bandwidths');
    writeFileSync(bandwidthFile, `${Math.floor(Date.now() / 1000)}\n` + routers.map((r) => `node_id=$${r.fingerprint} bw=1000\n`).join(''));

    for (const node of routers) {
      launch(node, [...commonTorrc(node, authorityLines), ...relayTorrc(node), ...(node.kind === 'authority' ? authorityTorrc(bandwidthFile) : [])]);
    }

    // 1. The authorities agree on a consensus listing every router with the flags onion
    //    services need; 2. every router's cache holds such a consensus and all microdescs.
    let consensusReady = 0;
    const lastHup = new Map<Node, number>();
    for (;;) {
      const dead = exitedEarly();
      if (dead) throw new Error(`${dead.name} exited early`);
      if (Date.now() > deadline) {
        const status = routers.map((r) => `${r.name}: ${cacheProblem(r, routers) ?? 'ready'}`).join('; ');
        throw new Error(`the private Tor network was not ready within ${timeoutMs / 1000} s (${status})`);
      }
      const problems = routers.map((node) => [node, cacheProblem(node, routers)] as const);
      if (!consensusReady && authorities.every((a) => problems.find(([n]) => n === a)![1] === null)) {
        consensusReady = Date.now() - t0;
        log(`consensus with all ${routers.length} routers Running/Stable/Guard/HSDir after ${(consensusReady / 1000).toFixed(1)} s`);
      }
      if (problems.every(([, problem]) => problem === null)) break;
      if (consensusReady) {
        // A router still behind a few seconds after the authorities are done is usually in
        // download back-off: SIGHUP makes it fetch at once.
        for (const [node, problem] of problems) {
          if (problem === null) continue;
          const since = Math.max(consensusReady + t0, lastHup.get(node) ?? 0);
          if (Date.now() - since > 5_000) {
            const pid = torPid(node);
            if (pid) {
              log(`SIGHUP ${node.name} (${problem})`);
              process.kill(pid, 'SIGHUP');
            }
            lastHup.set(node, Date.now());
          }
        }
      }
      await sleep(250);
    }
    const cachesReady = Date.now() - t0;
    log(`every router's cache holds the consensus and all microdescriptors after ${(cachesReady / 1000).toFixed(1)} s`);

    // The onion services and the client, only now.
    const serviceLines = services.flatMap((spec, i) => [
      `HiddenServiceDir ${join(service.dataDir, `hs${i}`)}`,
      `HiddenServicePort 80 127.0.0.1:${spec.port}`,
      ...(spec.powDefenses ? ['HiddenServicePoWDefensesEnabled 1'] : []),
    ]);
    launch(service, [...commonTorrc(service, authorityLines), 'SocksPort 0', ...serviceLines]);
    launch(client, [...commonTorrc(client, authorityLines), `SocksPort 127.0.0.1:${client.socksPort} ExtendedErrors`, 'SafeSocks 1']);

    const onions: string[] = [];
    for (let i = 0; i < services.length; i++) {
      const file = join(service.dataDir, `hs${i}`, 'hostname');
      while (!existsSync(file)) {
        const dead = exitedEarly();
        if (dead) throw new Error(`${dead.name} exited early`);
        if (Date.now() > deadline) throw new Error('the onion-service tor wrote no hostname');
        await sleep(100);
      }
      const onion = readFileSync(file, 'utf8').trim();
      if (!/^[a-z2-7]{56}\.onion$/.test(onion)) throw new Error(`unexpected onion address ${onion}`);
      onions.push(onion);
    }

    // 3. Each onion answers HTTP through the client's SocksPort.
    await Promise.all(
      onions.map(async (onion) => {
        const remaining = Math.max(5_000, deadline - Date.now());
        let out: string;
        try {
          out = await runInNs([process.execPath, '--import', 'tsx', join(ROOT, 'test/tor/socks-probe.ts'), String(client.socksPort), onion, '/robots.txt', String(remaining)]);
        } catch (error) {
          throw new Error(`${onion} did not answer through the client tor: ${(error as Error).message}`);
        }
        const result = JSON.parse(out.trim().split('\n').pop()!) as { status: number; attempts: number; ms: number };
        if (result.status !== 200) throw new Error(`${onion} answered HTTP ${result.status}`);
        log(`${onion.slice(0, 8)}….onion answered after ${result.attempts} attempt(s), ${(result.ms / 1000).toFixed(1)} s after the service started`);
      }),
    );
    const onionsAnswer = Date.now() - t0;
    log(`network ready: onions answer ${(onionsAnswer / 1000).toFixed(1)} s after the first tor started`);

    return {
      onions,
      socksPort: client.socksPort,
      timings: { consensusReady, cachesReady, onionsAnswer },
      pids: () => started.map(torPid).filter((pid): pid is number => pid !== null),
      logTails,
      stop,
    };
  } catch (error) {
    const tails = logTails();
    await stop();
    throw new Error(`${(error as Error).message}\n${tails}`);
  }
}

/** Fails unless the tor programs this harness needs are installed (never skip). */
export async function checkTorInstalled(): Promise<string> {
  for (const program of ['tor', 'tor-gencert', 'unshare', 'nsenter', 'ip']) {
    try {
      await execFileP('sh', ['-c', `command -v ${program}`]);
    } catch {
      throw new Error(`${program} is missing: install Debian's tor, util-linux and iproute2 (see .ci/run)`);
    }
  }
  const { stdout } = await execFileP('tor', ['--version']);
  return stdout.split('\n')[0]!.trim();
}
