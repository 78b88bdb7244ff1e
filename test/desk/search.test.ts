// The desk's search folding (src/desk/search.ts), step by step, and its white space step against
// the plain regular expression it stands for.
import t from 'tap';
import fc from 'fast-check';
import { foldText, matches, queryWords } from '../../src/desk/search.js';

t.test('each folding step', async (t) => {
  const steps: [string, string, string][] = [
    ['NFKC', 'ＡＢＣ ﬁle', 'abc file'],
    ['invisible characters removed', 'бро\u00adс\u200bок', 'бросок'],
    ['Turkic i', 'İzmir IZMIR ızmir', 'izmir izmir izmir'],
    ['lower case, letters kept', 'ҚАРАҒАНДЫ Ýüpek', 'қарағанды ýüpek'],
    ['ё → е', 'Ёлка ёж', 'елка еж'],
    ['every run of white space is one space, at the ends too', ' a\t\tb\n\u00a0\u2028c\u3000 ', ' a b c '],
    ['nothing', '', ''],
  ];
  for (const [what, text, folded] of steps) t.equal(foldText(text), folded, what);
});

t.test('the white space step is .replace(/\\s+/gu, " ") (split and joined only for memory)', async (t) => {
  const reference = (s: string) =>
    s
      .normalize('NFKC')
      .replace(/\p{Cf}/gu, '')
      .replace(/[İIı]/g, 'i')
      .toLowerCase()
      .replace(/ё/g, 'е')
      .replace(/\s+/gu, ' ');
  const spaces = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u3000', '\ufeff', '\u200b');
  const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), spaces), { maxLength: 30 }).map((parts) => parts.join(''));
  t.doesNotThrow(() => fc.assert(fc.property(text, (s) => foldText(s) === reference(s))), 'the same folding as the reference for any text');
});

t.test('a query matches when every folded word is in the folded text', async (t) => {
  const text = foldText('Вброс бюллетеней на участке №117, Ашхабад');
  t.ok(matches(text, queryWords('ашхаб ВБРОС')));
  t.notOk(matches(text, queryWords('ашхабад карусель')));
  t.same(queryWords('  Ёлка\u00a0 '), ['елка']);
});
