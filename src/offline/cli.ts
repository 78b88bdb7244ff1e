// The offline commands, in one table: `npm run keygen|decrypt` (scripts/*.ts, through tsx) and
// the one-file toolkit `node tipline-offline.mjs <command>` (scripts/build-offline.ts bundles
// this module's toolkit entry, src/offline/toolkit.ts) run the same code. Node built-ins and
// libsodium only: no network, no node_modules at run time.
//
// Adding a command is one entry in COMMANDS (conventions: src/shared/command.ts, which the
// server host's commands share).
import { CommandFailure, commandList, optionTable, runFromTable, type Command, type CommandContext } from '../shared/command.js';
import { BundleError, describeProblem } from '../crypto/bundle.js';
import { countProblems, describeCounts, verifyBundle } from './bundle.js';
import { DecryptError, decryptBundle, formatSummary, readKeyFileText, summaryOk, unlockKey, writeAckFile } from './decrypt.js';
import { ACK_VALID_DAYS, addDays, signAck } from '../crypto/ack.js';
import { KeyFileError } from '../crypto/keyfile.js';
import { KeygenError, checkCanCreate, checkNewPassphrase, createKeyFile, nextSteps, publicKeyOutput, publicLineOfKeyFile } from './keygen.js';
import { PassphraseError, readPassphrase } from './passphrase.js';
import { FetchKeyError } from '../crypto/fetch-key.js';
import { createFetchKeyFile, fetchKeyNextSteps, fetchKeyOutput } from './fetch-key.js';
import { ReplyError, runReply } from './reply.js';
import { ReportError, writeReport } from './report.js';
import { SchemaError, loadForm } from '../forms/schema.js';
import { wipeEditorKeyPair } from '../crypto/keys.js';
import { readFileSync } from 'node:fs';
import { RESULTS_COMMANDS, ResultsError } from '../results/cli.js';
import { deskCommand } from '../desk/command.js';
import { DeskError, openDesk } from '../desk/desk.js';
import { StoreError } from '../desk/store.js';

export { CommandFailure, processContext, type Command, type CommandContext, type Invocation } from '../shared/command.js';

/** The errors of the offline modules that are meant to be shown as they are. */
function asFailure(err: unknown): CommandFailure | undefined {
  if (err instanceof CommandFailure) return err;
  if (
    err instanceof KeygenError ||
    err instanceof PassphraseError ||
    err instanceof KeyFileError ||
    err instanceof DecryptError ||
    err instanceof BundleError ||
    err instanceof FetchKeyError ||
    err instanceof ReplyError ||
    err instanceof ReportError ||
    err instanceof ResultsError ||
    err instanceof DeskError ||
    err instanceof StoreError
  ) {
    return new CommandFailure(err.message);
  }
  if (err instanceof SchemaError) return new CommandFailure(`--form ${err.problems.join('; ')}`);
  return undefined;
}

/** keygen's command line with nothing but the key on standard output (npm prints a banner unless --silent). */
const saveCommand = (ctx: CommandContext) => ctx.invocation('keygen').replace(/^npm run /, 'npm run --silent ');

const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

/** The editor key pair of --key, its passphrase asked on the terminal or taken from --passphrase-file / TIPLINE_PASSPHRASE. */
async function unlockKeyFile(values: Record<string, string | boolean | undefined>, ctx: CommandContext) {
  const keyPath = str(values.key);
  const keyText = readKeyFileText(keyPath);
  const passphrase = await readPassphrase({ prompt: `Passphrase for ${keyPath}: `, file: values['passphrase-file'] as string | undefined, env: ctx.env });
  return unlockKey(keyText, passphrase);
}

