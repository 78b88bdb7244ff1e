// The `desk` command (src/offline/cli.ts lists it; `npm run desk`, `node tipline-offline.mjs
// desk`): unlock the editor key once, import the USB stick's inbox (with progress), serve the
// desk on 127.0.0.1 at a secret URL, print it (and open the browser with --open), and run until
// Ctrl+C. `--host` exists only to be refused for anything but 127.0.0.1 (src/desk/server.ts).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { encodePublicKey, wipeEditorKeyPair, type EditorKeyPair } from '../crypto/keys.js';
import { CommandFailure, optionTable, type Command, type CommandContext } from '../shared/command.js';
import type { Desk, ImportProgress } from './api.js';
import type { OpenDeskOptions } from './desk.js';
import { deskScript } from './script.js';
import { checkHost, DeskServerError, LOOPBACK, startDeskServer } from './server.js';
import { LANGS, type Lang } from './views/words.js';

/** What the model's openDesk takes: defined once, in src/desk/desk.ts. */
export type { OpenDeskOptions };

export type OpenDesk = (options: OpenDeskOptions) => Promise<Desk>;

export interface DeskCommandParts {
  open: OpenDesk;
  unlock: (values: Record<string, string | boolean | undefined>, ctx: CommandContext) => Promise<EditorKeyPair>;
  /** Resolves when the desk should stop; by default SIGINT or SIGTERM. */
  stop?: () => Promise<void>;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function onPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const untilSignal = () =>
  new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });

function describeProgress(p: ImportProgress): string {
  return `imported ${p.imported} new record${p.imported === 1 ? '' : 's'} (${p.already} already here) of ${p.records} in ${p.bundles} bundle${p.bundles === 1 ? '' : 's'}${p.refused.length ? `, ${p.refused.length} refused` : ''}`;
}

export function deskCommand(parts: DeskCommandParts): Command {
  return {
    synopsis: '--key <key file> --usb <folder> [--desk <store folder>] [--recipients <file>] [--lang en|ru|tk|kk] [--passphrase-file <file>] [--open]',
    summary: "the editors' desk: import the USB inbox and serve the desk on 127.0.0.1 at a secret URL",
    help: () =>
      'Unlocks the editor key (the passphrase is asked on the terminal, or taken from --passphrase-file or\n' +
      "TIPLINE_PASSPHRASE), imports every bundle of <usb>/inbox/ into the desk's encrypted store (--desk),\n" +
      'then serves the desk at http://127.0.0.1:<random port>/<secret>/ and prints that address (with --open\n' +
      'it also opens it with xdg-open). Only this machine can reach it, and only with the secret.\n' +
      'Replies, acknowledgements and desk events are queued in <usb>/outbox/ for `editor sync`.\n' +
      "--recipients is the roster (the server's TIPLINE_RECIPIENTS file; without it, this editor alone).\n" +
      '--desk is the store (default: tipline-desk/ beside the key file); exported files go to\n' +
      "tipline-desk-exports/ beside it. --lang picks the desk's language.\n" +
      'Stop it with Ctrl+C.\n',
    options: optionTable(['key', 'usb', 'desk', 'recipients', 'lang', 'passphrase-file', 'host'], ['open']),
    required: ['key', 'usb'],
    async run(values, ctx) {
      // Refused before anything is unlocked or read.
      try {
        checkHost(typeof values.host === 'string' ? values.host : LOOPBACK);
      } catch (err) {
        if (err instanceof DeskServerError) throw new CommandFailure(err.message);
        throw err;
      }
      const lang = (str(values.lang) ?? 'en') as Lang;
      if (!LANGS.includes(lang)) throw new CommandFailure(`--lang must be en, ru, tk or kk, not ${JSON.stringify(String(values.lang).slice(0, 10))}`);
      const script = deskScript();
      if (script === undefined) throw new CommandFailure("the desk's window script is missing: run it as `npm run desk` or from the toolkit built by `npm run build:offline`");
      const recipientsPath = str(values.recipients);
      let recipients: string | undefined;
      if (recipientsPath) {
        try {
          recipients = readFileSync(recipientsPath, 'utf8');
        } catch (err) {
          throw new CommandFailure(`cannot read the recipients file ${recipientsPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      // The desk's store and its exports live beside the key file unless --desk says otherwise.
      const deskDir = resolve(str(values.desk) ?? join(dirname(resolve(str(values.key)!)), 'tipline-desk'));
      const exportDir = join(dirname(deskDir), 'tipline-desk-exports');
      const key = await parts.unlock(values, ctx);
      // Without --recipients the roster is this editor alone.
      recipients ??= `${encodePublicKey(key)}\n`;
      const desk = await parts.open({ key, recipients, usb: str(values.usb)!, deskDir, exportDir, lang });
      let server: Awaited<ReturnType<typeof startDeskServer>> | undefined;
      try {
        let last = '';
        const summary = await desk.importInbox((p) => {
          const line = describeProgress(p);
          if (line !== last) ctx.stderr.write(`${line}\n`);
          last = line;
        });
        ctx.stderr.write(`import done: ${describeProgress(summary)}\n`);
        for (const r of summary.refused.slice(0, 20)) ctx.stderr.write(`refused: ${r.record}: ${r.reason}\n`);
        server = await startDeskServer({ desk, script, lang, exportDir });
        ctx.stdout.write(`desk ready: ${server.url}\nOpen it in a browser on this machine (docs/EDITORS.md, "Which browser"). Stop with Ctrl+C.\n`);
        if (values.open === true) {
          const opener = onPath('xdg-open', ctx.env);
          if (!opener) ctx.stderr.write('--open: xdg-open is not installed here; open the address above yourself\n');
          else
            spawn(opener, [server.url], { detached: true, stdio: 'ignore' })
              .on('error', () => ctx.stderr.write('--open: xdg-open failed; open the address above yourself\n'))
              .unref();
        }
        await (parts.stop ?? untilSignal)();
        ctx.stderr.write('desk stopped\n');
        return 0;
      } finally {
        await server?.close();
        await desk.close();
        wipeEditorKeyPair(key);
      }
    },
  };
}
