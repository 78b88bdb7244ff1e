// A new connection is accepted and answered while keep-alive connections keep the server busy
// (THREAT-MODEL T21). libuv accepts one connection per event-loop turn; before
// limitRequestsPerTurn a turn ran every ready request, so under a flood new connections waited
// in the kernel's accept queue until the flood ended (the soak's never-answered connections).
// Counted, not timed: how many flood answers the server had sent when the newcomers got theirs.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePublicKey } from '../../src/crypto/keys.js';
import { TEST_POW_BITS, editorKeys, tempDir } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server-process.js';
import { clientDir } from '../helpers/client-build.js';

const FLOOD_CONNECTIONS = 100;
const PIPELINED = 120;
const NEWCOMERS = 40;
const REQUEST = 'GET /api/pow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** Counts complete answers on a socket by their status lines (every answer here is small JSON). */
function answers(socket: Socket, onAnswer: (status: string) => void): void {
  let pending = '';
  socket.on('data', (d) => {
    pending += d;
    for (let at = pending.indexOf('HTTP/1.1 '); at !== -1; at = pending.indexOf('HTTP/1.1 ')) {
      if (pending.length < at + 12) break;
      onAnswer(pending.slice(at + 9, at + 12));
      pending = pending.slice(at + 12);
    }
  });
  socket.on('error', () => {});
}

t.test(`${NEWCOMERS} connections opened during a flood of ${FLOOD_CONNECTIONS} keep-alive connections are answered long before the flood ends`, async (t) => {
  await clientDir();
  const dir = tempDir(t);
  const keys = await editorKeys(1);
  const recipientsFile = join(dir, 'recipients.txt');
  writeFileSync(recipientsFile, encodePublicKey(keys[0]!) + '\n');
  const proc = await startServer(t, {
    TIPLINE_DATA_DIR: join(dir, 'data'),
    TIPLINE_RECIPIENTS: recipientsFile,
    TIPLINE_POW_MIN_BITS: String(TEST_POW_BITS),
    TIPLINE_POW_MAX_BITS: String(TEST_POW_BITS),
  });
  const { hostname, port } = new URL(proc.url);

  // The flood: every connection pipelines its requests at once, so the server always has a next
  // request ready on each of them, however slowly this process reads.
  const total = FLOOD_CONNECTIONS * PIPELINED;
  let flooded = 0;
  const floodStatuses = new Set<string>();
  let floodDone!: () => void;
  const floodFinished = new Promise<void>((resolve) => (floodDone = resolve));
  let started!: () => void;
  const floodStarted = new Promise<void>((resolve) => (started = resolve));
  const flood: Socket[] = [];
  for (let i = 0; i < FLOOD_CONNECTIONS; i++) {
    const socket = connect(Number(port), hostname, () => socket.write(REQUEST.repeat(PIPELINED)));
    answers(socket, (status) => {
      floodStatuses.add(status);
      if (++flooded === 200) started();
      if (flooded === total) floodDone();
    });
    flood.push(socket);
  }
  await floodStarted;

  // Newcomers, opened while the flood runs: each records how many flood answers had arrived
  // when its own answer came.
  const floodAnswersBefore: number[] = [];
  const newcomerStatuses: string[] = [];
  await Promise.all(
    Array.from(
      { length: NEWCOMERS },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(Number(port), hostname, () => socket.write(REQUEST));
          answers(socket, (status) => {
            floodAnswersBefore.push(flooded);
            newcomerStatuses.push(status);
            socket.destroy();
            resolve();
          });
        }),
    ),
  );
  await floodFinished;
  for (const socket of flood) socket.destroy();

  t.same([...floodStatuses], ['200'], 'every flood request answered 200');
  t.same(new Set(newcomerStatuses), new Set(['200']), 'every newcomer answered 200');
  const last = Math.max(...floodAnswersBefore);
  t.comment(`flood answers received before the last newcomer's answer: ${last} of ${total}`);
  // Without the per-turn limit the newcomers were answered only after the whole flood (12 000
  // of 12 000); with it after ~900. Half the flood leaves room for this process being paused
  // by a busy machine (the flood answers it then reads first are counted as earlier).
  t.ok(last < total / 2, `the last newcomer answered before half the flood (${last} of ${total})`);
});
