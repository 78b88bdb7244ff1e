// Field values against the form schemas: the parser of posted inputs (fast-check: it never
// throws, what it accepts always validates, and every valid value survives the round trip
// through form inputs), and the validator of decoded body.fields.
import t from 'tap';
import fc from 'fast-check';
import { BUILT_IN_FORMS, type FieldDef, type FormSchema } from '../../src/forms/schema.js';
import { checkFieldValue, fieldInputs, inputName, isDate, parseFieldInput, parseFormInputs, validateFields, type FieldValue } from '../../src/forms/fields.js';

const tm = BUILT_IN_FORMS['election-tm']!;
const field = (name: string) => tm.fields.find((f) => f.name === name)!;

const TEST_FIELDS: FieldDef[] = [
  ...tm.fields,
  { name: 'note', type: 'text', label: { en: 'Note' }, maxLength: 20 },
  { name: 'story', type: 'long-text', label: { en: 'Story' }, maxLength: 200 },
  { name: 'amount', type: 'number', label: { en: 'Amount' }, min: -5.5, max: 1000 },
];

/** A valid value for a field (file fields: upload ids). */
function validValue(f: FieldDef): fc.Arbitrary<FieldValue> {
  const choices = (f.choices ?? []).map((c) => c.value);
  switch (f.type) {
    case 'text':
    case 'long-text': {
      const chars = f.type === 'text' ? fc.string({ unit: 'grapheme', minLength: 1, maxLength: f.maxLength ?? 1000 }) : fc.string({ unit: 'grapheme', minLength: 1, maxLength: f.maxLength ?? 1000 });
      return chars.map((s) => (f.type === 'text' ? s.replace(/[\r\n]/g, ' ') : s.replace(/\r\n?/g, '\n')).trim()).filter((s) => s !== '' && s.length <= (f.maxLength ?? 1000));
    }
    case 'single-choice':
    case 'region':
      return fc.constantFrom(...choices);
    case 'multiple-choice':
      return fc.subarray(choices, { minLength: 1 });
    case 'date':
      return fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'time':
      return fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    case 'number':
      return f.integer ? fc.integer({ min: f.min ?? -1e9, max: f.max ?? 1e9 }) : fc.integer({ min: Math.ceil((f.min ?? -1e6) * 100), max: Math.floor((f.max ?? 1e6) * 100) }).map((n) => n / 100);
    case 'file':
      return fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), { minLength: 1, maxLength: f.maxFiles ?? 10 });
    case 'protocol':
      throw new Error("a protocol is the body's protocol member, never a value of fields");
  }
}

t.test('every valid value survives the round trip through form inputs', async (t) => {
  for (const f of TEST_FIELDS.filter((x) => x.type !== 'file')) {
    fc.assert(
      fc.property(validValue(f), (value) => {
        if (checkFieldValue(f, value) !== undefined) return false;
        const parsed = parseFieldInput(f, fieldInputs(f, value));
        return parsed.problem === undefined && JSON.stringify(parsed.value) === JSON.stringify(value);
      }),
      { numRuns: 200 },
    );
    t.pass(`${f.name} (${f.type})`);
  }
});

t.test('the parser never throws, and what it accepts always validates', async (t) => {
  const inputs = fc.array(
    fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', '12', '-0', '1e3', '2024-02-29', '2023-02-29', '23:59', '24:00', 'ahal', 'other', ' ahal ', '0x10', 'NaN', 'Infinity'),
    ),
    { maxLength: 4 },
  );
  for (const f of TEST_FIELDS) {
    fc.assert(
      fc.property(inputs, (raw) => {
        const r = parseFieldInput(f, raw);
        if (r.value !== undefined) return r.problem === undefined && checkFieldValue(f, r.value) === undefined;
        return true;
      }),
      { numRuns: 300 },
    );
    t.pass(`${f.name} (${f.type})`);
  }
});

