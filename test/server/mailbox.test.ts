// Conversations on the server: mailboxes, login by signature, sessions, replies, follow-ups.
// A real app on a real SQLite file; the source's keys derived as the browser derives them.
import t from 'tap';
import { toBase64Url, fromBase64Url } from '../../src/crypto/bytes.js';
import { openEnvelope, parseEnvelope } from '../../src/crypto/envelope.js';
import { decodeBody, encodeBody } from '../../src/crypto/body.js';
import { sealEnvelope } from '../../src/crypto/envelope.js';
import { bundleText } from '../../src/crypto/bundle.js';
import { sealReply } from '../../src/offline/reply.js';
import { CHALLENGE_REFUSED, LOGIN_REFUSED, NOT_LOGGED_IN, SESSION_COOKIE } from '../../src/server/plugins/mailbox.js';
import { challenge, conversationApp, cookieOf, createMailbox, editorRequest, login, newSource } from '../helpers/conversation.js';
import { solvedPow } from '../helpers/fixtures.js';
import { loadSodium } from '../../src/crypto/sodium.js';
import { MailboxLogins } from '../../src/server/mailbox-login.js';

t.test('a mailbox is created with its public keys only, once per id, and only with proof of work', async (t) => {
  const { app, db } = await conversationApp(t);
  const { keys } = await newSource();
  const created = await createMailbox(app, keys);
  t.equal(created.statusCode, 201, created.body);
  t.same(JSON.parse(created.body), { mailbox: keys.mailbox });
  t.equal((await createMailbox(app, keys)).statusCode, 201, 'creating again (a retry) is harmless');
  const rows = db.prepare('SELECT id, sign_public_key, kem_public_key FROM mailboxes').all() as { id: string; sign_public_key: Buffer; kem_public_key: Buffer }[];
  t.equal(rows.length, 1);
  t.same(new Uint8Array(rows[0]!.sign_public_key), keys.signPublicKey);

  const other = await newSource();
  const body = (overrides: Record<string, unknown>) =>
    JSON.stringify({
      mailbox: other.keys.mailbox,
      signPublicKey: toBase64Url(other.keys.signPublicKey),
      kemPublicKey: toBase64Url(other.keys.kemPublicKey),
      signature: toBase64Url(new Uint8Array(64)),
      ...overrides,
    });
  const post = (payload: string) => app.inject({ method: 'POST', url: '/api/mailboxes', headers: { 'content-type': 'application/json' }, payload });
  t.equal((await post(body({}))).statusCode, 403, 'no proof of work');
  const wrongId = await post(body({ mailbox: keys.mailbox, pow: await solvedPow(app, keys.mailbox) }));
  t.equal(wrongId.statusCode, 400);
  t.match(JSON.parse(wrongId.body).error, /does not match its keys/);
  const unsigned = await post(body({ pow: await solvedPow(app, other.keys.mailbox) }));
  t.equal(unsigned.statusCode, 400);
  t.match(JSON.parse(unsigned.body).error, /signature/);
  t.equal((db.prepare('SELECT count(*) AS n FROM mailboxes').get() as { n: number }).n, 1, 'nothing else was stored');
});

