// The command-line machinery of both hosts' tools, in one place: the offline tools
// (src/offline/cli.ts, `npm run keygen|decrypt|…` and the one-file toolkit) and the server
// host's (src/server/commands.ts, `npm run export|backup|purge`). A command is one entry in a
// table. Conventions: options through node:util parseArgs (strict); errors are one line on
// stderr, `tipline <command>: <message>`; exit 2 for usage mistakes, 1 for failures, 0 for
// success.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** How the person typed the command, for usage lines: `npm run keygen --` or `node tipline-offline.mjs keygen`. */
export type Invocation = (command: string) => string;

export interface CommandContext {
  invocation: Invocation;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** The option synopsis after the command, e.g. `--in <bundle>`. */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** More help after the usage line (`--help`). */
  help?: (ctx: CommandContext) => string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names of options without which the command cannot run (usage error, exit 2). */
  required: string[];
  /** Runs the command; returns the exit code. Throws CommandFailure for a one-line failure. */
  run: (values: Record<string, string | boolean | undefined>, ctx: CommandContext) => Promise<number>;
  /** A command with subcommands (`results forensics …`): the first argument picks one. */
  subcommands?: Record<string, Command>;
}

/** An option table for parseArgs: each name a string option, each of `flags` a boolean one. */
export function optionTable(strings: readonly string[], flags: readonly string[] = []): Command['options'] {
  return Object.fromEntries([...strings.map((name) => [name, { type: 'string' as const }]), ...flags.map((name) => [name, { type: 'boolean' as const }])]);
}

/** A failure the person can act on: printed as one line, exit 1. */
export class CommandFailure extends Error {}

/** A command table and what its runner needs: the list to print, and which errors are one-line failures. */
export interface CommandTable {
  table: Record<string, Command>;
  usage: (ctx: Pick<CommandContext, 'invocation'>) => string;
  asFailure: (err: unknown) => CommandFailure | undefined;
}

/** The command list of `table`, printed by `help` and after an unknown command. */
export function commandList(table: Record<string, Command>, ctx: Pick<CommandContext, 'invocation'>): string {
  const width = Math.max(...Object.keys(table).map((n) => n.length));
  const lines = Object.entries(table).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `usage: ${ctx.invocation('<command>')} [options]`,
    '',
    'Commands:',
    ...lines,
    `  ${'help'.padEnd(width)}  this list (\`${ctx.invocation('<command>')} --help\` for one command)`,
    '',
    ...Object.entries(table).map(([name, c]) => `  ${ctx.invocation(name)} ${c.synopsis}`),
    '',
  ].join('\n');
}

/** Runs one command with its arguments; returns the exit code. Never calls process.exit. */
export async function runFromTable(tools: CommandTable, name: string, args: string[], ctx: CommandContext): Promise<number> {
  const { table, usage, asFailure } = tools;
  const command = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!command) {
    ctx.stderr.write(`tipline: unknown command ${JSON.stringify(name.slice(0, 40))}\n${usage(ctx)}`);
    return 2;
  }
  if (command.subcommands) {
    const [sub, ...rest] = args;
    if (sub !== undefined && Object.hasOwn(command.subcommands, sub)) {
      const outer = ctx.invocation;
      return runFromTable({ ...tools, table: command.subcommands }, sub, rest, { ...ctx, invocation: (c) => `${outer(name)} ${c}` });
    }
    const help = sub === '--help' || sub === '-h' || sub === 'help';
    (help ? ctx.stdout : ctx.stderr).write(`usage: ${ctx.invocation(name)} ${command.synopsis}\n${command.help?.(ctx) ?? ''}`);
    return help ? 0 : 2;
  }
  const line = `usage: ${ctx.invocation(name)} ${command.synopsis}`;
  const fail = (message: string, code: number) => {
    ctx.stderr.write(`tipline ${name}: ${message}\n`);
    return code;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    return fail(`${(err as Error).message}; ${line}`, 2);
  }
  if (values.help) {
    ctx.stdout.write(`${line}\n${command.help?.(ctx) ?? ''}`);
    return 0;
  }
  if (command.required.some((option) => typeof values[option] !== 'string' || values[option] === '')) return fail(line, 2);
  try {
    return await command.run(values, ctx);
  } catch (err) {
    const failure = asFailure(err);
    if (failure) return fail(failure.message, 1);
    throw err;
  }
}

/** The context of a real process. */
export function processContext(invocation: Invocation): CommandContext {
  return { invocation, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
