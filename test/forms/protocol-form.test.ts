// The results protocol forms (protocol-tm, protocol-kz): the schema's `protocol` field type, the
// election file bound at start-up (TIPLINE_ELECTION, refused with one clear line), the block
// rendered with the operator's candidate names escaped, the inputs parsed into the body's
// `protocol` member with the failed relations, and the no-JavaScript path through app.inject on
// a real SQLite file: a protocol that does not add up is sealed all the same, the server records
// the failed relations in the body and the receipt page explains them.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInForm, validateSchema, SchemaError, type FormSchema } from '../../src/forms/schema.js';
import { bindElection, parseProtocolInputs, protocolField, PROTOCOL_INPUT_RE } from '../../src/forms/protocol-form.js';
import { ProtocolError, RELATIONS, validateElection, validateProtocol, type Election } from '../../src/forms/protocol.js';
import { pageForm, renderFormFields } from '../../src/forms/render.js';
import { FORM_LANGS, FORM_MESSAGES } from '../../src/forms/messages.js';
import { loadConfig, ConfigError } from '../../src/server/config.js';
import { openEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody } from '../../src/crypto/body.js';
import { NOJS_TIP_PATH } from '../../src/views/contract.js';
import { ROOT } from '../helpers/client-build.js';
import { runStart } from '../helpers/server-process.js';
import { tempDir, testApp } from '../helpers/fixtures.js';

const example = (c: 'kz' | 'tm'): Election => validateElection(JSON.parse(readFileSync(join(ROOT, 'docs', 'examples', `election-${c}-example.json`), 'utf8')));
const kz = () => bindElection(builtInForm('protocol-kz')!, example('kz'));

// A protocol that adds up for the KZ example (3 parties, "against all").
const GOOD: [string, string][] = [
  ['field.protocol.station', '1204'],
  ['field.protocol.item.registered', '1000'],
  ['field.protocol.item.received', '800'],
  ['field.protocol.item.issuedEarly', '50'],
  ['field.protocol.item.issuedStation', '500'],
  ['field.protocol.item.issuedOutside', '50'],
  ['field.protocol.item.cancelled', '200'],
  ['field.protocol.item.foundMobile', '45'],
  ['field.protocol.item.foundStationary', '545'],
  ['field.protocol.item.invalid', '10'],
  ['field.protocol.item.valid', '580'],
  ['field.protocol.item.againstAll', '30'],
  ['field.protocol.vote.example-party-a', '400'],
  ['field.protocol.vote.example-party-b', '100'],
  ['field.protocol.vote.example-party-c', '50'],
];
/** The same with 20 more valid ballots for party A in the stationary box (stuffing): three relations fail. */
const STUFFED = GOOD.map(([n, v]): [string, string] => [n, n.endsWith('foundStationary') ? '565' : n.endsWith('party-a') ? '430' : v]);
const getter = (inputs: [string, string][]) => (name: string) => inputs.filter(([n]) => n === name).map(([, v]) => v);

t.test('the built-in protocol forms: a protocol field citing the law, the region, a photo; the strict validator stays strict', async (t) => {
  for (const id of ['protocol-tm', 'protocol-kz']) {
    const form = builtInForm(id)!;
    t.ok(form, id);
    t.same(
      form.fields.map((f) => f.type),
      ['region', 'protocol', 'file'],
      `${id}: region, protocol, photo`,
    );
    const law = protocolField(form)!.law as Record<string, string>;
    for (const lang of FORM_LANGS) t.ok(law[lang]?.trim(), `${id}: the law cited in ${lang}`);
  }
  t.match((builtInForm('protocol-kz')!.fields[1]!.law as Record<string, string>).en, /Article 43/);
  t.match((builtInForm('protocol-tm')!.fields[1]!.law as Record<string, string>).en, /not confirmed/, 'says plainly what could not be confirmed');
  const base = { id: 'p', version: 1, fields: [{ name: 'protocol', type: 'protocol', label: { en: 'P' }, law: { en: 'Art. 1' } }] };
  t.ok(validateSchema(base));
  t.throws(() => validateSchema({ ...base, fields: [...base.fields, { name: 'other', type: 'protocol', label: { en: 'Q' } }] }), /at most one protocol field/);
  t.throws(() => validateSchema({ ...base, fields: [{ name: 'x', type: 'text', label: { en: 'X' }, law: { en: 'Art. 1' } }] }), /"law" does not apply to a text field/);
  t.throws(() => validateSchema({ ...base, election: example('kz') }), SchemaError, 'an election is never a member of a form file');
  for (const lang of FORM_LANGS) for (const r of RELATIONS) t.ok(FORM_MESSAGES[lang][`form.ui.relation.${r.id}`], `${lang}: ${r.id} explained`);
});

