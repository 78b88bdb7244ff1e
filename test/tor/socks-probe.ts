// Waits until an HTTP server answers through a SOCKS5 proxy (tor's SocksPort) and prints one
// JSON line: { ok, status, attempts, ms, lastError }. Run inside the test's network namespace
// (network.ts starts it with nsenter), because the proxy listens on that namespace's loopback.
//
//   node --import tsx test/tor/socks-probe.ts <socksPort> <host> <path> <timeoutMs>
//
// A tiny SOCKS5 client (RFC 1928, no authentication, the host name is sent to the proxy, so
// no DNS lookup happens here), one HTTP/1.1 GET with `Connection: close`.
import { connect, type Socket } from 'node:net';

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
  // tor's extended errors for onion services (SocksPort … ExtendedErrors)
  // biome-ignore-start lint/complexity/useSimpleNumberKeys: hex, as tor's documentation lists these codes
  0xf0: 'onion service descriptor not found',
  0xf1: 'onion service descriptor invalid',
  0xf2: 'onion service introduction failed',
  0xf3: 'onion service rendezvous failed',
  0xf4: 'onion service missing client authorization',
  0xf5: 'onion service wrong client authorization',
  0xf6: 'invalid onion address',
  0xf7: 'onion service introduction timed out',
  // biome-ignore-end lint/complexity/useSimpleNumberKeys: hex, as tor's documentation lists these codes
};

class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended: Error | null = null;
  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    const end = (error?: Error) => {
      this.ended ??= error ?? new Error('connection closed');
      this.waiting?.();
    };
    socket.on('end', () => end());
    socket.on('close', () => end());
    socket.on('error', end);
  }
  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
  async rest(): Promise<Buffer> {
    while (!this.ended) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
    return this.buffered;
  }
}

/** One HTTP GET through the SOCKS5 proxy; resolves with the response's status code. */
export async function socksGet(socksPort: number, host: string, path: string, timeoutMs: number): Promise<number> {
  const socket = connect({ host: '127.0.0.1', port: socksPort });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  const reader = new Reader(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(Buffer.from([5, 1, 0]));
    const hello = await reader.read(2);
    if (hello[0] !== 5 || hello[1] !== 0) throw new Error('the proxy refused the no-authentication method');
    const name = Buffer.from(host, 'ascii');
    socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([0, 80])]));
    const reply = await reader.read(4);
    if (reply[1] !== 0) throw new Error(`SOCKS error 0x${reply[1]!.toString(16)}: ${SOCKS_REPLIES[reply[1]!] ?? 'unknown'}`);
    const addressLength = reply[3] === 1 ? 4 : reply[3] === 4 ? 16 : (await reader.read(1))[0]!;
    await reader.read(addressLength + 2);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    const response = (await reader.rest()).toString('latin1');
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(response);
    if (!status) throw new Error('no HTTP status line in the answer');
    return Number(status[1]);
  } finally {
    socket.destroy();
  }
}

async function main(): Promise<void> {
  const [portArg, host, path, timeoutArg] = process.argv.slice(2);
  if (!portArg || !host || !path || !timeoutArg) {
    process.stderr.write('usage: socks-probe.ts <socksPort> <host> <path> <timeoutMs>\n');
    process.exit(2);
  }
  const started = Date.now();
  const deadline = started + Number(timeoutArg);
  let attempts = 0;
  let lastError = '';
  while (Date.now() < deadline) {
    attempts++;
    try {
      const status = await socksGet(Number(portArg), host, path, Math.max(1000, Math.min(30_000, deadline - Date.now())));
      process.stdout.write(JSON.stringify({ ok: true, status, attempts, ms: Date.now() - started, lastError }) + '\n');
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  process.stdout.write(JSON.stringify({ ok: false, attempts, ms: Date.now() - started, lastError }) + '\n');
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
