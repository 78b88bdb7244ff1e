// Every setting of the server, in one table: its environment variable, kind, default, bounds
// and the line docs/OPERATIONS.md shows for it (test/server/config.test.ts checks that the
// "Configuration" table there is exactly `settingsTable()`). src/server/config.ts reads the
// environment through `readWhole`/`readChoice` and nothing else; the modules that once kept
// their own defaults take them from here. Pure data and parsing: no I/O.
import { MAX_POW_BITS } from '../crypto/pow.js';

export interface WholeSetting {
  kind: 'whole';
  default: number;
  min: number;
  max: number;
  /** The end of the error line: `NAME: "text" is not <what>`. */
  what: string;
  /** The default as OPERATIONS.md shows it, when not just the number. */
  shown?: string;
  doc: string;
}

export interface ChoiceSetting {
  kind: 'choice';
  default: string;
  choices: readonly string[];
  /** The error line after `NAME: `, with %s for the quoted text. */
  refusal: string;
  doc: string;
}

/** A host, a path, a list or a file name: read and checked by src/server/config.ts itself. */
export interface TextSetting {
  kind: 'text';
  /** Unset when the setting has no default (shown as —). */
  default?: string;
  shown?: string;
  doc: string;
}

export type Setting = WholeSetting | ChoiceSetting | TextSetting;

const seconds = (min: number, max: number) => `a number of seconds from ${min} to ${max}`;
const whole = (min: number, max: number) => `a whole number from ${min} to ${max}`;