t.test('bindElection: a protocol form needs an election for that form, other forms take none', async (t) => {
  t.equal(kz().election!.id, 'kz-example-2026');
  t.throws(() => bindElection(builtInForm('protocol-kz')!, undefined), /TIPLINE_ELECTION: required by the form "protocol-kz"/);
  t.throws(() => bindElection(builtInForm('protocol-kz')!, example('tm')), /is for the form "protocol-tm", not "protocol-kz"/);
  t.throws(() => bindElection(builtInForm('election-kz')!, example('kz')), ProtocolError);
  t.equal(bindElection(builtInForm('generic')!, undefined), builtInForm('generic'));
});

t.test('the server refuses to start with a clear line when the election file is missing, invalid or for another form', async (t) => {
  const dir = tempDir(t);
  const env = (extra: Record<string, string>) => ({ TIPLINE_DATA_DIR: join(dir, 'data'), TIPLINE_FORM: 'protocol-kz', ...extra });
  const fails = (extra: Record<string, string>, pattern: RegExp) => {
    const err = t.throws(() => loadConfig(env(extra), dir), ConfigError) as ConfigError;
    t.match(err.problems.join('\n'), pattern);
  };
  fails({}, /^TIPLINE_ELECTION: required by the form "protocol-kz"/m);
  fails({ TIPLINE_ELECTION: 'nosuch.json' }, /^TIPLINE_ELECTION: cannot read .*nosuch\.json \(ENOENT\)$/m);
  writeFileSync(join(dir, 'broken.json'), '{"id": ');
  fails({ TIPLINE_ELECTION: 'broken.json' }, /^TIPLINE_ELECTION: .*broken\.json is not valid JSON/m);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...example('kz'), candidates: [{ id: 'A b', name: {} }] }));
  fails({ TIPLINE_ELECTION: 'bad.json' }, /^TIPLINE_ELECTION: .*bad\.json: candidates\[0\]\.id/m);
  fails({ TIPLINE_ELECTION: join(ROOT, 'docs/examples/election-tm-example.json') }, /is for the form "protocol-tm", not "protocol-kz"/);
  fails({ TIPLINE_FORM: 'election-kz', TIPLINE_ELECTION: join(ROOT, 'docs/examples/election-kz-example.json') }, /has no protocol field/);
  const config = loadConfig(env({ TIPLINE_ELECTION: join(ROOT, 'docs/examples/election-kz-example.json') }), dir);
  t.same(config.form.election, example('kz'), 'bound to the form');
});

t.test('the real server (scripts/start.ts) exits 1 with that line', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'election.json'), JSON.stringify({ ...example('kz'), form: 'protocol-tm' }));
  for (const [env, line] of [
    [{ TIPLINE_FORM: 'protocol-kz' }, /^.*TIPLINE_ELECTION: required by the form "protocol-kz".*$/m],
    [{ TIPLINE_FORM: 'protocol-kz', TIPLINE_ELECTION: join(dir, 'election.json') }, /^.*TIPLINE_ELECTION: the election "kz-example-2026" is for the form "protocol-tm", not "protocol-kz".*$/m],
  ] as const) {
    const proc = runStart({ TIPLINE_DATA_DIR: join(dir, 'data'), ...env });
    const { code } = await proc.exited;
    t.equal(code, 1);
    t.match(proc.output(), line);
  }
});

