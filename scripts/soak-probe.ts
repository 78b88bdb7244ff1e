// SOAK_PROBE=1 npm run soak: loaded into the soak's server (node --import) to show, once a
// second, connections accepted, connections that got their first request and their first
// answer, requests started and answered, and how busy the event loop was (utilisation and its
// longest delay). Counts only: no address, no time of any request. Diagnostics, never production.
import http from 'node:http';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

let accepted = 0;
let firstRequest = 0;
let firstAnswer = 0;
let requests = 0;
let answers = 0;
const asked = new WeakSet<Socket>();
const answered = new WeakSet<Socket>();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'connection') accepted++;
  else if (event === 'request') {
    const socket = (args[0] as http.IncomingMessage).socket;
    requests++;
    if (!asked.has(socket)) {
      asked.add(socket);
      firstRequest++;
    }
    (args[1] as http.ServerResponse).once('finish', () => {
      answers++;
      if (!answered.has(socket)) {
        answered.add(socket);
        firstAnswer++;
      }
    });
  }
  return (emit as (...all: unknown[]) => boolean).apply(this, [event, ...args]);
} as typeof emit;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let utilisation = performance.eventLoopUtilization();
let second = 0;
setInterval(() => {
  const busy = performance.eventLoopUtilization(utilisation).utilization;
  utilisation = performance.eventLoopUtilization();
  process.stderr.write(
    `soak-probe: server ${++second} s: accepted ${accepted}, first request ${firstRequest}, first answer ${firstAnswer}; requests ${requests}, answered ${answers}; loop busy ${busy.toFixed(2)}, longest delay ${(delay.max / 1e6).toFixed(0)} ms\n`,
  );
  delay.reset();
}, 1000).unref();
