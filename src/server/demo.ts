// Demo mode: with no TIPLINE_RECIPIENTS outside production, the server makes an editor key
// under the data dir so a newcomer has a working tip line with one command. The secret key
// is then on the server — which is exactly what a real deployment must never do — so the
// page and the log say DEMO loudly.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../crypto/bytes.js';
import { OLD_PUBLIC_KEY_PREFIX, encodePublicKey, generateEditorKeyPair, parseRecipients, wipeEditorKeyPair, type EditorPublicKey } from '../crypto/keys.js';
import { loadSodium } from '../crypto/sodium.js';
import { decryptKeyFile, encryptKeyFile } from '../crypto/keyfile.js';

export interface DemoKey {
  recipients: EditorPublicKey[];
  dir: string;
  keyFile: string;
  passphraseFile: string;
  recipientsFile: string;
  passphrase: string;
  created: boolean;
}

export async function ensureDemoKey(dataDir: string): Promise<DemoKey> {
  const dir = join(dataDir, 'demo');
  const keyFile = join(dir, 'editor.key');
  const passphraseFile = join(dir, 'passphrase.txt');
  const recipientsFile = join(dir, 'recipients.txt');
  let created = false;
  if (!existsSync(recipientsFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const sodium = await loadSodium();
    const passphrase = `demo-${toBase64Url(sodium.randombytes_buf(12))}`;
    const pair = await generateEditorKeyPair();
    const file = await encryptKeyFile(pair, passphrase);
    writeFileSync(keyFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    writeFileSync(passphraseFile, passphrase + '\n', { mode: 0o600, flag: 'wx' });
    writeFileSync(recipientsFile, demoRecipients(keyFile, encodePublicKey(pair)), { mode: 0o600, flag: 'wx' });
    wipeEditorKeyPair(pair);
    created = true;
  }
  const passphrase = readFileSync(passphraseFile, 'utf8').trim();
  // A demo made before editor signing keys holds a one-key line: the demo has the key file and
  // its passphrase, so it writes the complete line (production refuses old lines instead).
  if (readFileSync(recipientsFile, 'utf8').includes(OLD_PUBLIC_KEY_PREFIX)) {
    const pair = await decryptKeyFile(readFileSync(keyFile, 'utf8'), passphrase);
    writeFileSync(recipientsFile, demoRecipients(keyFile, encodePublicKey(pair)), { mode: 0o600 });
    wipeEditorKeyPair(pair);
  }
  return { recipients: parseRecipients(readFileSync(recipientsFile, 'utf8')), dir, keyFile, passphraseFile, recipientsFile, passphrase, created };
}

function demoRecipients(keyFile: string, line: string): string {
  return `# DEMO editor key, made by npm start. Its secret key is in ${keyFile} ON THIS MACHINE.\n${line}\n`;
}
