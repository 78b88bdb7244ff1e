// The editors' side of the browser tests, as the real commands (scripts/*.ts, child processes):
// export on the server host, `editor fetch` / `editor upload` on the online workstation, and
// `decrypt` / `reply` on the air-gapped machine; and what decrypt wrote, read back.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { runScript, type TiplineServer } from './e2e.js';

type Run = Awaited<ReturnType<typeof runScript>>;

/** tip.json as decrypt writes it (the members the tests read). */
export interface TipJson {
  kind?: string;
  mailbox?: string;
  note?: string;
  receipt?: string;
  files?: { name?: string; saved?: string; complete?: boolean; metadataStripped?: string[] }[];
  body: {
    message?: string;
    sealedByServer?: boolean;
    files?: { name: string; upload: string; metadataStripped?: string[] }[];
    fields?: Record<string, unknown>;
    protocol?: Record<string, unknown>;
    reply?: { kemPublicKey: string };
  };
}

export interface DecryptedRecord {
  /** The record's folder (tip.json, message.txt, files/). */
  dir: string;
  json: TipJson;
  message: string;
}

/** Every record decrypt wrote below `dir`: its folder, tip.json and message.txt. */
export function decryptedRecords(dir: string): DecryptedRecord[] {
  const found: DecryptedRecord[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...decryptedRecords(path));
    else if (entry.name === 'tip.json') found.push({ dir, json: JSON.parse(readFileSync(path, 'utf8')) as TipJson, message: readFileSync(join(dir, 'message.txt'), 'utf8') });
  }
  return found;
}

/**
 * The server host's export of the whole database (scripts/export.ts), then decrypt with the
 * editor's key (the passphrase in TIPLINE_PASSPHRASE) into `dir`/decrypted; both must succeed.
 */
export async function exportAndDecrypt(t: Test, server: TiplineServer): Promise<{ bundle: string; out: string; decrypt: Run; records: DecryptedRecord[] }> {
  const bundle = join(server.dir, 'tips.bundle');
  const out = join(server.dir, 'decrypted');
  const exported = await runScript('export', ['--db', join(server.dataDir, 'tipline.sqlite'), '--out', bundle]);
  t.equal(exported.code, 0, `export: ${exported.stderr}`);
  const decrypt = await runScript('decrypt', ['--key', server.editor.keyFile, '--in', bundle, '--out', out], { TIPLINE_PASSPHRASE: server.editor.passphrase });
  t.equal(decrypt.code, 0, `decrypt: ${decrypt.stderr}`);
  return { bundle, out, decrypt, records: decryptedRecords(out) };
}

/**
 * The desk's round trip with the commands, for a server started with `keygen`: fetch what is
 * new, decrypt it into `dir`/tips, seal a reply, upload it. Each step asserts its exit code.
 */
export class EditorCommands {
  readonly tips: string;

  constructor(
    private readonly t: Test,
    private readonly server: TiplineServer,
  ) {
    this.tips = join(server.dir, 'tips');
  }

  private path(name: string): string {
    return join(this.server.dir, name);
  }

  private async run(script: string, args: string[]): Promise<Run> {
    const result = await runScript(script, args);
    this.t.equal(result.code, 0, result.stderr);
    return result;
  }

  private get online(): string[] {
    if (!this.server.editor.fetchKey) throw new Error('the server was started without keygen: no fetch key');
    return ['--server', this.server.url, '--key', this.server.editor.fetchKey];
  }

  /** `editor fetch` into `dir`/`name`; returns the command's result (its output says how many). */
  fetch(name: string): Promise<Run> {
    return this.run('editor', ['fetch', ...this.online, '--out', this.path(name)]);
  }

  /** `decrypt` of `dir`/`name` into `dir`/tips. */
  decrypt(name: string): Promise<Run> {
    return this.run('decrypt', ['--key', this.server.editor.keyFile, '--passphrase-file', this.server.editor.passphraseFile, '--out', this.tips, '--in', this.path(name)]);
  }

  /** `editor fetch` then `decrypt` of what came. */
  async fetchAndDecrypt(name: string): Promise<{ fetched: Run; decrypted: Run }> {
    const fetched = await this.fetch(name);
    return { fetched, decrypted: await this.decrypt(name) };
  }

  /** Every record decrypted so far. */
  records(): DecryptedRecord[] {
    return decryptedRecords(this.tips);
  }

  /** `reply` with `text` to `mailbox`, then `editor upload` of the reply bundle. */
  async replyAndUpload(mailbox: string, text: string): Promise<void> {
    writeFileSync(this.path('reply.txt'), text);
    const args = ['--key', this.server.editor.keyFile, '--passphrase-file', this.server.editor.passphraseFile, '--decrypted', this.tips];
    await this.run('reply', [...args, '--in', this.path('reply.txt'), '--mailbox', mailbox, '--out', this.path('reply.bundle')]);
    await this.run('editor', ['upload', ...this.online, '--in', this.path('reply.bundle')]);
  }
}
