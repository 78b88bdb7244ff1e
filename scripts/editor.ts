// npm run editor -- fetch  --server <url> --key <fetch key> --out <bundle>   [--socks host:port]
// npm run editor -- ack    --server <url> --key <fetch key> --in <bundle>.ack [--socks host:port]   (the signed acknowledgement decrypt wrote)
// npm run editor -- upload --server <url> --key <fetch key> --in <reply bundle> [--socks host:port]
// npm run editor -- sync   --server <url> --key <fetch key> --dir <usb folder> [--socks host:port]   (outbox up, inbox down: src/editor/sync.ts)
// On the editor's ONLINE workstation (src/editor/client.ts). Exit 2 for usage, 1 for failures.
import { parseArgs } from 'node:util';
import { EditorClientError, ackFile, fetchRecords, uploadReplies } from '../src/editor/client.js';
import { syncDesk } from '../src/editor/sync.js';
import { FetchKeyError } from '../src/crypto/fetch-key.js';

const USAGE = [
  'usage: npm run editor -- fetch  --server <url> --key <fetch key> --out <bundle> [--socks host:port]',
  '       npm run editor -- ack    --server <url> --key <fetch key> --in <bundle>.ack [--socks host:port]',
  '       npm run editor -- upload --server <url> --key <fetch key> --in <reply bundle> [--socks host:port]',
  '       npm run editor -- sync   --server <url> --key <fetch key> --dir <usb folder> [--socks host:port]',
].join('\n');
const FILE_OPTION: Record<string, 'out' | 'in' | 'dir'> = { fetch: 'out', ack: 'in', upload: 'in', sync: 'dir' };

function fail(message: string, code: number): never {
  process.stderr.write(`tipline editor: ${message}\n`);
  process.exit(code);
}

const [verb, ...rest] = process.argv.slice(2);
const fileOption = verb ? FILE_OPTION[verb] : undefined;
if (!verb || !fileOption) fail(`${verb ? `unknown command ${JSON.stringify(verb.slice(0, 20))}` : 'no command'}\n${USAGE}`, 2);
if (verb === 'ack' && rest.some((a) => a === '--bundle' || a.startsWith('--bundle='))) {
  fail('ack now carries the acknowledgement that decrypt signed on the air-gapped machine: --in <bundle>.ack (not --bundle)', 2);
}
let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    args: rest,
    options: { server: { type: 'string' }, key: { type: 'string' }, socks: { type: 'string' }, [fileOption]: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  }) as { values: Record<string, string | undefined> });
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`, 2);
}
const file = values[fileOption];
if (!values.server || !values.key || !file) fail(USAGE, 2);
const endpoint = { server: values.server, keyPath: values.key, ...(values.socks ? { socks: values.socks } : {}) };

try {
  if (verb === 'fetch') {
    const { count, attachments } = await fetchRecords(endpoint, file, {
      attachment: (n, of, bytes, spooled) =>
        process.stderr.write(
          `fetching attachment ${n} of ${of} (${(bytes / 1048576).toFixed(1)} MiB of ciphertext${spooled ? `, ${(spooled / 1048576).toFixed(1)} MiB already fetched by an earlier run` : ''})\n`,
        ),
    });
    const withFiles = attachments ? ` with ${attachments} attachment${attachments === 1 ? '' : 's'}` : '';
    process.stdout.write(
      `fetched ${count} new record${count === 1 ? '' : 's'}${withFiles} into ${file}\nnext: carry it to the air-gapped machine and decrypt it; decrypt signs ${file}.ack; carry that back and run: npm run editor -- ack --in ${file}.ack …\n`,
    );
  } else if (verb === 'sync') {
    const summary = await syncDesk(endpoint, file, (line) => process.stderr.write(`${line}\n`));
    const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    process.stdout.write(`sent ${plural(summary.uploaded, 'outbox file', 'outbox files')}${summary.refused.length ? `, ${summary.refused.length} refused (left in the outbox)` : ''}\n`);
    for (const r of summary.refused) process.stdout.write(`refused: outbox/${r.file}: ${r.reason}\n`);
    process.stdout.write(
      summary.bundles.length
        ? `fetched ${plural(summary.records, 'new record', 'new records')}${summary.attachments ? ` with ${plural(summary.attachments, 'attachment', 'attachments')}` : ''}, ${plural(summary.replies, 'reply', 'replies')} and ${plural(summary.events, 'desk event record', 'desk event records')} into ${summary.bundles.join(', ')}\n`
        : 'nothing new to fetch\n',
    );
    if (summary.refused.length) process.exit(1);
  } else if (verb === 'ack') {
    const { acknowledged, listed } = await ackFile(endpoint, file);
    process.stdout.write(`acknowledged ${acknowledged} of ${listed} record${listed === 1 ? '' : 's'} (the others were acknowledged before)\n`);
  } else {
    const { stored } = await uploadReplies(endpoint, file);
    process.stdout.write(`uploaded ${stored} repl${stored === 1 ? 'y' : 'ies'}: the source sees ${stored === 1 ? 'it' : 'them'} when logging in with the passphrase\n`);
  }
} catch (err) {
  if (err instanceof EditorClientError || err instanceof FetchKeyError) fail(err.message, 1);
  throw err;
}
