// Form schemas: the built-in forms are valid and complete in every language; a broken schema
// is refused with one clear line per mistake; TIPLINE_FORM picks a built-in id or a file.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers/fixtures.js';
import { BUILT_IN_FORMS, SchemaError, loadForm, schemaKeys, textFor, validateSchema } from '../../src/forms/schema.js';
import { FORM_LANGS, FORM_MESSAGES, FORM_MESSAGES_META } from '../../src/forms/messages.js';
import { loadConfig, ConfigError } from '../../src/server/config.js';

const read = (p: string) => readFileSync(p, 'utf8');

function thrown(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SchemaError) return err.problems;
    throw err;
  }
  return [];
}

function problems(value: unknown): string[] {
  try {
    validateSchema(value, 'test.json');
  } catch (err) {
    if (err instanceof SchemaError) return err.problems;
    throw err;
  }
  return [];
}

t.test('the built-in forms', async (t) => {
  t.same(Object.keys(BUILT_IN_FORMS).sort(), ['election-kz', 'election-tm', 'generic', 'protocol-kz', 'protocol-tm']);
  t.same(BUILT_IN_FORMS.generic!.fields, [], 'the generic form is the plain message box');
  const tm = BUILT_IN_FORMS['election-tm']!;
  const kz = BUILT_IN_FORMS['election-kz']!;
  const values = (form: typeof tm, name: string) => form.fields.find((f) => f.name === name)!.choices!.map((c) => c.value);
  t.same(values(tm, 'region'), ['ahal', 'balkan', 'dashoguz', 'lebap', 'mary', 'ashgabat', 'arkadag'], 'five velayats and two cities');
  const kzRegions = values(kz, 'region');
  t.equal(kzRegions.length, 20, '17 regions and 3 cities of republican significance');
  for (const r of ['abai', 'jetisu', 'ulytau', 'astana', 'almaty', 'shymkent', 'almaty-region']) t.ok(kzRegions.includes(r), r);
  for (const form of [tm, kz]) {
    t.same(
      form.fields.map((f) => `${f.name}:${f.type}`),
      ['region:region', 'pollingStation:number', 'date:date', 'time:time', 'stage:single-choice', 'category:multiple-choice', 'role:single-choice', 'evidence:file'],
    );
    t.same(values(form, 'stage'), ['campaign', 'early-voting', 'election-day', 'counting', 'tabulation']);
    t.equal(values(form, 'category').length, 10);
    t.same(values(form, 'role'), ['voter', 'observer', 'commission-member', 'official', 'other']);
    t.ok(form.message?.label, 'the description is the message box, worded by the form');
  }
});

t.test('every catalog key of the forms exists in every language, and none is unused', async (t) => {
  const used = new Set(Object.values(BUILT_IN_FORMS).flatMap(schemaKeys));
  for (const lang of FORM_LANGS) {
    const keys = Object.keys(FORM_MESSAGES[lang]);
    t.same(keys.sort(), Object.keys(FORM_MESSAGES.en).sort(), `${lang} has exactly the English keys`);
    for (const key of used) t.ok(FORM_MESSAGES[lang][key]?.trim(), `${lang} ${key}`);
    for (const key of keys) if (!key.startsWith('form.ui.')) t.ok(used.has(key), `${key} is used by a schema`);
  }
  for (const lang of ['ru', 'tk', 'kk'] as const) t.same(FORM_MESSAGES_META[lang], { machineTranslated: true, note: 'needs native review' });
  t.equal(textFor('form.election-tm.region.ashgabat', 'ru'), 'город Ашхабад');
  t.equal(textFor('form.election-kz.region.jetisu', 'kk'), 'Жетісу облысы');
  t.equal(textFor('form.election-tm.stage.election-day', 'tk'), 'Saýlaw güni');
  t.equal(textFor('form.election-tm.stage.election-day', 'de'), 'Election day', 'an unknown language falls back to English');
  t.equal(textFor({ en: 'District', ru: 'Район' }, 'ru-RU'), 'Район');
});

