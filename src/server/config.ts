// Server configuration from the environment, checked at start-up with one clear line per
// mistake, returned as one frozen value. Every variable, default and bound is a row of
// src/server/settings.ts. Nothing here listens or opens the database.
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRecipients, type EditorPublicKey } from '../crypto/keys.js';
import { parseFetchKeys } from '../crypto/editor-request.js';
import { SchemaError, loadForm, type FormSchema } from '../forms/schema.js';
import { ProtocolError, validateElection, type Election } from '../forms/protocol.js';
import { bindElection } from '../forms/protocol-form.js';
import type { NojsConfig } from './plugins/nojs.js';
import type { Limits } from './limits.js';
import { SETTINGS, readChoice, readWhole } from './settings.js';

export interface PowConfig {
  minBits: number;
  maxBits: number;
  threshold: number;
  maxSpent: number;
}

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

/** The configuration from `env` (paths relative to `cwd`), frozen; a ConfigError lists every mistake. */
/** The keys in the file `file` named by setting `name`, or undefined when it cannot be read or parsed; every problem a line in `problems`. */
function readKeyFile<K>(name: string, file: string, parse: (text: string) => K[], empty: string, problems: string[]): K[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    return undefined;
  }
  try {
    const keys = parse(text);
    if (keys.length === 0) problems.push(`${name}: ${file} ${empty}`);
    return keys;
  } catch (err) {
    problems.push(`${name}: ${file} ${(err as Error).message}`);
    return undefined;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const problems: string[] = [];
  const host = env.TIPLINE_HOST ?? SETTINGS.TIPLINE_HOST.default;
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(host)) problems.push(`TIPLINE_HOST: "${host}" is not an IP address`);
  const port = readWhole(env, 'TIPLINE_PORT', problems);
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(cwd, env.TIPLINE_DATA_DIR ?? SETTINGS.TIPLINE_DATA_DIR.default);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
    if (!statSync(dataDir).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    problems.push(`TIPLINE_DATA_DIR: ${dataDir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const clientDir = resolve(cwd, env.TIPLINE_CLIENT_DIR ?? SETTINGS.TIPLINE_CLIENT_DIR.default);
  let recipients: EditorPublicKey[] | undefined;
  const recipientsFile = env.TIPLINE_RECIPIENTS ? resolve(cwd, env.TIPLINE_RECIPIENTS) : undefined;
  if (recipientsFile) {
    recipients = readKeyFile('TIPLINE_RECIPIENTS', recipientsFile, parseRecipients, 'lists no editor key', problems);
  } else if (production) {
    problems.push('TIPLINE_RECIPIENTS: required when NODE_ENV=production (a file with one editor public key per line; see `npm run keygen`)');
  }
  const fetchKeys: Uint8Array[] = [];
  if (env.TIPLINE_EDITORS) {
    fetchKeys.push(...(readKeyFile('TIPLINE_EDITORS', resolve(cwd, env.TIPLINE_EDITORS), parseFetchKeys, 'lists no fetch key (see `npm run keygen -- --fetch-key`)', problems) ?? []));
  }
  const logLevel = readChoice(env, 'TIPLINE_LOG_LEVEL', problems);
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
    maxFileBytes: readWhole(env, 'TIPLINE_MAX_FILE_BYTES', problems),
    maxFiles: readWhole(env, 'TIPLINE_MAX_FILES', problems),
    minFreeBytes: readWhole(env, 'TIPLINE_MIN_FREE_BYTES', problems),
    ttlHours: uploadTtlHours,
  };
  const serverNames = (env.TIPLINE_SERVER_NAMES ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  for (const name of serverNames) if (!/^[a-z0-9.-]{1,253}(:\d{1,5})?$/.test(name)) problems.push(`TIPLINE_SERVER_NAMES: "${name}" is not a host name (with an optional :port)`);
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze({ host, port, dataDir, clientDir, production, recipients, recipientsFile, fetchKeys, serverNames, logLevel, retentionDays, retentionAckedDays, pow, form, uploads, nojs, limits });
}

/** Freezes `value` and everything in it but byte arrays (which cannot be frozen). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}

/** TIPLINE_RETENTION_DAYS, TIPLINE_RETENTION_ACKED_DAYS and TIPLINE_UPLOAD_TTL_HOURS; `npm run purge` reads them too. */
export function retentionFromEnv(env: NodeJS.ProcessEnv, problems: string[]): { days: number; ackedDays: number; uploadTtlHours: number } {
  return {
    days: readWhole(env, 'TIPLINE_RETENTION_DAYS', problems),
    ackedDays: readWhole(env, 'TIPLINE_RETENTION_ACKED_DAYS', problems),
    // Attachments no message named (store/retention.ts).
    uploadTtlHours: readWhole(env, 'TIPLINE_UPLOAD_TTL_HOURS', problems),
  };
}

/** Proof-of-work bounds: TIPLINE_POW_MIN_BITS, TIPLINE_POW_MAX_BITS (unset: the default, or the minimum when above it), TIPLINE_POW_THRESHOLD, TIPLINE_POW_MAX_SPENT. */
export function powFromEnv(env: NodeJS.ProcessEnv, problems: string[]): PowConfig {
  const minBits = readWhole(env, 'TIPLINE_POW_MIN_BITS', problems);
  const maxBits = env.TIPLINE_POW_MAX_BITS === undefined ? Math.max(SETTINGS.TIPLINE_POW_MAX_BITS.default, minBits) : readWhole(env, 'TIPLINE_POW_MAX_BITS', problems);
  const threshold = readWhole(env, 'TIPLINE_POW_THRESHOLD', problems);
  if (maxBits < minBits) problems.push(`TIPLINE_POW_MAX_BITS: ${maxBits} is below TIPLINE_POW_MIN_BITS (${minBits})`);
  const maxSpent = readWhole(env, 'TIPLINE_POW_MAX_SPENT', problems);
  return { minBits, maxBits, threshold, maxSpent };
}

/** The no-JavaScript fallback: TIPLINE_NOJS, TIPLINE_NOJS_BURST, TIPLINE_NOJS_PER_HOUR, TIPLINE_NOJS_MAX_FILE_BYTES. */
export function nojsFromEnv(env: NodeJS.ProcessEnv, problems: string[]): NojsConfig {
  return {
    enabled: readChoice(env, 'TIPLINE_NOJS', problems) === 'on',
    burst: readWhole(env, 'TIPLINE_NOJS_BURST', problems),
    perHour: readWhole(env, 'TIPLINE_NOJS_PER_HOUR', problems),
    maxFileBytes: readWhole(env, 'TIPLINE_NOJS_MAX_FILE_BYTES', problems),
  };
}

/** TIPLINE_REQUEST_TIMEOUT_SECONDS, TIPLINE_IDLE_TIMEOUT_SECONDS, TIPLINE_BODY_BYTES_IN_FLIGHT, TIPLINE_SHUTDOWN_SECONDS. */
export function limitsFromEnv(env: NodeJS.ProcessEnv, problems: string[]): Limits & { shutdownSeconds: number } {
  return {
    requestTimeoutSeconds: readWhole(env, 'TIPLINE_REQUEST_TIMEOUT_SECONDS', problems),
    idleTimeoutSeconds: readWhole(env, 'TIPLINE_IDLE_TIMEOUT_SECONDS', problems),
    bodyBytesInFlight: readWhole(env, 'TIPLINE_BODY_BYTES_IN_FLIGHT', problems),
    shutdownSeconds: readWhole(env, 'TIPLINE_SHUTDOWN_SECONDS', problems),
  };
}
