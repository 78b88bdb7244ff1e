// The merge of desk events (docs/PROTOCOL.md, "Merging"): any permutation and duplication of a
// set of events gives the identical state (fast-check), two editors changing one thread offline
// converge, and reopening a closed thread needs a reason on every desk.
import fc from 'fast-check';
import t from 'tap';
import type { DeskChange, DeskEvent } from '../../src/crypto/desk-event.js';
import { DeskMerge, foldThread } from '../../src/desk/merge.js';

const EDITORS = ['AAAA', 'BBBB', 'CCCC'].map((e) => e.padEnd(43, 'x'));
const THREADS = ['11'.repeat(16), '22'.repeat(16)];
const FINGERPRINTS = ['A8C0 931F 38F7 DEF5 06DE D23F B20B DF29', '0000 1111 2222 3333 4444 5555 6666 7777'];

const change: fc.Arbitrary<DeskChange> = fc.oneof(
  fc
    .record({ kind: fc.constant('status' as const), status: fc.constantFrom('new', 'in-progress', 'waiting', 'verified', 'rejected', 'closed' as const) })
    .chain((c) => fc.option(fc.constantFrom('wrote again', 'new evidence'), { nil: undefined }).map((reason) => (reason ? { ...c, reason } : c))),
  fc.record({ kind: fc.constant('label' as const), label: fc.constantFrom('Ашхабад', 'İzmir', 'urgent'), on: fc.boolean() }),
  fc.record({ kind: fc.constant('assign' as const), editor: fc.constantFrom(null, ...FINGERPRINTS) }),
  fc.record({ kind: fc.constant('star' as const), on: fc.boolean() }),
  fc.boolean().map((unread): DeskChange => (unread ? { kind: 'seen', unread: true } : { kind: 'seen' })),
  fc.record({ kind: fc.constant('note' as const), text: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({
    kind: fc.constant('verify' as const),
    tip: fc.constantFrom('aa'.repeat(16), 'bb'.repeat(16)),
    state: fc.constantFrom('unverified', 'verified', 'rejected' as const),
    note: fc.string({ maxLength: 5 }),
  }),
);

// Small clock ranges on purpose: many equal times, so the editor and id tie-breaks matter.
const events: fc.Arbitrary<DeskEvent[]> = fc
  .array(fc.record({ editor: fc.constantFrom(...EDITORS), thread: fc.constantFrom(...THREADS), ms: fc.integer({ min: 0, max: 4 }), c: fc.integer({ min: 0, max: 2 }), change }), {
    minLength: 1,
    maxLength: 40,
  })
  .map((list) => list.map((e, i) => ({ v: 1 as const, id: i.toString(16).padStart(32, '0'), editor: e.editor, thread: e.thread, hlc: { ms: e.ms, c: e.c }, change: e.change })));

function snapshot(merge: DeskMerge): unknown {
  return THREADS.map((id) => {
    const s = merge.thread(id);
    return { ...s, seen: [...s.seen].sort(), verification: [...s.verification].sort() };
  });
}

t.test('any permutation and duplication of a set of events gives the identical state', async (t) => {
  fc.assert(
    fc.property(
      events.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }), fc.array(fc.nat(), { maxLength: 40 }))),
      ([list, shuffled, dups]) => {
        const one = new DeskMerge();
        for (const e of list) one.add(e);
        const expected = snapshot(one);
        // Another order, with some events delivered twice (an import run again, a resend).
        const withDups = [...shuffled];
        for (const d of dups) withDups.splice(d % (withDups.length + 1), 0, list[d % list.length]!);
        const two = new DeskMerge();
        for (const e of withDups) two.add(e);
        // And reading the state half way (a cached fold) must not change the end.
        const three = new DeskMerge();
        withDups.forEach((e, i) => {
          three.add(e);
          if (i % 3 === 0) three.thread(e.thread);
        });
        return JSON.stringify(snapshot(two)) === JSON.stringify(expected) && JSON.stringify(snapshot(three)) === JSON.stringify(expected) && two.size === list.length;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random sets, each in another order with duplicates');
});

t.test('the state is a fold in total order, so a reversed delivery is the same', async (t) => {
  fc.assert(
    fc.property(events, (list) => {
      const a = new DeskMerge();
      const b = new DeskMerge();
      for (const e of list) a.add(e);
      for (const e of [...list].reverse()) b.add(e);
      return JSON.stringify(snapshot(a)) === JSON.stringify(snapshot(b));
    }),
    { numRuns: 200 },
  );
  t.pass();
});

const ev = (editor: number, ms: number, c: DeskChange, id: string, thread = THREADS[0]!): DeskEvent => ({
  v: 1,
  id: id.padStart(32, '0'),
  editor: EDITORS[editor]!,
  thread,
  hlc: { ms, c: 0 },
  change: c,
});

t.test('two editors change one thread offline, sync in opposite orders, and converge', async (t) => {
  // A (offline): in progress at 100, label "fraud" at 101, note at 102.
  const a = [ev(0, 100, { kind: 'status', status: 'in-progress' }, 'a1'), ev(0, 101, { kind: 'label', label: 'fraud', on: true }, 'a2'), ev(0, 102, { kind: 'note', text: 'called' }, 'a3')];
  // B (offline, clock a little ahead): waiting at 101, label "fraud" off at 103, star at 100.
  const b = [ev(1, 101, { kind: 'status', status: 'waiting' }, 'b1'), ev(1, 103, { kind: 'label', label: 'fraud', on: false }, 'b2'), ev(1, 100, { kind: 'star', on: true }, 'b3')];
  const deskA = new DeskMerge();
  const deskB = new DeskMerge();
  for (const e of [...a, ...b]) deskA.add(e);
  for (const e of [...b, ...a]) deskB.add(e);
  t.same(snapshot(deskA), snapshot(deskB), 'identical');
  const s = deskA.thread(THREADS[0]!);
  t.equal(s.status, 'waiting', "B's later status wins");
  t.same(s.labels, [], 'B removed the label after A added it');
  t.equal(s.starred, true);
  t.same(
    s.notes.map((n) => n.text),
    ['called'],
    'notes are kept',
  );
  t.same(
    s.log.map((l) => l.what),
    ['status new → in-progress', 'starred', 'label added: fraud', 'status in-progress → waiting', 'note added', 'label removed: fraud'],
  );
  // Same time on both clocks: the editor key breaks the tie, the same on both desks.
  const tieA = ev(0, 200, { kind: 'assign', editor: FINGERPRINTS[0]! }, 't1');
  const tieB = ev(1, 200, { kind: 'assign', editor: FINGERPRINTS[1]! }, 't2');
  deskA.add(tieA);
  deskA.add(tieB);
  deskB.add(tieB);
  deskB.add(tieA);
  t.equal(deskA.thread(THREADS[0]!).assignee, FINGERPRINTS[1], 'the larger editor key wins a tie');
  t.same(snapshot(deskA), snapshot(deskB));
  t.equal(deskA.add(tieA), false, 'an id already merged is not merged again');
});

t.test('reopening a closed or rejected thread needs a reason', async (t) => {
  const s = foldThread([
    ev(0, 1, { kind: 'status', status: 'closed' }, '1'),
    ev(1, 2, { kind: 'status', status: 'in-progress' }, '2'),
    ev(1, 3, { kind: 'status', status: 'rejected' }, '3'),
    ev(1, 4, { kind: 'status', status: 'closed' }, '4'),
  ]);
  t.equal(s.status, 'closed', 'the reopening without a reason was not applied; rejected → closed needs none');
  t.match(s.log[1]!.what, /not applied: leaving closed needs a reason/);
  const r = foldThread([ev(0, 1, { kind: 'status', status: 'rejected' }, '1'), ev(1, 2, { kind: 'status', status: 'waiting', reason: 'the source sent the protocol' }, '2')]);
  t.equal(r.status, 'waiting');
  t.match(r.log[1]!.what, /rejected → waiting, reason: the source sent the protocol/);
});

t.test('per-field state: seen per editor, verification per tip, labels per label', async (t) => {
  const s = foldThread([
    ev(0, 1, { kind: 'seen' }, '1'),
    ev(1, 2, { kind: 'seen' }, '2'),
    ev(0, 3, { kind: 'seen', unread: true }, '3'),
    ev(0, 4, { kind: 'verify', tip: 'aa'.repeat(16), state: 'verified', note: 'photo matches' }, '4'),
    ev(1, 5, { kind: 'verify', tip: 'bb'.repeat(16), state: 'rejected', note: '' }, '5'),
    ev(1, 6, { kind: 'label', label: 'b', on: true }, '6'),
    ev(1, 7, { kind: 'label', label: 'a', on: true }, '7'),
  ]);
  t.same(
    [...s.seen].map(([k, v]) => [k, v.unread]),
    [
      [EDITORS[0], true],
      [EDITORS[1], false],
    ],
  );
  t.equal(s.verification.get('aa'.repeat(16))!.state, 'verified');
  t.equal(s.verification.get('bb'.repeat(16))!.editor, EDITORS[1]);
  t.same(s.labels, ['a', 'b']);
  t.notOk(
    s.log.some((l) => l.what.includes('seen')),
    'seen events stay out of the log',
  );
  t.same(s.last, { ms: 7, c: 0 });
});