t.test('a broken schema is refused with one line per mistake', async (t) => {
  t.same(problems('nope'), ['test.json: must be a JSON object {id, version, fields}']);
  t.same(problems({ id: 'Bad Id', version: 0, fields: {} }), [
    'test.json: id: "Bad Id" must be lower-case letters, digits and dashes (at most 40), e.g. "election-tm"',
    'test.json: version: 0 must be a whole number from 1 up',
    'test.json: fields: must be a list of at most 50 fields',
  ]);
  const p = problems({
    id: 'x',
    version: 1,
    colour: 'red',
    fields: [
      { name: 'region', type: 'dropdown', label: { en: 'Region' } },
      { name: 'stage', type: 'single-choice', label: 'form.nope.label', choices: [] },
      { name: 'stage', type: 'number', label: { ru: 'только русский' }, min: 5, max: 1, maxLength: 3 },
      { name: 'message', type: 'text', label: { en: 'Shadow' } },
      {
        name: 'kind',
        type: 'multiple-choice',
        label: { en: 'Kind' },
        choices: [
          { value: 'A B', label: { en: 'a' } },
          { value: 'b', label: 'plain text' },
          { value: 'b', label: { en: 'b' } },
        ],
      },
    ],
  });
  t.same(p, [
    'test.json: unknown member "colour"',
    'test.json: fields.region.type: "dropdown" is not a field type (one of text, long-text, single-choice, multiple-choice, date, time, number, region, file, protocol)',
    'test.json: fields.stage.label: the catalog key "form.nope.label" does not exist (src/forms/messages.ts); give the translations as an object instead',
    'test.json: fields.stage.choices: a single-choice field needs a list of 1 to 200 choices',
    'test.json: fields[2].name: "stage" is used by more than one field',
    'test.json: fields[2]: "maxLength" does not apply to a number field',
    'test.json: fields[2].label: the translations must include a non-empty "en"',
    'test.json: fields[2]: min is greater than max',
    'test.json: fields[3].name: "message" is reserved',
    'test.json: fields.kind.choices[0].value: "A B" must be lower-case letters, digits and dashes (at most 64), e.g. "vote-buying"',
    'test.json: fields.kind.choices[1].label: "plain text" must be a catalog key starting with "form." or an object of translations',
    'test.json: fields.kind.choices[2].value: "b" appears twice',
  ]);
  for (const line of p) t.notMatch(line, /\n/, 'each problem is one line');
});

t.test('TIPLINE_FORM: a built-in id, a file, or one clear error at start-up', async (t) => {
  const dir = tempDir(t, 'tipline-form-');
  t.equal(loadForm(undefined, read).id, 'generic', 'the default');
  t.equal(loadForm('election-kz', read).id, 'election-kz');
  t.same(
    thrown(() => loadForm('election-uz', read)),
    ['"election-uz" is neither a built-in form (generic, election-tm, election-kz, protocol-tm, protocol-kz) nor a path to a .json file'],
  );
  const custom = join(dir, 'district.json');
  writeFileSync(custom, JSON.stringify({ id: 'district', version: 3, fields: [{ name: 'district', type: 'text', label: { en: 'District', ru: 'Район' }, required: true }] }));
  t.equal(loadForm(custom, read).version, 3);
  writeFileSync(join(dir, 'broken.json'), '{"id": ');
  t.match(
    thrown(() => loadForm(join(dir, 'broken.json'), read)),
    [/broken\.json is not valid JSON \(/],
  );
  t.match(
    thrown(() => loadForm(join(dir, 'missing.json'), read)),
    [/cannot read .*missing\.json \(ENOENT\)/],
  );

  const env = { TIPLINE_DATA_DIR: join(dir, 'data') };
  t.equal(loadConfig(env, dir).form.id, 'generic');
  t.equal(loadConfig({ ...env, TIPLINE_FORM: 'election-tm' }, dir).form.id, 'election-tm');
  t.equal(loadConfig({ ...env, TIPLINE_FORM: 'district.json' }, dir).form.id, 'district', 'a path relative to the working folder');
  let err: unknown;
  try {
    loadConfig({ ...env, TIPLINE_FORM: 'broken.json' }, dir);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ConfigError);
  t.match((err as ConfigError).problems, [/^TIPLINE_FORM: .*broken\.json is not valid JSON/]);
});
