// The tip store's writer thread (store/tips.ts starts it). Plain JavaScript, so Node runs it
// as it is from the sources and from the bundle (`npm run build:server` puts it beside
// start.mjs); the settings and statements come from tips.ts and db.ts in workerData.
//
// Its own connection to the database file, with the server's settings (WAL, synchronous=FULL).
// It says { ready: true } once its connection is open. Each message then is one batch (the
// envelopes in one buffer, each tip's `end` in it): one IMMEDIATE transaction, one outcome per tip ('stored', or
// 'unlinked': that tip's savepoint rolled back because an upload could not be linked, the rest
// of the batch commits), or the error that rolled the whole batch back. Nothing of a tip is
// logged or kept here.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, pragmas: string[], chunks: { path: string, attachSql: string, pragmas: string[] }, insertSql: string, linkSql: string }} */
const { path, pragmas, chunks, insertSql, linkSql } = workerData;
const db = new Database(path, { fileMustExist: true });
for (const pragma of pragmas) db.pragma(pragma);
// The chunks file, read only here: linking checks that it holds all of an upload's chunks.
db.prepare(chunks.attachSql).run(chunks.path);
for (const pragma of chunks.pragmas) db.pragma(pragma);
const insert = db.prepare(insertSql);
const link = db.prepare(linkSql);

class Unlinked extends Error {}

const withUploads = db.transaction((tip, date, envelope) => {
  insert.run(tip.id, date, envelope);
  for (const upload of tip.uploads) if (link.run(tip.id, upload).changes !== 1) throw new Unlinked();
});

const commit = db.transaction((batch) =>
  batch.tips.map((tip, i) => {
    const envelope = batch.envelopes.subarray(i === 0 ? 0 : batch.tips[i - 1].end, tip.end);
    if (!tip.uploads?.length) {
      insert.run(tip.id, batch.date, envelope);
      return 'stored';
    }
    try {
      withUploads(tip, batch.date, envelope);
      return 'stored';
    } catch (err) {
      if (!(err instanceof Unlinked)) throw err;
      return 'unlinked';
    }
  }),
);

parentPort.postMessage({ ready: true });
parentPort.on('message', (batch) => {
  let answer;
  try {
    answer = { outcomes: commit.immediate(batch) };
  } catch (err) {
    answer = { error: { ...(typeof err?.code === 'string' ? { code: err.code } : {}), message: String(err?.message) } };
  }
  parentPort.postMessage(answer);
});
