// A decrypted tips folder made by the real path: bodies sealed with the real envelope, submitted
// to the real app (proof of work and all), exported from the real SQLite file and decrypted by
// the real decrypt. Never a tip.json written by hand.
import type { Test } from 'tap';
import { join } from 'node:path';
import { solvedTipRequest, tempDir, testApp } from '../helpers/fixtures.js';
import { encodeBody, type Body } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { exportDatabase } from '../../src/server/store/export.js';
import { decryptBundle } from '../../src/offline/decrypt.js';

export async function decryptedTips(t: Test, sent: { message: string; protocol?: unknown }[]): Promise<string> {
  const { app, keys, dbPath } = await testApp(t, { editors: 1 });
  const work = tempDir(t, 'tipline-protocols-');
  for (const s of sent) {
    const body: Body = { v: 1, message: s.message, clientTime: '2026-03-15T20:00:00.000Z', lang: 'ru', ...(s.protocol ? { protocol: s.protocol } : {}) };
    const envelope = await sealEnvelope({ kind: 'tip', recipients: [keys[0]!.publicKey], body: encodeBody(body) });
    const res = await app.inject(await solvedTipRequest(app, envelope));
    t.equal(res.statusCode, 201, `submitted: ${res.body}`);
  }
  const bundle = join(work, 'tips.bundle');
  await exportDatabase(dbPath, bundle);
  const dir = join(work, 'decrypted');
  const summary = await decryptBundle({ bundlePath: bundle, outDir: dir, key: keys[0]! });
  t.equal(summary.decrypted.length, sent.length, 'every tip decrypted');
  return dir;
}
