// The form's fields in the server-rendered page: present without JavaScript, in the page's
// language, escaped, and described to the browser bundle in the inert config.
import t from 'tap';
import { renderPage } from '../../src/views/page.js';
import { CONFIG_ELEMENT_ID, type PageConfig } from '../../src/views/contract.js';
import { pageForm, renderFormFields } from '../../src/forms/render.js';
import { BUILT_IN_FORMS, validateSchema } from '../../src/forms/schema.js';

const input = {
  editors: [{ line: 'tipline-editor-1:AAAA', fingerprint: 'AAAA BBBB CCCC DDDD' }],
  demo: false,
  script: { href: '/assets/app.js', integrity: 'sha384-x' },
  style: { href: '/assets/app.css', integrity: 'sha384-y' },
};

const configOf = (html: string): PageConfig => JSON.parse(new RegExp(`<script type="application/json" id="${CONFIG_ELEMENT_ID}">(.*?)</script>`).exec(html)![1]!) as PageConfig;

t.test('the generic form leaves the page as it was', async (t) => {
  t.equal(renderFormFields(BUILT_IN_FORMS.generic!, 'en'), '');
  const plain = renderPage({ ...input, lang: 'en' });
  t.equal(renderPage({ ...input, lang: 'en', form: BUILT_IN_FORMS.generic! }), plain);
  t.notOk(configOf(plain).form);
});

t.test('the Kazakh form in Kazakh: every field, named for a post without JavaScript', async (t) => {
  const html = renderPage({ ...input, lang: 'kk', form: BUILT_IN_FORMS['election-kz']! });
  t.match(html, '<input type="hidden" name="form.id" value="election-kz">');
  t.match(html, '<input type="hidden" name="form.version" value="1">');
  const select = /<select id="field-region" name="field.region" required>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
  t.equal([...select.matchAll(/<option /g)].length, 21, 'a "choose" option and 20 regions and cities');
  t.match(select, '<option value="ulytau">Ұлытау облысы</option>');
  t.match(html, '<input id="field-pollingStation" name="field.pollingStation" type="number" inputmode="numeric" min="1" max="99999" step="1">');
  t.match(html, /<input id="field-date" name="field.date" type="date">/);
  t.match(html, /<input id="field-time" name="field.time" type="time">/);
  t.match(html, /<input type="radio" id="field-stage-counting" name="field.stage" value="counting" required> <label for="field-stage-counting">Дауыстарды санау<\/label>/);
  t.match(html, /<input type="checkbox" id="field-category-vote-buying" name="field.category" value="vote-buying"> <label for="field-category-vote-buying">Дауыс сатып алу<\/label>/);
  t.notMatch(html, /name="field.evidence"/, 'the file field is the page’s attachments section');
  t.match(html, /<label for="message">Сипаттама: не болды/, 'the form words the message box');
  t.match(html, /<span class="optional">\(міндетті емес\)<\/span>/);
  const config = configOf(html);
  t.equal(config.form?.schema.id, 'election-kz');
  t.equal(config.form?.labels.region, 'Облыс немесе қала');
  t.equal(config.form?.errors.required, '«{label}» өрісін толтырыңыз.');
});

t.test('texts from a custom schema are escaped', async (t) => {
  const schema = validateSchema({
    id: 'custom',
    version: 2,
    title: { en: '<b>Title</b>' },
    fields: [
      { name: 'where', type: 'text', label: { en: 'Where "exactly" <i>' }, hint: { en: 'a & b' }, maxLength: 50 },
      { name: 'story', type: 'long-text', label: { en: 'Story' }, required: true },
      { name: 'kind', type: 'single-choice', label: { en: 'Kind' }, choices: [{ value: 'x', label: { en: '</label><script>' } }] },
    ],
  });
  const html = renderFormFields(schema, 'ru');
  t.notMatch(html, /<b>|<i>|<script>/);
  t.match(html, '&lt;b&gt;Title&lt;/b&gt;');
  t.match(html, '<label for="field-where">Where &quot;exactly&quot; &lt;i&gt; <span class="optional">(необязательно)</span></label>');
  t.match(html, '<p id="field-where-hint" class="hint">a &amp; b</p>');
  t.match(html, '<input id="field-where" name="field.where" type="text" maxlength="50" autocomplete="off" aria-describedby="field-where-hint">');
  t.match(html, '<textarea id="field-story" name="field.story" rows="5" maxlength="20000" required autocomplete="off"></textarea>');
  t.same(pageForm(schema, 'ru').labels, { where: 'Where "exactly" <i>', story: 'Story', kind: 'Kind' });
});
