// A child process for test/offline/unlock.test.ts. Test-only: records every WebAssembly instance
// made in this (main) thread, loads the offline commands (src/offline/cli.ts, so every module the
// desk's process imports), unlocks the key file UNLOCK_KEY (passphrase UNLOCK_PASSPHRASE) as the
// commands do, and prints what this thread holds afterwards as one line of JSON.
// UNLOCK_IN_THREAD=1 unlocks with decryptKeyFile in this thread instead (the way it was before).
import { readFileSync } from 'node:fs';

// Typed here: the project's Node types have no WebAssembly values.
interface Instance {
  exports: Record<string, unknown>;
}
interface Wasm {
  instantiate: (...args: unknown[]) => Promise<Instance | { instance: Instance }>;
  Memory: new (...args: never[]) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const instances: Instance[] = [];
const instantiate = wasm.instantiate;
wasm.instantiate = async function (this: unknown, ...args: unknown[]) {
  const made = await instantiate.apply(this, args);
  instances.push('instance' in made ? made.instance : made);
  return made;
};

const { runCommand } = await import('../../src/offline/cli.js');
const { unlockKey } = await import('../../src/offline/decrypt.js');
const { decryptKeyFile } = await import('../../src/crypto/keyfile.js');
const { fingerprint } = await import('../../src/crypto/keys.js');
void runCommand;
const text = readFileSync(process.env.UNLOCK_KEY!, 'utf8');
const pair = await (process.env.UNLOCK_IN_THREAD === '1' ? decryptKeyFile : unlockKey)(text, process.env.UNLOCK_PASSPHRASE!);
const memories = instances.map((i) => (Object.values(i.exports).find((e) => e instanceof wasm.Memory) as { buffer: ArrayBuffer } | undefined)?.buffer.byteLength ?? 0);
process.stdout.write(`${JSON.stringify({ fingerprint: await fingerprint(pair), memories, external: process.memoryUsage().external })}\n`);