t.test('rendering: the line items, one input per candidate, "against all" only where the ballot has it, operator text escaped', async (t) => {
  const html = renderFormFields(kz(), 'ru');
  for (const name of ['field.protocol.station', 'field.protocol.item.registered', 'field.protocol.item.againstAll', 'field.protocol.vote.example-party-c']) t.match(html, `name="${name}"`);
  t.match(html, /<div id="field-protocol-relations" class="relations" role="status" aria-live="polite"><\/div>/, 'a live region for the relations');
  t.match(html, /Партия-пример А/, 'candidate names in the page language');
  t.match(html, /статья 43/, 'the law cited in the page language');
  const tm = renderFormFields(bindElection(builtInForm('protocol-tm')!, example('tm')), 'tk');
  t.notMatch(tm, /againstAll/, 'no "against all" line on a ballot without it');
  const hostile = bindElection(builtInForm('protocol-kz')!, { ...example('kz'), title: { en: '<script>alert(1)</script>' }, candidates: [{ id: 'x', name: { en: '<img src=x onerror=alert(1)>"' } }] });
  const escaped = renderFormFields(hostile, 'en');
  t.notMatch(escaped, /<script>|<img/, 'the election file is escaped like every text');
  t.match(escaped, /&lt;img src=x onerror=alert\(1\)&gt;&quot;/);
  const words = pageForm(kz(), 'kk').protocol!;
  t.match(words.relations['votes-balance']!, /«бәріне қарсы»/, 'the vote balance words "against all" where the ballot has it');
  for (const id of RELATIONS.map((r) => r.id)) t.match(words.relations[id]!, /\{left\}.*\{right\}/);
});

t.test('parseProtocolInputs: the body member with the failed relations; empty is absent or required; a non-count is a problem', async (t) => {
  const form = kz();
  const good = parseProtocolInputs(form, getter(GOOD), { region: 'almaty' });
  t.same(good.problems, []);
  t.same(good.protocol, validateProtocol(good.protocol), 'a valid protocol member');
  t.same(good.protocol!.failed, []);
  t.equal(good.protocol!.region, 'almaty');
  t.same(good.protocol!.votes, { 'example-party-a': 400, 'example-party-b': 100, 'example-party-c': 50 });
  t.same(parseProtocolInputs(form, getter(STUFFED)).protocol!.failed, ['found-le-issued', 'found-balance', 'votes-balance'], 'stuffing: in the order of RELATIONS');
  t.same(parseProtocolInputs(form, getter([])).problems, [{ field: 'protocol', code: 'required' }]);
  t.same(parseProtocolInputs(form, getter([['field.protocol.item.valid', '5']])).problems, [{ field: 'protocol', code: 'required' }], 'figures without a station number');
  t.same(parseProtocolInputs(form, getter(GOOD.map(([n, v]): [string, string] => [n, n.endsWith('.valid') ? '-1' : v]))).problems, [{ field: 'protocol', code: 'invalid' }]);
  t.same(parseProtocolInputs(form, getter([['field.protocol.station', '../1']])).problems, [{ field: 'protocol', code: 'invalid' }]);
  t.same(
    parseProtocolInputs(
      form,
      getter([
        ['field.protocol.station', '7'],
        ['field.protocol.item.valid', '1 204'],
      ]),
    ).protocol!.items,
    { valid: 1204 },
    'a space between thousands',
  );
  t.ok(PROTOCOL_INPUT_RE.test('field.protocol.vote.example-party-a') && !PROTOCOL_INPUT_RE.test('field.protocol.vote.A'));
});