t.test('login: a fresh single-use challenge signed by the mailbox key gives a strict session cookie', async (t) => {
  const { app } = await conversationApp(t);
  const { keys } = await newSource();
  await createMailbox(app, keys);
  const ok = await login(app, keys);
  t.equal(ok.statusCode, 204, ok.body);
  const cookie = String(ok.headers['set-cookie']);
  t.match(cookie, new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Max-Age=900; Path=/; HttpOnly; SameSite=Strict$`));
  const replies = await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: cookieOf(ok) } });
  t.equal(replies.statusCode, 200);
  t.same(JSON.parse(replies.body), { mailbox: keys.mailbox, replies: [] });

  const logout = await app.inject({ method: 'POST', url: '/api/mailbox/logout', headers: { cookie: cookieOf(ok) } });
  t.equal(logout.statusCode, 204);
  t.match(String(logout.headers['set-cookie']), /Max-Age=0/);
  const after = await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: cookieOf(ok) } });
  t.equal(after.statusCode, 401, 'the server forgot the session');
  t.equal(JSON.parse(after.body).error, NOT_LOGGED_IN);
});

t.test('refusals: wrong passphrase and unknown mailbox answer the same; expired and reused challenges are refused', async (t) => {
  const { app, advance } = await conversationApp(t);
  const { keys } = await newSource();
  await createMailbox(app, keys);
  const stranger = await newSource();

  const wrong = await login(app, stranger.keys, { mailbox: keys.mailbox });
  const unknown = await login(app, stranger.keys);
  t.equal(wrong.statusCode, 401);
  t.equal(unknown.statusCode, 401);
  t.equal(wrong.body, unknown.body, 'the same answer');
  t.equal(JSON.parse(wrong.body).error, LOGIN_REFUSED);
  t.same(Object.keys(wrong.headers).sort(), Object.keys(unknown.headers).sort(), 'the same headers');
  t.notOk(wrong.headers['set-cookie']);

  const used = await challenge(app);
  t.equal((await login(app, keys, { challenge: used })).statusCode, 204);
  const reused = await login(app, keys, { challenge: used });
  t.equal(reused.statusCode, 401);
  t.equal(JSON.parse(reused.body).error, CHALLENGE_REFUSED);

  const old = await challenge(app);
  advance(61_000);
  const expired = await login(app, keys, { challenge: old });
  t.equal(expired.statusCode, 401);
  t.equal(JSON.parse(expired.body).error, CHALLENGE_REFUSED);

  const made = await challenge(app);
  const invented = toBase64Url(new Uint8Array(32).fill(7));
  t.not(made, invented);
  t.equal(JSON.parse((await login(app, keys, { challenge: invented })).body).error, CHALLENGE_REFUSED, 'a challenge the server never issued');

  const session = await login(app, keys);
  advance(15 * 60_000 + 1000);
  t.equal((await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: cookieOf(session) } })).statusCode, 401, 'sessions expire');
  t.equal((await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` } })).statusCode, 401, 'an invented session');
});

t.test('replies: an uploaded reply reaches its mailbox only, opens with the source key, and can be deleted', async (t) => {
  const { app, db, keys: editors, fetchKey } = await conversationApp(t);
  const source = await newSource();
  const other = await newSource();
  await createMailbox(app, source.keys);
  await createMailbox(app, other.keys);
  const envelope = await sealReply({
    mailbox: source.keys.mailbox,
    message: 'Can you tell us which polling station?',
    sourceKey: source.keys.kemPublicKey,
    editorKeys: editors.map((k) => k.publicKey),
    signer: editors[0]!,
  });
  const bundle = await bundleText([{ id: 'a'.repeat(32), received: '2026-01-02', mailbox: source.keys.mailbox, envelope }]);
  const upload = await (await editorRequest(app, fetchKey.privateKey, 'POST', '/api/editor/replies', bundle, { contentType: 'application/x-ndjson' })).send();
  t.equal(upload.statusCode, 201, upload.body);

  const session = cookieOf(await login(app, source.keys));
  const list = JSON.parse((await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: session } })).body) as { replies: { id: string; envelope: string }[] };
  t.equal(list.replies.length, 1);
  const opened = await openEnvelope(fromBase64Url(list.replies[0]!.envelope)!, source.keys.kemSeed, { kind: 'reply' });
  t.equal(decodeBody(opened.body).message, 'Can you tell us which polling station?');
  const desk = await openEnvelope(fromBase64Url(list.replies[0]!.envelope)!, editors[0]!.seed);
  t.equal(decodeBody(desk.body).message, 'Can you tell us which polling station?', 'the desk can read its copy');
  t.ok((db.prepare('SELECT read_on FROM replies').get() as { read_on: string | null }).read_on, 'listed replies are marked read (for retention)');

  const otherSession = cookieOf(await login(app, other.keys));
  t.same(JSON.parse((await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: otherSession } })).body).replies, [], 'not in another mailbox');
  const id = list.replies[0]!.id;
  t.equal((await app.inject({ method: 'DELETE', url: `/api/mailbox/replies/${id}`, headers: { cookie: otherSession } })).statusCode, 404, 'another mailbox cannot delete it');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/mailbox/replies/${id}` })).statusCode, 401, 'not without a session');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/mailbox/replies/${id}`, headers: { cookie: session } })).statusCode, 204);
  t.equal((await app.inject({ method: 'DELETE', url: `/api/mailbox/replies/${id}`, headers: { cookie: session } })).statusCode, 404);
  t.equal((db.prepare('SELECT count(*) AS n FROM replies').get() as { n: number }).n, 0, 'the row is gone');
});

