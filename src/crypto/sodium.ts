// The one libsodium instance used by the envelope code in the browser, the server and the
// offline tools. The browser bundle aliases this import to libsodium's CommonJS build, which
// carries the asm.js fallback needed where WebAssembly is disabled (Tor Browser "Safer").
import sodiumModule from 'libsodium-wrappers';

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | undefined;

export function loadSodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}