async function protocolApp(t: Parameters<typeof tempDir>[0], form: FormSchema) {
  const { app, db, keys, logs } = await testApp(t, { env: { TIPLINE_NOJS_BURST: '100', TIPLINE_NOJS_PER_HOUR: '3600' }, form });
  const post = async (fields: [string, string][]) => {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: data });
    return app.inject({ method: 'POST', url: NOJS_TIP_PATH, headers: { 'content-type': request.headers.get('content-type')! }, payload: Buffer.from(await request.arrayBuffer()) });
  };
  const bodies = async () =>
    Promise.all((db.prepare('SELECT envelope FROM tips').all() as { envelope: Buffer }[]).map(async (r) => decodeBody((await openEnvelope(new Uint8Array(r.envelope), keys[0]!.seed)).body)));
  return { app, post, bodies, logs };
}

t.test('without JavaScript: the server computes the failed relations, seals them in the body and the receipt explains them; sending is never blocked', async (t) => {
  const { app, post, bodies, logs } = await protocolApp(t, kz());
  const page = (await app.inject({ method: 'GET', url: '/?lang=ru' })).body;
  t.match(page, /name="field\.protocol\.vote\.example-party-b"/, 'the page has the protocol block');
  const base: [string, string][] = [
    ['lang', 'ru'],
    ['message', 'Протокол на двери участка'],
    ['form.id', 'protocol-kz'],
    ['form.version', '1'],
    ['field.region', 'almaty'],
  ];
  const ok = await post([...base, ...GOOD]);
  t.equal(ok.statusCode, 201);
  t.notMatch(ok.body, /class="relations"/, 'nothing to explain when the figures add up');
  const bad = await post([...base, ...STUFFED]);
  t.equal(bad.statusCode, 201, 'a protocol that does not add up is sent all the same');
  t.match(bad.body, /Отправленные вами цифры протокола не сходятся/);
  t.match(bad.body, /Бюллетеней в ящиках \(610\) не должно быть больше, чем выданных \(600\)\./, 'the relation and its two sums, in the page language');
  t.match(bad.body, /Действительные и недействительные бюллетени \(590\) должны равняться бюллетеням в ящиках \(610\)\./);
  // Tip ids are random: the rows come in no order, so each body is found by its figures.
  const all = await bodies();
  const first = all.find((b) => (b.protocol as { failed: string[] }).failed.length === 0);
  const second = all.find((b) => (b.protocol as { failed: string[] }).failed.length > 0);
  t.same(first!.protocol, {
    v: 1,
    election: 'kz-example-2026',
    station: '1204',
    region: 'almaty',
    items: Object.fromEntries(GOOD.filter(([n]) => n.includes('.item.')).map(([n, v]) => [n.split('.').pop(), Number(v)])),
    votes: { 'example-party-a': 400, 'example-party-b': 100, 'example-party-c': 50 },
    failed: [],
  });
  t.same((second!.protocol as { failed: string[] }).failed, ['found-le-issued', 'found-balance', 'votes-balance']);
  t.same(second!.fields, { region: 'almaty' }, 'the protocol is not a member of fields');
  t.equal(second!.sealedByServer, true);
  // A figure that is not a count, or a protocol without a station number: refused, nothing stored.
  const refused = await post([...base, ...GOOD.filter(([n]) => n !== 'field.protocol.station')]);
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /Цифры из протокола/, 'names the protocol block');
  t.equal((await post([...base, ...GOOD.map(([n, v]): [string, string] => [n, n.endsWith('.valid') ? '5e2' : v])])).statusCode, 400);
  t.equal((await post([...base, ...GOOD, ['field.protocol.vote.Bad', '1']])).statusCode, 400, 'an input name no protocol has');
  t.equal((await bodies()).length, 2, 'refusals store nothing');
  t.notOk(logs.join('').includes('1204'), 'no figure in the logs');
});
