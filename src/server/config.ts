// Server configuration from the environment, checked at start-up with one clear line per
// mistake. Nothing here listens or opens the database.
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRecipients } from '../crypto/keys.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  clientDir: string;
  production: boolean;
  /** Public keys from TIPLINE_RECIPIENTS, or undefined when none is configured. */
  recipients?: Uint8Array[];
  recipientsFile?: string;
  logLevel: string;
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
  const logLevel = env.TIPLINE_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel)) problems.push(`TIPLINE_LOG_LEVEL: unknown level "${logLevel}"`);
  if (problems.length) throw new ConfigError(problems);
  return { host, port, dataDir, clientDir, production, recipients, recipientsFile, logLevel };
}