t.test('follow-ups: only with a session and proof of work, only kind followUp, stored among the tips with no link', async (t) => {
  const { app, db, keys: editors } = await conversationApp(t);
  const source = await newSource();
  await createMailbox(app, source.keys);
  const seal = (kind: 'tip' | 'followUp') =>
    sealEnvelope({
      kind,
      recipients: editors.map((k) => k.publicKey),
      body: encodeBody({ v: 1, message: 'More: it was station 12.', clientTime: 'x', reply: { mailbox: source.keys.mailbox, kemPublicKey: toBase64Url(source.keys.kemPublicKey) } }),
    });
  const post = async (envelope: Uint8Array, cookie?: string) => {
    const text = toBase64Url(envelope);
    return app.inject({
      method: 'POST',
      url: '/api/mailbox/follow-ups',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      payload: JSON.stringify({ envelope: text, pow: await solvedPow(app, text) }),
    });
  };
  const followUp = await seal('followUp');
  t.equal((await post(followUp)).statusCode, 401, 'no session');
  const session = cookieOf(await login(app, source.keys));
  const asTip = await post(await seal('tip'), session);
  t.equal(asTip.statusCode, 400);
  t.match(JSON.parse(asTip.body).error, /expected a followUp/);
  const noPow = await app.inject({
    method: 'POST',
    url: '/api/mailbox/follow-ups',
    headers: { 'content-type': 'application/json', cookie: session },
    payload: JSON.stringify({ envelope: toBase64Url(followUp) }),
  });
  t.equal(noPow.statusCode, 403);
  t.equal((db.prepare('SELECT count(*) AS n FROM tips').get() as { n: number }).n, 0, 'nothing stored so far');
  const ok = await post(followUp, session);
  t.equal(ok.statusCode, 201, ok.body);
  t.match(JSON.parse(ok.body).receipt, /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
  const rows = db.prepare('SELECT * FROM tips').all() as Record<string, unknown>[];
  t.equal(rows.length, 1);
  t.same(Object.keys(rows[0]!).sort(), ['acked_on', 'envelope', 'id', 'received_on'], 'no mailbox column anywhere near the tip');
  t.equal(parseEnvelope(new Uint8Array(rows[0]!.envelope as Buffer)).kind, 'followUp');
});

t.test('retention: replies go like tips (received, or read), mailboxes once unused and empty', async (t) => {
  const { purgeExpired } = await import('../../src/server/store/retention.js');
  const { MailboxStore } = await import('../../src/server/store/mailboxes.js');
  const { db } = await conversationApp(t);
  let clock = '2026-01-01';
  const store = new MailboxStore(db, () => clock);
  const a = await newSource();
  const b = await newSource();
  store.create({ id: a.keys.mailbox, signPublicKey: a.keys.signPublicKey, kemPublicKey: a.keys.kemPublicKey });
  store.create({ id: b.keys.mailbox, signPublicKey: b.keys.signPublicKey, kemPublicKey: b.keys.kemPublicKey });
  const [unread] = store.addReplies([{ mailbox: a.keys.mailbox, envelope: new Uint8Array([1]) }]);
  store.addReplies([{ mailbox: b.keys.mailbox, envelope: new Uint8Array([2]) }]);
  clock = '2026-01-05';
  store.replies(b.keys.mailbox); // b read its reply on 01-05
  store.used(b.keys.mailbox);
  const policy = { days: 30, ackedDays: 7 };
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  purgeExpired(db, policy, '2026-01-11');
  t.equal(count('replies'), 2, 'nothing due yet');
  purgeExpired(db, policy, '2026-01-12');
  t.equal(count('replies'), 1, 'the read reply went 7 days after reading');
  t.same(
    (db.prepare('SELECT id FROM replies').all() as { id: string }[]).map((r) => r.id),
    [unread],
  );
  purgeExpired(db, policy, '2026-01-31');
  t.equal(count('replies'), 0, 'the unread reply went 30 days after upload');
  t.equal(count('mailboxes'), 1, 'a, unused since 01-01 and now empty, went with it; b was used on 01-05');
  purgeExpired(db, policy, '2026-02-04');
  t.equal(count('mailboxes'), 0);
});

t.test('flood: 20 000 free challenges, 4 000 failed logins and a mailbox logging in nonstop lock no one out', async (t) => {
  const { app, advance } = await conversationApp(t);
  const honest = await newSource();
  const attacker = await newSource();
  await createMailbox(app, honest.keys);
  await createMailbox(app, attacker.keys);
  const junk = toBase64Url(new Uint8Array(64).fill(1));
  const post = (mailbox: string, challengeText: string, signature = junk) =>
    app.inject({ method: 'POST', url: '/api/mailbox/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ mailbox, challenge: challengeText, signature }) });
  // 20 000 challenges: the old design kept each in one global table, full at 20 000 (then 503
  // for every source). Then failed logins, each on a fresh challenge, alternately against an
  // unknown mailbox and a real one (the old design kept no less for them).
  let issued = 0;
  for (let i = 0; i < 20_000; i++) if ((await app.inject({ method: 'GET', url: '/api/mailbox/challenge' })).statusCode === 200) issued++;
  t.equal(issued, 20_000, 'every challenge handed out');
  let refused = 0;
  for (let i = 0; i < 4000; i++) {
    const res = await post(i % 2 ? honest.keys.mailbox : attacker.keys.mailbox.replace(/^./, (d) => (d === '0' ? '1' : '0')), await challenge(app));
    if (res.statusCode === 401) refused++;
  }
  t.equal(refused, 4000, 'every failed login refused with 401');
  // The attacker's own mailbox logs in as fast as it can for three minutes of the server's clock:
  // it fills only its own bounded set (sessions: the oldest end; logins: 429 beyond 16 a minute).
  const statuses = new Map<number, number>();
  const sessions: string[] = [];
  for (let minute = 0; minute < 3; minute++) {
    for (let i = 0; i < 40; i++) {
      const res = await login(app, attacker.keys);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 204) sessions.push(cookieOf(res));
    }
    advance(61_000);
  }
  t.same([...statuses.keys()].sort(), [204, 429], 'logins beyond the mailbox limit get 429, nothing else');
  t.equal(statuses.get(204), 48, '16 logins a minute');
  const live = await Promise.all(sessions.map(async (cookie) => (await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie } })).statusCode));
  t.equal(live.filter((s) => s === 200).length, 8, 'a mailbox keeps its 8 newest sessions');
  t.same(live.slice(-8), new Array(8).fill(200), 'the newest ones');

  const ok = await login(app, honest.keys);
  t.equal(ok.statusCode, 204, 'the honest source logs in');
  const replies = await app.inject({ method: 'GET', url: '/api/mailbox/replies', headers: { cookie: cookieOf(ok) } });
  t.equal(replies.statusCode, 200);
  t.same(JSON.parse(replies.body), { mailbox: honest.keys.mailbox, replies: [] });
});

