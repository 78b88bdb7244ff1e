import t from 'tap';
import fc from 'fast-check';
import { evaluateRelations, failedRelations, PROTOCOL_ITEMS, ProtocolError, RELATIONS, validateElection, validateProtocol, ballotsIssued, type Election } from '../../src/forms/protocol.js';

const election: Election = {
  id: 'kz-2026-test',
  form: 'protocol-kz',
  title: { en: 'Test election' },
  date: '2026-03-15',
  againstAll: true,
  candidates: [
    { id: 'a', name: { en: 'A' } },
    { id: 'b', name: { en: 'B' } },
  ],
};
// A protocol that adds up: 1000 registered, 800 received, 600 issued (50 early, 500 in the station, 50 outside),
// 200 cancelled, 590 found (45 mobile), 10 invalid, 580 valid = 400 + 150 + 30 against all.
const good = {
  registered: 1000,
  received: 800,
  issuedEarly: 50,
  issuedStation: 500,
  issuedOutside: 50,
  cancelled: 200,
  foundMobile: 45,
  foundStationary: 545,
  invalid: 10,
  valid: 580,
  againstAll: 30,
};
const goodVotes = { a: 400, b: 150 };

t.test('a protocol that adds up fails no relation', async (t) => {
  const results = evaluateRelations(good, goodVotes, ['a', 'b'], true);
  t.same(
    results.map((r) => r.state),
    RELATIONS.map(() => 'ok'),
  );
  t.same(failedRelations({ items: good, votes: goodVotes }, election), []);
  t.equal(ballotsIssued(good), 600);
  t.equal(ballotsIssued({ issuedEarly: 1 }), undefined);
});

t.test('each relation fails on its own mismatch, and names itself', async (t) => {
  t.same(failedRelations({ items: { ...good, received: 801 }, votes: goodVotes }, election), ['received-balance']);
  t.same(failedRelations({ items: { ...good, registered: 599 }, votes: goodVotes }, election), ['issued-le-registered']);
  // Stuffing: 20 more ballots in the stationary box than issued, counted as valid for A.
  t.same(failedRelations({ items: { ...good, foundStationary: 565, valid: 600 }, votes: { a: 420, b: 150 } }, election), ['found-le-issued']);
  t.same(failedRelations({ items: { ...good, foundMobile: 51, foundStationary: 539 }, votes: goodVotes }, election), ['mobile-le-outside']);
  t.same(failedRelations({ items: { ...good, invalid: 11 }, votes: goodVotes }, election), ['found-balance']);
  t.same(failedRelations({ items: good, votes: { a: 401, b: 150 } }, election), ['votes-balance']);
});

t.test('missing figures make a relation incomplete, never failed; againstAll counts only where the ballot has it', async (t) => {
  const partial = evaluateRelations({ valid: 5 }, { a: 5 }, ['a', 'b'], false);
  t.ok(partial.every((r) => r.state === 'incomplete'));
  t.same(failedRelations({ items: { valid: 550 }, votes: goodVotes }, { ...election, againstAll: false }), []);
  t.same(failedRelations({ items: { valid: 580 }, votes: goodVotes }, { ...election, againstAll: false }), ['votes-balance']);
  t.same(evaluateRelations({ valid: 0 }, {}, [], false).find((r) => r.id === 'votes-balance')!.state, 'incomplete');
});

t.test('validateProtocol accepts what a sender writes and refuses anything else', async (t) => {
  const p = { v: 1, election: election.id, station: '1234', region: 'almaty', items: good, votes: goodVotes, failed: [] };
  t.same(validateProtocol(p), p);
  const bad: unknown[] = [
    null,
    [],
    { ...p, v: 2 },
    { ...p, extra: 1 },
    { ...p, election: 'Bad Id' },
    { ...p, station: '' },
    { ...p, station: '../1' },
    { ...p, region: 'X' },
    { ...p, items: { ...good, turnout: 5 } },
    { ...p, items: { valid: -1 } },
    { ...p, items: { valid: 1.5 } },
    { ...p, items: { valid: 1e12 } },
    { ...p, votes: { A: 1 } },
    { ...p, votes: { a: '1' } },
    { ...p, failed: ['nonsense'] },
    { ...p, failed: 'x' },
  ];
  for (const value of bad) t.throws(() => validateProtocol(value), ProtocolError);
});

t.test('validateElection names every problem', async (t) => {
  t.same(validateElection(election), election);
  const err = t.throws(() =>
    validateElection(
      {
        id: 'X',
        form: 'protocol-kz',
        title: {},
        date: '15.03.2026',
        againstAll: 'no',
        candidates: [
          { id: 'a', name: { en: 'A' } },
          { id: 'a', name: {} },
        ],
        extra: 1,
      },
      'e.json',
    ),
  ) as Error;
  for (const word of ['unknown member "extra"', 'id:', 'title:', 'date:', 'againstAll:', 'appears twice', 'candidates[1].name']) t.match(err.message, word);
  t.throws(() => validateElection([]), ProtocolError);
  t.throws(() => validateElection({ ...election, candidates: [] }), /candidates/);
});

t.test('property: relations are never failed when every figure is derived consistently, and evaluation never throws', async (t) => {
  const count = fc.integer({ min: 0, max: 100_000 });
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(count, count, count, count, count, count, count, count, fc.boolean(), (early, station, outside, cancelled, invalid, againstAll, votesA, extra, hasAgainst) => {
          const issued = early + station + outside;
          const valid = votesA + extra + (hasAgainst ? againstAll : 0);
          const found = valid + invalid;
          // Consistent protocols: found ≤ issued needs issued ≥ found, so scale issued up when needed.
          const stationAdj = station + Math.max(0, found - issued);
          const outsideMobile = Math.min(outside, found);
          const items = {
            registered: early + stationAdj + outside + 1,
            received: early + stationAdj + outside + cancelled,
            issuedEarly: early,
            issuedStation: stationAdj,
            issuedOutside: outside,
            cancelled,
            foundMobile: outsideMobile,
            foundStationary: found - outsideMobile,
            invalid,
            valid,
            againstAll,
          };
          const e = {
            candidates: [
              { id: 'a', name: { en: 'A' } },
              { id: 'b', name: { en: 'B' } },
            ],
            againstAll: hasAgainst,
          };
          return failedRelations({ items, votes: { a: votesA, b: extra } }, e).length === 0;
        }),
      ),
    'consistent protocols fail nothing',
  );
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...PROTOCOL_ITEMS), fc.nat()), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.nat()), fc.boolean(), (items, votes, against) => {
          const r = evaluateRelations(items, votes, ['a', 'b'], against);
          return r.length === RELATIONS.length && r.every((x) => ['ok', 'failed', 'incomplete'].includes(x.state));
        }),
      ),
    'evaluation is total',
  );
});
