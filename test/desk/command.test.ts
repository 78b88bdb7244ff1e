// The `desk` command's own part (src/desk/command.ts) in this process, with the real model
// (openDesk on the folders the command chose, a real bundle in the USB inbox): --host refused for
// anything but 127.0.0.1 before the key is even unlocked, --lang checked, the inbox imported, the
// URL printed and served until told to stop.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { deskCommand, type OpenDeskOptions } from '../../src/desk/command.js';
import { registerDeskScript } from '../../src/desk/script.js';
import { runCommand } from '../../src/offline/cli.js';
import { openDesk } from '../../src/desk/desk.js';
import { editorKeyPairFromSeed, generateEditorKeyPair, type EditorKeyPair } from '../../src/crypto/keys.js';
import { tempDir } from '../helpers/fixtures.js';
import { tipItems, toInbox } from './desk-fixtures.js';

function harness(stop: Promise<void> = Promise.resolve(), key?: EditorKeyPair) {
  let unlocked = 0;
  const opened: OpenDeskOptions[] = [];
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write: (c, _e, done) => {
        out[k] += String(c);
        done();
      },
    });
  const table = {
    desk: deskCommand({
      unlock: async () => {
        unlocked++;
        return key ?? generateEditorKeyPair();
      },
      open: async (o) => {
        opened.push(o);
        return openDesk(o);
      },
      stop: () => stop,
    }),
  };
  const run = (args: string[]) => runCommand('desk', args, { invocation: (c) => `tool ${c}`, stdout: sink('stdout'), stderr: sink('stderr'), env: {} }, table);
  return { run, out, opened, unlocked: () => unlocked };
}

t.before(() => registerDeskScript('/* desk */'));

t.test('--host: anything but 127.0.0.1 is refused, with a clear line, before the key is unlocked', async (t) => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'localhost']) {
    const h = harness();
    const code = await h.run(['--key', 'editor.key', '--usb', 'usb', '--host', host]);
    t.equal(code, 1, `--host ${host}: exit 1`);
    t.match(h.out.stderr, /^tipline desk: the desk listens on 127\.0\.0\.1 only \(it shows decrypted tips; nothing else may reach it\): --host ".*" refused\n$/);
    t.equal(h.unlocked(), 0, 'no passphrase asked');
  }
  const lang = harness();
  t.equal(await lang.run(['--key', 'k', '--usb', 'u', '--lang', 'de']), 1);
  t.match(lang.out.stderr, /--lang must be en, ru, tk or kk/);
  const usage = harness();
  t.equal(await usage.run(['--key', 'k']), 2, 'no --usb: a usage error');
  t.match(usage.out.stderr, /^tipline desk: usage: tool desk --key <key file> --usb <folder>/);
});

t.test('it imports, prints the secret URL, serves it until stopped, and closes', async (t) => {
  const dir = tempDir(t);
  const key = { ...(await generateEditorKeyPair()), name: 'Aida' };
  const seed = Uint8Array.from(key.seed);
  const tip = await tipItems([key], 'Ашхабад: <b>карусель</b>');
  await toInbox(`${dir}/usb`, '2026-11-30.bundle', tip.items);
  let stop!: () => void;
  const h = harness(new Promise<void>((resolve) => (stop = resolve)), key);
  const running = h.run(['--key', `${dir}/editor.key`, '--usb', `${dir}/usb`, '--host', '127.0.0.1', '--lang', 'kk']);
  while (!h.out.stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const url = /desk ready: (http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/)\n/.exec(h.out.stdout)?.[1];
  t.ok(url, h.out.stdout);
  const page = await fetch(url!);
  t.equal(page.status, 200);
  const html = await page.text();
  t.match(html, /<html lang="kk"/);
  t.match(html, `thread/${tip.id}`, 'the imported tip is in the inbox served');
  t.match(html, 'Ашхабад: &lt;b&gt;карусель&lt;/b&gt;');
  t.match(h.out.stderr, /^imported 1 new record \(0 already here\) of 1 in 1 bundle\nimport done/);
  t.equal(h.opened[0]!.deskDir, `${dir}/tipline-desk`, 'the store beside the key by default');
  t.equal(h.opened[0]!.exportDir, `${dir}/tipline-desk-exports`);
  t.match(h.opened[0]!.recipients, /^tipline-editor-2:/, 'without --recipients the roster is this editor alone');
  stop();
  t.equal(await running, 0);
  await t.rejects(fetch(url!), 'the server is closed');
  t.ok(
    readdirSync(`${dir}/usb/outbox`).some((n) => n.endsWith('.ack')),
    'the import was acknowledged in the outbox',
  );
  t.ok(
    key.seed.every((b) => b === 0),
    'the key is wiped once the desk is closed',
  );
  const again = await openDesk({ ...h.opened[0]!, key: { ...(await editorKeyPairFromSeed(seed)), name: 'Aida' } });
  t.teardown(() => again.close());
  t.equal(again.thread(tip.id)?.items[0]?.message, 'Ашхабад: <b>карусель</b>', 'the desk was closed with the tip in its store');
});
