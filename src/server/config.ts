// Server configuration from the environment, checked at start-up with one clear line per
// mistake. Nothing here listens or opens the database.
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRecipients } from '../crypto/keys.js';
import { parseFetchKeys } from '../crypto/editor-request.js';
import { powFromEnv, type PowConfig } from './pow/config.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  clientDir: string;
  production: boolean;
  /** Public keys from TIPLINE_RECIPIENTS, or undefined when none is configured. */
  recipients?: Uint8Array[];
  recipientsFile?: string;
  /** Editors' fetch public keys from TIPLINE_EDITORS (the editor API); none when unset. */
  fetchKeys: Uint8Array[];
  logLevel: string;
  /** Days after receipt, and after an editor's acknowledgement, after which tips are purged. */
  retentionDays: number;
  retentionAckedDays: number;
  /** Proof-of-work bounds (TIPLINE_POW_MIN_BITS, TIPLINE_POW_MAX_BITS, TIPLINE_POW_THRESHOLD). */
  pow: PowConfig;
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
  let recipients: Uint8Array[] | undefined;
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
  const { days: retentionDays, ackedDays: retentionAckedDays } = retentionFromEnv(env, problems);
  const pow = powFromEnv(env, problems);
  if (problems.length) throw new ConfigError(problems);
  return { host, port, dataDir, clientDir, production, recipients, recipientsFile, fetchKeys, logLevel, retentionDays, retentionAckedDays, pow };
}

/** TIPLINE_RETENTION_DAYS (default 30) and TIPLINE_RETENTION_ACKED_DAYS (default 7); `npm run purge` reads them too. */
export function retentionFromEnv(env: NodeJS.ProcessEnv, problems: string[]): { days: number; ackedDays: number } {
  return { days: days(env, 'TIPLINE_RETENTION_DAYS', 30, problems), ackedDays: days(env, 'TIPLINE_RETENTION_ACKED_DAYS', 7, problems) };
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