t.test('login state is per mailbox and bounded: nothing for a challenge or a failure, at most 16 spent and 8 sessions a mailbox', async (t) => {
  const sodium = await loadSodium();
  let now = 1_800_000_000_000;
  const logins = new MailboxLogins(sodium, new Uint8Array(32).fill(5), () => now, 60, 900);
  for (let i = 0; i < 1000; i++) logins.issue();
  t.same(logins.size, { mailboxes: 0, sessions: 0, spent: 0 }, 'issuing keeps nothing');
  const forged = logins.issue();
  forged[31]! ^= 1;
  t.notOk(logins.live(forged), 'a changed tag');
  const c = logins.issue();
  t.ok(logins.live(c));
  t.equal(logins.login('a'.repeat(32), c).verdict, 'ok');
  t.equal(logins.login('a'.repeat(32), c).verdict, 'spent', 'single use');
  t.equal(logins.login('b'.repeat(32), c).verdict, 'ok', 'spent per mailbox: another mailbox would need its own signature over it');
  for (let i = 0; i < 100; i++) logins.login('a'.repeat(32), logins.issue());
  t.same(logins.size, { mailboxes: 2, sessions: 9, spent: 17 }, 'mailbox a: 16 spent, 8 sessions; b: 1 and 1');
  now += 61_000;
  t.notOk(logins.live(c), 'expired');
  t.equal(logins.login('a'.repeat(32), logins.issue()).verdict, 'ok', 'room again once the spent ones expired');
  now += 901_000;
  logins.sweep();
  t.same(logins.size, { mailboxes: 0, sessions: 0, spent: 0 }, 'all forgotten after expiry');
});