t.test('what the parser accepts and refuses, by example', async (t) => {
  t.same(parseFieldInput(field('region'), ['ashgabat']), { value: 'ashgabat' });
  t.same(parseFieldInput(field('region'), ['']), {}, 'an empty select is absent');
  t.same(parseFieldInput(field('region'), ['astana']), { problem: 'invalid' }, 'a Kazakh city is not in the Turkmen list');
  t.same(parseFieldInput(field('category'), ['vote-buying', 'ballot-stuffing', 'vote-buying']), { value: ['ballot-stuffing', 'vote-buying'] }, 'schema order, no duplicates');
  t.same(parseFieldInput(field('category'), ['bribery']), { problem: 'invalid' });
  t.same(parseFieldInput(field('pollingStation'), [' 1234 ']), { value: 1234 });
  for (const bad of ['0', '100000', '12.5', '1e3', '0x10', 'twelve']) t.same(parseFieldInput(field('pollingStation'), [bad]), { problem: 'invalid' }, bad);
  t.same(parseFieldInput(field('date'), ['2024-02-29']), { value: '2024-02-29' });
  for (const bad of ['2023-02-29', '2024-13-01', '24-02-01', '2024-2-1']) t.same(parseFieldInput(field('date'), [bad]), { problem: 'invalid' }, bad);
  t.same(parseFieldInput(field('time'), ['07:05']), { value: '07:05' });
  for (const bad of ['24:00', '7:05', '07:60', '07:05:00']) t.same(parseFieldInput(field('time'), [bad]), { problem: 'invalid' }, bad);
  const story: FieldDef = { name: 'story', type: 'long-text', label: { en: 'Story' }, maxLength: 5 };
  t.same(parseFieldInput(story, [' a\r\nb ']), { value: 'a\nb' }, 'trimmed, CR LF as LF');
  t.same(parseFieldInput(story, ['abcdef']), { problem: 'invalid' }, 'too long');
  t.same(parseFieldInput(field('evidence'), ['x']), {}, 'file fields come from the uploads, not from inputs');
  t.ok(isDate('2000-02-29') && !isDate('1900-02-29') && !isDate('1899-12-31'));
});

t.test('a whole form: values, required fields, files', async (t) => {
  const posted: Record<string, string[]> = {
    [inputName(field('region'))]: ['lebap'],
    [inputName(field('pollingStation'))]: ['17'],
    [inputName(field('stage'))]: ['counting'],
    [inputName(field('category'))]: ['falsified-protocol', 'observers'],
    [inputName(field('date'))]: [''],
  };
  const { values, problems } = parseFormInputs(tm, (n) => posted[n] ?? [], { evidence: ['u1', 'u2'] });
  t.same(problems, []);
  t.same(values, { region: 'lebap', pollingStation: 17, stage: 'counting', category: ['observers', 'falsified-protocol'], evidence: ['u1', 'u2'] });
  t.same(validateFields(tm, values, ['u1', 'u2']), []);
  t.same(validateFields(tm, values, ['u1']), [{ field: 'evidence', code: 'invalid' }], 'a file field names only the body’s files');

  const empty = parseFormInputs(tm, () => []);
  t.same(empty.problems, [
    { field: 'region', code: 'required' },
    { field: 'stage', code: 'required' },
    { field: 'category', code: 'required' },
  ]);
  t.same(parseFormInputs(tm, () => [], { evidence: Array.from({ length: 11 }, (_, i) => `u${i}`) }).problems.at(-1), { field: 'evidence', code: 'tooMany' });
});

t.test('validateFields reads decoded bodies strictly but never throws', async (t) => {
  t.same(validateFields(tm, { region: 'mary', stage: 'campaign', category: ['other'], colour: 'red' }), [{ field: 'colour', code: 'unknown' }]);
  t.same(validateFields(tm, { region: 'mary', stage: 'campaign', category: ['other', 'other'] }), [{ field: 'category', code: 'invalid' }]);
  t.same(validateFields(tm, { region: 'mary', stage: 'campaign', category: ['other'], pollingStation: '17' }), [{ field: 'pollingStation', code: 'invalid' }], 'a number is a JSON number');
  t.same(validateFields(tm, 'nope'), [{ field: '', code: 'invalid' }]);
  const generic: FormSchema = BUILT_IN_FORMS.generic!;
  t.same(validateFields(generic, undefined), [], 'a tip without fields fits the generic form');
  fc.assert(
    fc.property(fc.jsonValue(), (v) => Array.isArray(validateFields(tm, v))),
    { numRuns: 300 },
  );
});
