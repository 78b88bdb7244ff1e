// The server host's commands, in one table like the offline tools' (src/offline/cli.ts; the
// runner and its conventions: src/shared/command.ts): `npm run export|backup|purge`.
import { existsSync } from 'node:fs';
import { CommandFailure, commandList, runFromTable, type Command, type CommandContext } from '../shared/command.js';
import { retentionFromEnv } from './config.js';
import { BackupError, backupDatabase } from './store/backup.js';
import { chunksPath, openDatabase } from './store/db.js';
import { ExportError, exportDatabase } from './store/export.js';
import { runMaintenance } from './store/retention.js';

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

/** A command that reads the database at --db into a new file at --out; `copy` returns the line to print. */
function copyCommand(what: string, summary: string, copy: (db: string, out: string) => Promise<string>): Command {
  return {
    synopsis: `--db <tipline.sqlite> --out <${what}>`,
    summary,
    options: { db: { type: 'string' }, out: { type: 'string' } },
    required: ['db', 'out'],
    async run(values, ctx) {
      ctx.stdout.write(`${await copy(str(values.db), str(values.out))}\n`);
      return 0;
    },
  };
}

const plural = (n: number) => `${n} tip${n === 1 ? '' : 's'}`;

export const HOST_COMMANDS: Record<string, Command> = {
  export: copyCommand('bundle file', 'copy every stored tip (ciphertext only) into one bundle file for the air-gapped machine', async (db, out) => {
    const { count } = await exportDatabase(db, out);
    return `exported ${plural(count)} to ${out}`;
  }),
  backup: copyCommand('backup file', 'a consistent copy of the database, taken while the server runs', async (db, out) => {
    const { tips } = await backupDatabase(db, out);
    // The attachments' chunks go to a second file beside it (store/backup.ts), unless the database has none.
    const chunks = existsSync(chunksPath(out)) ? ` and their attachments to ${chunksPath(out)}` : '';
    return `backed up ${plural(tips)} to ${out}${chunks} (integrity check ok)`;
  }),
  purge: {
    synopsis: '--db <tipline.sqlite>',
    summary: 'delete the tips whose retention time is up (the server also does it every hour)',
    options: { db: { type: 'string' } },
    required: ['db'],
    async run(values, ctx) {
      const db = str(values.db);
      const problems: string[] = [];
      const policy = retentionFromEnv(ctx.env, problems);
      if (problems.length) {
        ctx.stderr.write(`tipline purge: ${problems.join('; ')}\n`);
        return 2;
      }
      // openDatabase would create an empty database: a typo in --db must not look like success.
      if (!existsSync(db)) throw new CommandFailure(`no database at ${db}`);
      try {
        const handle = openDatabase(db);
        try {
          const { deleted, walTruncated } = await runMaintenance(handle, policy);
          const summary = Object.entries(deleted)
            .map(([name, n]) => `${n} from ${name}`)
            .join(', ');
          ctx.stdout.write(`purged ${summary} (retention ${policy.days} days, ${policy.ackedDays} after acknowledgement)\n`);
          if (!walTruncated) ctx.stdout.write('the write-ahead log is still in use by a reader; the server truncates it at its next hourly purge\n');
        } finally {
          handle.close();
        }
      } catch (err) {
        throw new CommandFailure(`cannot purge ${db}: ${(err as Error).message}`);
      }
      return 0;
    },
  },
};

/** The errors of the server host's modules that are meant to be shown as they are. */
function asFailure(err: unknown): CommandFailure | undefined {
  if (err instanceof CommandFailure) return err;
  if (err instanceof ExportError || err instanceof BackupError) return new CommandFailure(err.message);
  return undefined;
}

function usage(ctx: Pick<CommandContext, 'invocation'>): string {
  return commandList(HOST_COMMANDS, ctx);
}

/** Runs one server-host command; returns the exit code. Never calls process.exit. */
export function runHostCommand(name: string, args: string[], ctx: CommandContext): Promise<number> {
  return runFromTable({ table: HOST_COMMANDS, usage, asFailure }, name, args, ctx);
}