export const COMMANDS: Record<string, Command> = {
  keygen: {
    synopsis: '--out <key file> [--name <display name>] [--passphrase-file <file>] [--fetch-key] | --public --key <key file> [--name <display name>]',
    summary: 'make a new editor key (secret key file + public key line for the server)',
    help: (ctx) =>
      'Makes a new editor key. The passphrase (at least 8 characters) is asked twice on the terminal,\n' +
      'or taken from --passphrase-file (its first line) or TIPLINE_PASSPHRASE.\n' +
      'Standard output gets the recipients-file entry (fingerprint comment and public key line), so\n' +
      `\`${saveCommand(ctx)} --out editor.key > editor.pub\` saves it for the server.\n` +
      "With --fetch-key it makes instead the ONLINE workstation's fetch key (Ed25519, no passphrase,\n" +
      "decrypts nothing) and prints the line for the server's TIPLINE_EDITORS file.\n" +
      'With --public --key <key file> it makes nothing: it prints the public key line of an existing key\n' +
      '(asking its passphrase), e.g. the two-key line for a key file made before editor signing keys.\n' +
      '--name puts a display name (shown to editors, not to sources; not in the fingerprint) in the line.\n',
    options: { out: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'fetch-key': { type: 'boolean' }, public: { type: 'boolean' }, key: { type: 'string' }, name: { type: 'string' } },
    required: [],
    async run(values, ctx) {
      const name = typeof values.name === 'string' ? values.name : undefined;
      if (values.public === true) {
        const keyPath = str(values.key);
        if (keyPath === '' || values.out !== undefined || values['fetch-key'] !== undefined) {
          ctx.stderr.write(`tipline keygen: usage: ${ctx.invocation('keygen')} --public --key <key file> [--name <display name>]\n`);
          return 2;
        }
        const keyText = readKeyFileText(keyPath);
        const passphrase = await readPassphrase({ prompt: `Passphrase for ${keyPath}: `, file: values['passphrase-file'] as string | undefined, env: ctx.env });
        ctx.stdout.write(publicKeyOutput(await publicLineOfKeyFile(keyPath, keyText, passphrase, name)));
        return 0;
      }
      const out = str(values.out);
      if (out === '') {
        ctx.stderr.write(`tipline keygen: usage: ${ctx.invocation('keygen')} ${COMMANDS.keygen!.synopsis}\n`);
        return 2;
      }
      checkCanCreate(out);
      if (values['fetch-key'] === true) {
        // --fetch-key: the online workstation's signing key for the editor API (no passphrase; decrypts nothing).
        const key = await createFetchKeyFile(out);
        ctx.stdout.write(fetchKeyOutput(key));
        ctx.stderr.write(fetchKeyNextSteps(out));
        key.secretKey.fill(0);
        return 0;
      }
      const passphrase = await readPassphrase({ prompt: `New passphrase for ${out}: `, confirm: true, file: values['passphrase-file'] as string | undefined, env: ctx.env });
      checkNewPassphrase(passphrase);
      ctx.stderr.write('Making the key (this takes a few seconds)...\n');
      const key = await createKeyFile(out, passphrase, undefined, name);
      ctx.stdout.write(publicKeyOutput(key));
      ctx.stderr.write(nextSteps(key, `${saveCommand(ctx)} --out FILE > editor.pub`));
      return 0;
    },
  },
  decrypt: {
    synopsis: '--key <key file> --in <bundle> --out <folder> [--ack <file>] [--passphrase-file <file>]',
    summary: 'check a bundle, decrypt every tip into its own folder, sign an acknowledgement (exit 1 if any was skipped)',
    help: () =>
      'Checks the bundle against its manifest, then writes each tip to <folder>/<date>_<id>/ and\n' +
      'rebuilds <folder>/index.html. The passphrase is asked on the terminal, or taken from\n' +
      '--passphrase-file (its first line) or TIPLINE_PASSPHRASE. Exit 0 when every tip decrypted\n' +
      '(or already was), 1 when any was skipped.\n' +
      'It then signs, with the editor signing key, an acknowledgement naming every tip and follow-up\n' +
      `now in <folder> from this bundle (valid ${ACK_VALID_DAYS} days after today), written to <bundle>.ack or --ack.\n` +
      'Carry it to the online workstation: `editor ack --in <bundle>.ack` lets the server purge them sooner.\n' +
      'Skipped records are not acknowledged: the next fetch brings them again.\n',
    options: { key: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' }, ack: { type: 'string' }, 'passphrase-file': { type: 'string' } },
    required: ['key', 'in', 'out'],
    async run(values, ctx) {
      const key = await unlockKeyFile(values, ctx);
      try {
        const summary = await decryptBundle({ bundlePath: str(values.in), outDir: str(values.out), key });
        if (summary.imported.length > 0) {
          // The air-gapped machine's UTC date: the server refuses the acknowledgement after `expires`.
          const ackPath = typeof values.ack === 'string' && values.ack !== '' ? values.ack : `${str(values.in)}.ack`;
          try {
            writeAckFile(ackPath, await signAck(summary.imported, addDays(new Date().toISOString().slice(0, 10), ACK_VALID_DAYS), key));
            summary.ackPath = ackPath;
          } catch (err) {
            // The tips are decrypted all the same; say how to get the acknowledgement (exit 1).
            if (!(err instanceof DecryptError)) throw err;
            summary.warnings.push(`${err.message}: no acknowledgement was signed; run decrypt again with --ack <a writable file>`);
          }
        }
        ctx.stdout.write(formatSummary(summary));
        return summaryOk(summary) ? 0 : 1;
      } finally {
        wipeEditorKeyPair(key);
      }
    },
  },
  reply: {
    synopsis: '--key <key file> --mailbox <id> --decrypted <folder> --in <text file> --out <reply bundle> [--recipients <file>] [--passphrase-file <file>]',
    summary: 'sign and encrypt a reply to a source (and to the editors) into a reply bundle for upload',
    help: () =>
      'Signs the text of <text file> with the editor signing key of <key file> (its passphrase is asked\n' +
      'on the terminal, or taken from --passphrase-file or TIPLINE_PASSPHRASE) and seals it (envelope\n' +
      'kind reply) to the source of mailbox <id>, whose reply key is taken from the tips decrypted into\n' +
      '<folder> (the thread in its index.html; records that name the mailbox but did not verify are\n' +
      'skipped and named), and to the editor key plus every key of --recipients, so the desk keeps a\n' +
      'copy it can read (decrypt the reply bundle into <folder>).\n' +
      'Carry the reply bundle to the online workstation and run `npm run editor -- upload`.\n',
    options: optionTable(['key', 'mailbox', 'decrypted', 'in', 'out', 'recipients', 'passphrase-file']),
    required: ['key', 'mailbox', 'decrypted', 'in', 'out'],
    async run(values, ctx) {
      const key = await unlockKeyFile(values, ctx);
      try {
        const { id, editorCopies, skipped } = await runReply({
          key,
          mailbox: str(values.mailbox),
          decrypted: str(values.decrypted),
          inPath: str(values.in),
          outPath: str(values.out),
          ...(typeof values.recipients === 'string' ? { recipientsPath: values.recipients } : {}),
        });
        for (const s of skipped) ctx.stderr.write(`tipline reply: skipped ${s}\n`);
        ctx.stdout.write(`wrote reply ${id} for mailbox ${str(values.mailbox)} to ${str(values.out)} (signed, sealed to the source and ${editorCopies} editor key${editorCopies === 1 ? '' : 's'})\n`);
        return 0;
      } finally {
        wipeEditorKeyPair(key);
      }
    },
  },
  report: {
    synopsis: '--in <decrypted folder> --out <new report folder> [--verified-only] [--lang en|ru|tk|kk] [--form <schema.json>]',
    summary: 'count the structured reports of a decrypted folder: reports.csv and report.html',
    help: () =>
      'Reads every tip of <decrypted folder> (the output of decrypt) and writes into <new report folder>\n' +
      '(which must not exist yet, or be empty): reports.csv (UTF-8 with BOM, one row per report, one\n' +
      'column per field) and report.html (counts by region, category, stage and day, the list of reports\n' +
      'with links to their evidence; opens offline, loads nothing). Statuses come from\n' +
      '<decrypted folder>/verification.tsv: lines `<folder, id or receipt><TAB><verified|unverified|rejected>[<TAB>note]`;\n' +
      'without it, a verification-template.tsv is written to start from. Rejected reports are never\n' +
      "counted; --verified-only keeps only verified ones. --lang picks the labels' language; --form reads\n" +
      "a form schema that is not built in (the server's TIPLINE_FORM file).\n",
    options: { in: { type: 'string' }, out: { type: 'string' }, 'verified-only': { type: 'boolean' }, lang: { type: 'string' }, form: { type: 'string' } },
    required: ['in', 'out'],
    async run(values, ctx) {
      const lang = typeof values.lang === 'string' ? values.lang : undefined;
      if (lang !== undefined && !['en', 'ru', 'tk', 'kk'].includes(lang)) throw new CommandFailure(`--lang must be en, ru, tk or kk, not ${JSON.stringify(lang.slice(0, 10))}`);
      const forms = typeof values.form === 'string' ? [loadForm(values.form.includes('/') || values.form.endsWith('.json') ? values.form : `./${values.form}`, (p) => readFileSync(p, 'utf8'))] : [];
      const summary = writeReport({
        inDir: str(values.in),
        outDir: str(values.out),
        ...(lang ? { lang } : {}),
        ...(values['verified-only'] === true ? { verifiedOnly: true } : {}),
        forms,
      });
      const c = summary.counted;
      ctx.stdout.write(`${summary.reports} report${summary.reports === 1 ? '' : 's'}: ${c.verified} verified, ${c.unverified} unverified, ${c.rejected} rejected\n`);
      for (const w of summary.warnings) ctx.stdout.write(`warning: ${w}\n`);
      for (const f of summary.files) ctx.stdout.write(`wrote ${f}\n`);
      return 0;
    },
  },
  results: {
    synopsis: `<${Object.keys(RESULTS_COMMANDS).join('|')}> [options]`,
    summary: 'election results forensics on official per-station results (results.json, .csv, .html)',
    help: (ctx) =>
      `Subcommands:\n${Object.entries(RESULTS_COMMANDS)
        .map(([n, c]) => `  ${ctx.invocation('results')} ${n} ${c.synopsis}\n      ${c.summary}\n`)
        .join('')}`,
    options: {},
    required: [],
    subcommands: RESULTS_COMMANDS,
    async run() {
      return 2;
    },
  },
  desk: deskCommand({ open: openDesk, unlock: unlockKeyFile }),
  verify: {
    synopsis: '--in <bundle>',
    summary: 'check a bundle against its manifest, without any key (exit 1 if anything is wrong)',
    help: () =>
      'Reads the whole bundle and checks every record line against the manifest hash list.\n' +
      'Names every altered, missing, duplicated or unlisted record. Needs no key: run it on the\n' +
      'server host after an export, and again on the air-gapped machine before decrypting.\n',
    options: { in: { type: 'string' } },
    required: ['in'],
    async run(values, ctx) {
      const v = await verifyBundle(str(values.in));
      const listed = v.manifest ? `${v.manifest.count} listed in the manifest` : 'no manifest';
      const total = countProblems(v.counts);
      ctx.stdout.write(`bundle of ${v.header.created}: ${listed}, ${v.accepted.size} sound, ${total} problem${total === 1 ? '' : 's'}\n`);
      for (const p of v.problems) ctx.stdout.write(`problem: ${describeProblem(p)}\n`);
      if (total > v.problems.length) ctx.stdout.write(`not listed: ${total - v.problems.length} more problems (by kind, in all: ${describeCounts(v.counts)})\n`);
      return v.problems.length === 0 && v.manifest ? 0 : 1;
    },
  },
};

/** The command list printed by `help` and after an unknown command. */
export function usage(ctx: Pick<CommandContext, 'invocation'>): string {
  return commandList(COMMANDS, ctx);
}

/** Runs one command with its arguments; returns the exit code. Never calls process.exit. */
export function runCommand(name: string, args: string[], ctx: CommandContext, table: Record<string, Command> = COMMANDS): Promise<number> {
  return runFromTable({ table, usage, asFailure }, name, args, ctx);
}

/** The toolkit's entry: `<command> [options]`, or `help`. */
export async function main(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    ctx.stderr.write(usage(ctx));
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const which = rest[0];
    if (which !== undefined && Object.hasOwn(COMMANDS, which)) return runCommand(which, ['--help'], ctx);
    ctx.stdout.write(usage(ctx));
    return 0;
  }
  return runCommand(name, rest, ctx);
}
