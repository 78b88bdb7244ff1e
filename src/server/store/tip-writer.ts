// The tip store's writer thread (store/tips.ts): its own connection to the database file, opened
// like the server's (WAL, synchronous=FULL), commits each batch the main thread posts in one
// IMMEDIATE transaction and answers with one outcome per tip, or with the error that rolled the
// batch back. Nothing of a tip is logged or kept here.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { tipCommitter, type TipBatch, type WriterAnswer } from './tips.js';

const commit = tipCommitter(openDatabase((workerData as { path: string }).path));

parentPort!.on('message', (batch: TipBatch) => {
  let answer: WriterAnswer;
  try {
    answer = { outcomes: commit(batch) };
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    answer = { error: { ...(typeof code === 'string' ? { code } : {}), message: String(message) } };
  }
  parentPort!.postMessage(answer);
});
