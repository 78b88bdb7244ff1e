// Server configuration from the environment, checked at start-up with one clear line per
// mistake. Nothing here listens or opens the database.
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRecipients, type EditorPublicKey } from '../crypto/keys.js';
import { parseFetchKeys } from '../crypto/editor-request.js';
import { powFromEnv, type PowConfig } from './pow/config.js';
import { SchemaError, loadForm, type FormSchema } from '../forms/schema.js';
import { ProtocolError, validateElection, type Election } from '../forms/protocol.js';
import { bindElection } from '../forms/protocol-form.js';
import { nojsFromEnv, type NojsConfig } from './plugins/nojs.js';
import { limitsFromEnv, type Limits } from './limits.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  clientDir: string;
  production: boolean;
  /** Public keys from TIPLINE_RECIPIENTS, or undefined when none is configured. */
  recipients?: EditorPublicKey[];
  recipientsFile?: string;
  /** Editors' fetch public keys from TIPLINE_EDITORS (the editor API); none when unset. */
  fetchKeys: Uint8Array[];
  /** TIPLINE_SERVER_NAMES: the names (onion name, ":port" unless 80) editor requests must be signed for; empty: the Host header. */
  serverNames: string[];
  logLevel: string;
  /** Days after receipt, and after an editor's acknowledgement, after which tips are purged. */
  retentionDays: number;
  retentionAckedDays: number;
  /** Proof-of-work bounds (TIPLINE_POW_MIN_BITS, TIPLINE_POW_MAX_BITS, TIPLINE_POW_THRESHOLD). */
  pow: PowConfig;
  /** The tip form (TIPLINE_FORM: a built-in id or a JSON file; default the generic form), with
   *  a protocol form's election (TIPLINE_ELECTION) bound to it as `form.election`. */
  form: FormSchema;
  /** Attachments: TIPLINE_MAX_FILE_BYTES, TIPLINE_MAX_FILES, TIPLINE_UPLOAD_TTL_HOURS, TIPLINE_MIN_FREE_BYTES. */
  uploads: { maxFileBytes: number; maxFiles: number; ttlHours: number; minFreeBytes: number };
  /** The no-JavaScript fallback (TIPLINE_NOJS, TIPLINE_NOJS_BURST, TIPLINE_NOJS_PER_HOUR, TIPLINE_NOJS_MAX_FILE_BYTES). */
  nojs: NojsConfig;
  /** Timeouts, the cap on request bodies in flight and the shutdown deadline (src/server/limits.ts). */
  limits: Limits & { shutdownSeconds: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const host = env.TIPLINE_HOST ?? '127.0.0.1';
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(host)) problems.push(`TIPLINE_HOST: "${host}" is not an IP address`);
  const portText = env.TIPLINE_PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`TIPLINE_PORT: "${portText}" is not a port number (0-65535)`);
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(cwd, env.TIPLINE_DATA_DIR ?? 'data');
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
    if (!statSync(dataDir).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    problems.push(`TIPLINE_DATA_DIR: ${dataDir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const clientDir = resolve(cwd, env.TIPLINE_CLIENT_DIR ?? 'dist/client');
  let recipients: EditorPublicKey[] | undefined;
  const recipientsFile = env.TIPLINE_RECIPIENTS ? resolve(cwd, env.TIPLINE_RECIPIENTS) : undefined;
  if (recipientsFile) {
    let text: string | undefined;
    try {
      text = readFileSync(recipientsFile, 'utf8');
    } catch (err) {
      problems.push(`TIPLINE_RECIPIENTS: cannot read ${recipientsFile} (${(err as NodeJS.ErrnoException).code})`);
    }
    if (text !== undefined) {
      try {
        recipients = parseRecipients(text);
        if (recipients.length === 0) problems.push(`TIPLINE_RECIPIENTS: ${recipientsFile} lists no editor key`);
      } catch (err) {
        problems.push(`TIPLINE_RECIPIENTS: ${recipientsFile} ${(err as Error).message}`);
      }
    }
  } else if (production) {
    problems.push('TIPLINE_RECIPIENTS: required when NODE_ENV=production (a file with one editor public key per line; see `npm run keygen`)');
  }
  const fetchKeys: Uint8Array[] = [];
  if (env.TIPLINE_EDITORS) {
    const editorsFile = resolve(cwd, env.TIPLINE_EDITORS);
    let text: string | undefined;
    try {
      text = readFileSync(editorsFile, 'utf8');
    } catch (err) {
      problems.push(`TIPLINE_EDITORS: cannot read ${editorsFile} (${(err as NodeJS.ErrnoException).code})`);
    }
    if (text !== undefined) {
      try {
        fetchKeys.push(...parseFetchKeys(text));
        if (fetchKeys.length === 0) problems.push(`TIPLINE_EDITORS: ${editorsFile} lists no fetch key (see \`npm run keygen -- --fetch-key\`)`);
      } catch (err) {
        problems.push(`TIPLINE_EDITORS: ${editorsFile} ${(err as Error).message}`);
      }
    }
  }
  const logLevel = env.TIPLINE_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel)) problems.push(`TIPLINE_LOG_LEVEL: unknown level "${logLevel}"`);
  const { days: retentionDays, ackedDays: retentionAckedDays, uploadTtlHours } = retentionFromEnv(env, problems);
  const pow = powFromEnv(env, problems);
  let form = loadForm(undefined, () => '');
  try {
    form = loadForm(env.TIPLINE_FORM, (path) => readFileSync(resolve(cwd, path), 'utf8'));
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    problems.push(...err.problems.map((p) => `TIPLINE_FORM: ${p}`));
  }
  // A protocol form's election file: the candidates, checked against the form.
  let election: Election | undefined;
  if (env.TIPLINE_ELECTION) {
    const electionFile = resolve(cwd, env.TIPLINE_ELECTION);
    try {
      let text: string;
      try {
        text = readFileSync(electionFile, 'utf8');
      } catch (err) {
        throw new ProtocolError(`cannot read ${electionFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ProtocolError(`${electionFile} is not valid JSON (${(err as Error).message.split('\n')[0]})`);
      }
      election = validateElection(json, electionFile);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      problems.push(...err.message.split('\n').map((p) => `TIPLINE_ELECTION: ${p}`));
    }
  }
  if (!problems.some((p) => p.startsWith('TIPLINE_FORM') || p.startsWith('TIPLINE_ELECTION'))) {
    try {
      form = bindElection(form, election);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      problems.push(err.message);
    }
  }
  const nojs = nojsFromEnv(env, problems);
  const limits = limitsFromEnv(env, problems);
  const uploads = {
    maxFileBytes: wholeNumber(env, 'TIPLINE_MAX_FILE_BYTES', 2 ** 31, 1, 2 ** 40, 'a number of bytes from 1 to 1099511627776 (1 TiB)', problems),
    maxFiles: wholeNumber(env, 'TIPLINE_MAX_FILES', 10, 0, 100, 'a number of files from 0 to 100', problems),
    minFreeBytes: wholeNumber(env, 'TIPLINE_MIN_FREE_BYTES', 2 ** 30, 0, 2 ** 50, 'a number of bytes from 0 (no check) to 1125899906842624', problems),
    ttlHours: uploadTtlHours,
  };
  if (problems.length) throw new ConfigError(problems);
  const serverNames = (env.TIPLINE_SERVER_NAMES ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  for (const name of serverNames) if (!/^[a-z0-9.-]{1,253}(:\d{1,5})?$/.test(name)) problems.push(`TIPLINE_SERVER_NAMES: "${name}" is not a host name (with an optional :port)`);
  return { host, port, dataDir, clientDir, production, recipients, recipientsFile, fetchKeys, serverNames, logLevel, retentionDays, retentionAckedDays, pow, form, uploads, nojs, limits };
}

/** A whole number from `min` to `max`, written in decimal digits only. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, what: string, problems: string[]): number {
  const text = env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d{1,15}$/.test(text) || value < min || value > max) {
    problems.push(`${name}: "${text.slice(0, 20)}" is not ${what}`);
    return fallback;
  }
  return value;
}

/** TIPLINE_RETENTION_DAYS (default 30) and TIPLINE_RETENTION_ACKED_DAYS (default 7); `npm run purge` reads them too. */
export function retentionFromEnv(env: NodeJS.ProcessEnv, problems: string[]): { days: number; ackedDays: number; uploadTtlHours: number } {
  return {
    days: days(env, 'TIPLINE_RETENTION_DAYS', 30, problems),
    ackedDays: days(env, 'TIPLINE_RETENTION_ACKED_DAYS', 7, problems),
    // Attachments no message named (TIPLINE_UPLOAD_TTL_HOURS, default 24; store/retention.ts).
    uploadTtlHours: wholeNumber(env, 'TIPLINE_UPLOAD_TTL_HOURS', 24, 1, 720, 'a number of hours from 1 to 720', problems),
  };
}

/** A whole number of days from 1 to 3650 (ten years). */
function days(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d{1,4}$/.test(text) || value < 1 || value > 3650) {
    problems.push(`${name}: "${text.slice(0, 20)}" is not a number of days from 1 to 3650`);
    return fallback;
  }
  return value;
}