export const SETTINGS = {
  TIPLINE_HOST: { kind: 'text', default: '127.0.0.1', doc: 'keep on loopback; Tor connects to it' },
  TIPLINE_PORT: { kind: 'whole', default: 3000, min: 0, max: 65535, what: 'a port number (0-65535)', doc: '' },
  TIPLINE_DATA_DIR: {
    kind: 'text',
    default: 'data',
    shown: '`./data`',
    doc: "created 0700; `tipline.sqlite` and `tipline-chunks.sqlite` (the attachments' chunks, 64 KiB pages) inside are 0600, with their `-wal` and `-shm`",
  },
  TIPLINE_RECIPIENTS: { kind: 'text', doc: 'required in production' },
  TIPLINE_CLIENT_DIR: { kind: 'text', default: 'dist/client', doc: 'the built browser bundle (`npm run build:client`)' },
  TIPLINE_LOG_LEVEL: { kind: 'choice', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], refusal: 'unknown level %s', doc: '' },
  TIPLINE_RETENTION_DAYS: { kind: 'whole', default: 30, min: 1, max: 3650, what: 'a number of days from 1 to 3650', doc: 'tips are deleted this many days after receipt (1–3650)' },
  TIPLINE_RETENTION_ACKED_DAYS: {
    kind: 'whole',
    default: 7,
    min: 1,
    max: 3650,
    what: 'a number of days from 1 to 3650',
    doc: '… or this many days after an editor acknowledged them, whichever comes first',
  },
  TIPLINE_MAX_FILE_BYTES: {
    kind: 'whole',
    default: 2 ** 31,
    min: 1,
    max: 2 ** 40,
    what: 'a number of bytes from 1 to 1099511627776 (1 TiB)',
    doc: 'largest attachment in plaintext bytes (1 … 1 TiB); the server compares its padded ciphertext size and refuses a larger upload (413) before storing anything. Disk: each file costs its padded size plus 16 bytes per MiB, twice while the WAL holds it',
  },
  TIPLINE_MAX_FILES: { kind: 'whole', default: 10, min: 0, max: 100, what: 'a number of files from 0 to 100', doc: 'attachments per tip or follow-up (0–100; 0 turns attachments off for messages)' },
  TIPLINE_UPLOAD_TTL_HOURS: {
    kind: 'whole',
    default: 24,
    min: 1,
    max: 720,
    what: 'a number of hours from 1 to 720',
    doc: 'uploads no message names within this many hours are deleted, complete or not (1–720)',
  },
  TIPLINE_MIN_FREE_BYTES: {
    kind: 'whole',
    default: 2 ** 30,
    min: 0,
    max: 2 ** 50,
    what: 'a number of bytes from 0 (no check) to 1125899906842624',
    doc: "a new upload (and a file sent without JavaScript) is refused with 507 when it could leave less than this free on the data directory's disk, counting every chunk unattached uploads may still send; text tips need little room and go on being accepted (0 … 2⁵⁰; 0 turns the check off)",
  },
  TIPLINE_POW_MIN_BITS: {
    kind: 'whole',
    default: 13,
    min: 1,
    max: MAX_POW_BITS,
    what: whole(1, MAX_POW_BITS),
    doc: "anti-spam proof of work: base difficulty (≈ 2 s in a browser without JIT); `pow.key` in the data directory (0600, made on first start) is its MAC key, the server's only secret",
  },
  // When unset and TIPLINE_POW_MIN_BITS is above it, the ceiling is TIPLINE_POW_MIN_BITS (src/server/config.ts).
  TIPLINE_POW_MAX_BITS: { kind: 'whole', default: 20, min: 1, max: MAX_POW_BITS, what: whole(1, MAX_POW_BITS), doc: 'ceiling of the adaptive difficulty' },
  TIPLINE_POW_THRESHOLD: { kind: 'whole', default: 30, min: 1, max: 1_000_000, what: whole(1, 1_000_000), doc: 'accepted submissions per 10 minutes above which the difficulty rises' },
  TIPLINE_POW_MAX_SPENT: {
    kind: 'whole',
    default: 100_000,
    min: 1000,
    max: 10_000_000,
    what: whole(1000, 10_000_000),
    doc: 'spent proof-of-work challenges remembered until they expire; beyond it new solutions get 503 instead of memory growing',
  },
  TIPLINE_REQUEST_TIMEOUT_SECONDS: {
    kind: 'whole',
    default: 120,
    min: 5,
    max: 3600,
    what: seconds(5, 3600),
    doc: 'a request (headers and body) must arrive whole within this long, else 408 and the connection is closed (5–3600). 120 s lets a 1 MiB upload chunk through at ≈ 9 KiB/s, slower than a poor Tor circuit; headers alone get 20 s (or this, if less)',
  },
  TIPLINE_IDLE_TIMEOUT_SECONDS: {
    kind: 'whole',
    default: 30,
    min: 2,
    max: 600,
    what: seconds(2, 600),
    doc: 'a connection that sends nothing for this long (also between keep-alive requests) is closed (2–600)',
  },
  TIPLINE_BODY_BYTES_IN_FLIGHT: {
    kind: 'whole',
    default: 32 * 1024 * 1024,
    shown: '`33554432` (32 MiB)',
    min: 2 * 1024 * 1024,
    max: 2 ** 34,
    what: 'a number of bytes from 2097152 (2 MiB) to 17179869184 (16 GiB)',
    doc: "request bodies all unanswered requests may hold together; each reserves its declared length, at most its route's limit, before any byte is read, and beyond the cap gets 503 with the connection closed (2 MiB … 16 GiB). Each route's limit is what it needs: a tip or follow-up its largest envelope, an upload chunk 1 MiB + 16, a login 1 KiB, routes without a body 16 KiB",
  },
  TIPLINE_SHUTDOWN_SECONDS: {
    kind: 'whole',
    default: 5,
    min: 1,
    max: 60,
    what: seconds(1, 60),
    doc: 'on SIGTERM/SIGINT the server stops accepting, closes idle connections, answers 503 to new requests on open ones, and after this many seconds closes every connection still open and exits (1–60). Acknowledged tips are already durable; a tip still being sent is refused, never half-stored',
  },
  TIPLINE_NOJS: {
    kind: 'choice',
    default: 'on',
    choices: ['on', 'off'],
    refusal: '%s is neither on nor off',
    doc: 'the no-JavaScript fallback (`on`/`off`): the server seals tips from browsers without JavaScript and so sees their plain text in memory for the request (docs/THREAT-MODEL.md, T27)',
  },
  TIPLINE_NOJS_BURST: { kind: 'whole', default: 30, min: 1, max: 100_000, what: whole(1, 100_000), doc: 'no-JS posts (tips and mailbox visits, all sources together) allowed at once' },
  TIPLINE_NOJS_PER_HOUR: { kind: 'whole', default: 120, min: 1, max: 1_000_000, what: whole(1, 1_000_000), doc: '… and refilled per hour; beyond it 503 "try again in a few minutes"' },
  TIPLINE_NOJS_MAX_FILE_BYTES: {
    kind: 'whole',
    default: 100 * 1024 * 1024,
    shown: '`104857600` (100 MiB)',
    min: 1,
    max: 2 ** 31,
    what: whole(1, 2 ** 31),
    doc: 'bytes of files one no-JS post may carry: each file and all of them together (1–2147483648); the server encrypts them as they stream in, one 1 MiB chunk in memory per file; the file count is `TIPLINE_MAX_FILES`',
  },
  TIPLINE_EDITORS: { kind: 'text', doc: "file with the editors' fetch-key lines (`npm run keygen -- --fetch-key`); without it the editor API answers 401 to everyone" },
  TIPLINE_SERVER_NAMES: {
    kind: 'text',
    doc: 'the name(s) editors address this server by, comma-separated: its onion name (Tor\'s `HiddenServiceDir/hostname`), with `:port` unless 80. Editor requests are signed for the name the `editor` tool dials, and the server accepts only these names, so a request captured or relayed by another server that lists the same fetch key is refused (docs/PROTOCOL.md, "Editor API"). Unset: the request\'s `Host` header counts, which a relaying server can choose — set it when `TIPLINE_EDITORS` is set',
  },
  TIPLINE_FORM: {
    kind: 'text',
    default: 'generic',
    doc: "the tip form: `generic` (the message box only), `election-tm` (Turkmenistan: velayat or city, polling station, date, time, stage, category, reporter's role, evidence files), `election-kz` (Kazakhstan: its 17 regions and 3 cities of republican significance, same fields), `protocol-tm` / `protocol-kz` (a polling station's results protocol: region, station number, the protocol's line items, votes per candidate from `TIPLINE_ELECTION`, photo of the protocol; [below](#results-protocol-forms-and-the-election-file)), or a path to a JSON schema file of your own ([below](#tip-forms))",
  },
  TIPLINE_ELECTION: {
    kind: 'text',
    doc: 'required with a protocol form, refused with any other: a JSON election file naming the election and its candidates or parties ([below](#results-protocol-forms-and-the-election-file))',
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
type WholeName = { [K in SettingName]: (typeof SETTINGS)[K]['kind'] extends 'whole' ? K : never }[SettingName];
type ChoiceName = { [K in SettingName]: (typeof SETTINGS)[K]['kind'] extends 'choice' ? K : never }[SettingName];

/** The default of a whole-number setting (for code that needs it without an environment, e.g. tests). */
export function defaultOf(name: WholeName): number {
  return SETTINGS[name].default;
}

/**
 * A whole-number setting: unset gives its default; otherwise decimal digits only, within its
 * bounds, or one line in `problems` (and the default, so that every mistake is reported at once).
 */
export function readWhole(env: NodeJS.ProcessEnv, name: WholeName, problems: string[]): number {
  const setting: WholeSetting = SETTINGS[name];
  const text = env[name];
  if (text === undefined) return setting.default;
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || value < setting.min || value > setting.max) {
    problems.push(`${name}: "${text.slice(0, 20)}" is not ${setting.what}`);
    return setting.default;
  }
  return value;
}

/** One of a setting's fixed choices. */
export function readChoice(env: NodeJS.ProcessEnv, name: ChoiceName, problems: string[]): string {
  const setting: ChoiceSetting = SETTINGS[name];
  const text = env[name];
  if (text === undefined) return setting.default;
  if (!setting.choices.includes(text)) {
    problems.push(`${name}: ${setting.refusal.replace('%s', `"${text.slice(0, 20)}"`)}`);
    return setting.default;
  }
  return text;
}

/** docs/OPERATIONS.md's "Configuration" table, row for row. */
export function settingsTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]: [string, Setting]) => {
    const shown = 'shown' in s && s.shown !== undefined ? s.shown : s.default === undefined ? '—' : `\`${s.default}\``;
    return `| \`${name}\` | ${shown} |${s.doc ? ` ${s.doc} ` : ' '}|`;
  });
  return ['| variable | default | |', '| --- | --- | --- |', ...rows].join('\n');
}
