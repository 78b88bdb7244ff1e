// The message catalogs (src/i18n/): every catalog has exactly the reference (English) keys,
// the same kinds of values and the same {placeholders}; every key is used by the source's
// pages (templates or browser code, as `s.<key>`) or, for `form.` keys, by a form schema in
// src/forms/; the metadata is honest about machine translation.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CATALOGS, DEFAULT_LANGUAGE, LANGUAGES } from '../../src/i18n/index.js';
import { ROOT } from '../helpers/client-build.js';

const reference = CATALOGS.find((c) => c.meta.language === DEFAULT_LANGUAGE)!;
const referenceKeys = Object.keys(reference.messages).sort();

function placeholders(value: unknown): string[] {
  const texts = Array.isArray(value) ? value : [value];
  return [...new Set(texts.flatMap((text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)))].sort();
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) found.push(path);
  }
  return found;
}

t.test('the registry lists each language once, English first', async (t) => {
  t.equal(DEFAULT_LANGUAGE, 'en');
  t.same([...LANGUAGES].sort(), ['en', 'kk', 'ru', 'tk']);
  t.equal(new Set(LANGUAGES).size, LANGUAGES.length, 'no language twice');
});

for (const catalog of CATALOGS) {
  const { meta, messages } = catalog;
  t.test(`catalog ${meta.language}: complete, nothing extra, same placeholders`, async (t) => {
    t.match(meta.language, /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/, 'a BCP 47 tag');
    t.ok(meta.name.trim(), 'a native name');
    t.ok(meta.englishName.trim(), 'an English name');
    t.ok(meta.dir === 'ltr' || meta.dir === 'rtl');
    t.type(meta.machineTranslated, 'boolean');
    if (meta.machineTranslated) t.match(meta.note, /needs native review/, 'machine-made text is marked for native review');
    const keys = Object.keys(messages).sort();
    const missing = referenceKeys.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !referenceKeys.includes(k));
    t.same(missing, [], `${meta.language} misses no key`);
    t.same(extra, [], `${meta.language} has no key the reference lacks`);
    for (const key of referenceKeys) {
      const value = (messages as unknown as Record<string, unknown>)[key];
      const ref = (reference.messages as unknown as Record<string, unknown>)[key];
      if (value === undefined) continue;
      t.equal(Array.isArray(value), Array.isArray(ref), `${key}: the same kind of value`);
      const texts = Array.isArray(value) ? value : [value];
      t.ok(texts.length > 0 && texts.every((text) => typeof text === 'string' && text.trim() !== ''), `${key}: no empty text`);
      t.same(placeholders(value), placeholders(ref), `${key}: the same placeholders`);
    }
  });
}

t.test('every key is used: by the pages as s.<key>, or (form.*) by a form schema', async (t) => {
  const code = sourceFiles(join(ROOT, 'src'))
    .filter((path) => !path.includes(`${join('src', 'i18n')}`))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
  const formsDir = join(ROOT, 'src', 'forms');
  const schemas = existsSync(formsDir)
    ? readdirSync(formsDir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => readFileSync(join(formsDir, name), 'utf8'))
        .join('\n')
    : '';
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const used = (key: string) => (key.startsWith('form.') ? schemas.includes(JSON.stringify(key)) : new RegExp(`\\bs\\.${escapeRegExp(key)}\\b|\\bs\\[['"]${escapeRegExp(key)}['"]\\]`).test(code));
  // The check itself: a made-up key is unused, a known one used.
  t.notOk(used('noSuchKeyAnywhere'), 'the check finds an unused key');
  t.notOk(used('form.noSuchForm.label'), 'the check finds an unused form key');
  t.ok(used('submit'), 'the check finds a used key');
  const unused = referenceKeys.filter((key) => !used(key));
  t.same(unused, [], 'no catalog key is unused (remove it from every catalog, or use it)');
});
