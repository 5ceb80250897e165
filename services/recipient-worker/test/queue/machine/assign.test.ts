/**
 * A supervisor's assignment (rules/assign.ts): every refusal changes nothing; a free member is
 * offered the caller at once (pinned, ahead of FIFO and the router); a busy one gets it as soon as
 * they can take a call; each outcome of the pinned offer sends the caller back to its old place
 * and routing resumes; the assignment is state (persisted, re-sent after a failover).
 */
import assert from 'node:assert/strict';
import { pendingOffersOf } from '../../../src/queue/machine/index.js';
import { EPOCH, QueueHarness, R, effectsOf, eventNames, eventsOf, offersIn, recipientStatus } from '../support/queue-fixtures.js';

const SUP = 'c0000000000000000000000000000001';

/** Members 1..n Ready, callers s1..sk: r_i rings s_i for i ≤ min(n, k). */
function queue(members: number, callers: number, over: Parameters<QueueHarness['start']>[1] = {}): QueueHarness {
  const q = new QueueHarness().start(Array.from({ length: members }, (_, i) => R(i + 1)), over);
  for (let i = 1; i <= members; i++) q.ready(R(i));
  for (let i = 1; i <= callers; i++) q.join(`s${i}`);
  return q;
}

describe('queue machine: a supervisor assigns a caller', () => {
  describe('refusals (nothing changes, nothing recorded)', () => {
    const rows: Array<{ name: string; setup: () => QueueHarness; session: string; recipient: string; reason: string }> = [
      { name: 'unknown caller → unknown_session', setup: () => queue(1, 2), session: 'nobody', recipient: R(1), reason: 'unknown_session' },
      { name: 'caller ringing → session_ringing', setup: () => queue(2, 2), session: 's1', recipient: R(2), reason: 'session_ringing' },
      { name: 'recipient not on the roster → not_a_member', setup: () => queue(1, 2), session: 's2', recipient: R(9), reason: 'not_a_member' },
      {
        name: 'member taken off the roster while ringing → not_a_member',
        setup: () => {
          const q = queue(2, 3);
          q.apply({ type: 'roster', input_id: q.nextInputId(), members: [R(2)] });
          return q;
        },
        session: 's3',
        recipient: R(1),
        reason: 'not_a_member',
      },
      {
        name: 'member not logged in → recipient_unavailable',
        setup: () => queue(1, 2).start([R(1), R(2)]),
        session: 's2',
        recipient: R(2),
        reason: 'recipient_unavailable',
      },
      {
        name: 'member Away → recipient_unavailable',
        setup: () => {
          const q = queue(1, 2);
          q.start([R(1), R(2)]).away(R(2));
          return q;
        },
        session: 's2',
        recipient: R(2),
        reason: 'recipient_unavailable',
      },
      {
        name: 'member away for this queue → recipient_unavailable',
        setup: () => {
          const q = queue(1, 2);
          q.start([R(1), R(2)]);
          q.status(R(2), recipientStatus('Ready', { queue_availability: { [q.s.queue_id]: false } }), 'ready');
          return q;
        },
        session: 's2',
        recipient: R(2),
        reason: 'recipient_unavailable',
      },
      {
        name: 'member monitoring someone → recipient_unavailable',
        setup: () => {
          const q = queue(1, 2);
          q.start([R(1), R(2)]);
          q.status(R(2), recipientStatus('Ready', { wiretapping: R(1) }), 'ready');
          return q;
        },
        session: 's2',
        recipient: R(2),
        reason: 'recipient_unavailable',
      },
    ];
    for (const row of rows) {
      it(row.name, () => {
        const q = row.setup();
        const before = q.state;
        const data = q.assign(row.session, row.recipient, SUP);
        assert.deepEqual(data, { assigned: false, reason: row.reason });
        assert.equal(q.state, before, 'the very same state');
        assert.deepEqual(q.last.effects, []);
      });
    }
  });

  it('a busy member: the caller waits for them, then is offered to them first (not FIFO, not the router); pinned; the `assign` event', () => {
    const q = queue(1, 3);
    q.start([R(1), R(2)]);
    q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
    const data = q.assign('s3', R(2), SUP);
    assert.deepEqual(data, { assigned: true, recipient_id: R(2) }, 'busy: no offer id, nothing sent');
    assert.deepEqual(eventNames(q.last), ['assign']);
    const [ev] = eventsOf(q.last);
    assert.equal(ev!.caller!.session_id, 's3');
    assert.equal(ev!.recipient_id, R(2));
    assert.equal(ev!.assigned_by, SUP);
    assert.deepEqual(effectsOf(q.last, 'offer'), []);
    assert.deepEqual(q.s.sessions.find((x) => x.session_id === 's3')!.assignment, { recipient_id: R(2), by: SUP });
    // r2 is free: s3 is theirs, not s2 (FIFO) nor the router's pick
    const r = q.ready(R(2)).last;
    assert.deepEqual(offersIn(r), [['s3', R(2)]]);
    const offer = q.offerOf('s3')!;
    assert.equal(offer.pinned, true);
    assert.equal(offer.assigned_by, SUP);
    assert.equal(effectsOf(r, 'offer')[0]!.pinned, true);
    assert.equal(q.s.sessions.find((x) => x.session_id === 's3')!.assignment, undefined, 'the assignment is spent');
    assert.deepEqual(q.order(), ['s1', 's2', 's3'], 'nobody moved');
    assert.equal(q.offeredTo('s2'), null);
  });

  it('a free member is offered at once, with the queue’s ring_timeout, wrap-up and epoch', () => {
    // the queue routes on every input, so a free member and a waiting caller coexist only in a
    // state of other origins: built here by hand (r2's view made Ready and free)
    const q = new QueueHarness().start([R(1), R(2)], { ring_timeout: 17, agent_wrapup_time: 5 });
    q.join('s1');
    q.join('s2');
    q.ready(R(1));
    const s = structuredClone(q.s);
    const m2 = s.members.find((m) => m.recipient_id === R(2))!;
    Object.assign(m2, { availability_state: 'Ready', seq: 2000 });
    q.state = s;
    const data = q.assign('s2', R(2));
    assert.equal(data.assigned, true);
    assert.equal(typeof data.offer_id, 'string', 'offered now: the offer id to follow its reply');
    const [offer] = effectsOf(q.last, 'offer');
    assert.equal(offer!.call.session_id, 's2');
    assert.equal(offer!.offer_id, data.offer_id);
    assert.equal(offer!.offer_timeout_seconds, 17);
    assert.equal(offer!.wrapup_seconds, 5);
    assert.equal(offer!.epoch, EPOCH);
    assert.equal(offer!.pinned, true);
    assert.equal(q.offerOf('s2')!.deadline, q.now + 17_000 + 3000);
    assert.equal(q.offerOf('s2')!.assigned_by, undefined, 'no supervisor named');
    assert.equal(q.member(R(2))!.offered_session, 's2');
    assert.deepEqual(eventNames(q.last), ['assign']);
  });

  describe('outcomes of the pinned offer', () => {
    /** r1 rings s1; s2, s3 wait; s3 assigned to r2 (busy), r2 free: r2 rings s3. */
    function pinned(over: Parameters<QueueHarness['start']>[1] = {}): QueueHarness {
      const q = queue(1, 3, over);
      q.start([R(1), R(2)], over);
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s3', R(2), SUP);
      q.ready(R(2));
      assert.equal(q.offeredTo('s3'), R(2));
      return q;
    }

    it('answered: delivered as usual, by that member', () => {
      const q = pinned();
      const r = q.answered(R(2), 's3');
      assert.deepEqual(eventNames(r), ['delivered', 'leave']);
      assert.equal(eventsOf(r)[0]!.recipient_id, R(2));
      assert.deepEqual(effectsOf(r, 'session_delivered').map((e) => e.recipient_id), [R(2)]);
      assert.equal(q.member(R(2))!.handled_calls, 1);
    });

    it('rejected: a miss; back at its old place (behind s2), routing resumes: s2 first', () => {
      const q = pinned();
      const entered = q.s.sessions.find((x) => x.session_id === 's3')!.entered_at;
      const r = q.rejected(R(2), 's3');
      assert.deepEqual(offersIn(r), [['s2', R(2)]], 'FIFO again: s2 goes before s3');
      assert.deepEqual(q.order(), ['s1', 's2', 's3']);
      assert.equal(q.s.sessions.find((x) => x.session_id === 's3')!.entered_at, entered);
      assert.equal(q.status_().stats.missed_sessions, 1);
    });

    it('missed: the same', () => {
      const q = pinned();
      const r = q.missed(R(2), 's3');
      assert.deepEqual(offersIn(r), [['s2', R(2)]]);
      assert.equal(q.status_().stats.missed_sessions, 1);
    });

    it('refused (the queue’s view was stale): not a miss, not an offer received; the caller routed as usual', () => {
      const q = pinned();
      const r = q.refused(R(2), 's3', 'busy');
      assert.deepEqual(offersIn(r), [], 'r2 waits for a newer status, r1 rings s1');
      assert.equal(q.offeredTo('s3'), null);
      assert.equal(q.s.sessions.find((x) => x.session_id === 's3')!.assignment, undefined);
      assert.equal(q.member(R(2))!.offers, 0);
      assert.equal(q.status_().stats.missed_sessions, 0);
      q.ready(R(2));
      assert.equal(q.offeredTo('s2'), R(2), 'FIFO: s2 first, the assignment is spent');
    });

    it('withdrawn on the recipient’s side: not a miss; back at its place', () => {
      const q = pinned();
      const r = q.status(R(2), recipientStatus('Not-Logged-In'), 'withdraw', q.call('s3'));
      assert.deepEqual(offersIn(r), []);
      assert.equal(q.offeredTo('s3'), null);
      assert.equal(q.status_().stats.missed_sessions, 0);
    });

    it('the caller hangs up while ringing: withdrawn, abandoned', () => {
      const q = pinned();
      const r = q.hangup('s3');
      assert.deepEqual(effectsOf(r, 'withdraw').map((w) => [w.recipient_id, w.reason]), [[R(2), 'caller_hangup']]);
    });

    it('the pinned offer is re-sent after a failover (pendingOffersOf), still pinned', () => {
      const q = pinned();
      const all = pendingOffersOf(q.s, EPOCH + 1, q.now);
      assert.deepEqual(all.map((o) => [o.call.session_id, o.pinned === true]), [['s1', false], ['s3', true]]);
      const again = all[1];
      assert.equal(again!.recipient_id, R(2));
      assert.equal(again!.offer_id, q.offerOf('s3')!.offer_id);
      assert.equal(again!.pinned, true);
    });

    it('round robin: a supervisor’s offer does not count in the round (the router state does not move)', () => {
      const q = new QueueHarness().start([R(1), R(2)], { queue_router: 'route_round_robin' });
      q.join('s1');
      q.join('s2');
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s2', R(2));
      const before = q.s.router_state;
      q.ready(R(2));
      assert.equal(q.offeredTo('s2'), R(2));
      assert.equal(q.s.router_state, before);
    });
  });

  describe('a waiting assignment', () => {
    it('is dropped when the member can no longer be assigned (Away): the caller is routed as any other', () => {
      const q = queue(1, 2);
      q.start([R(1), R(2)]);
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s2', R(2));
      q.away(R(2));
      assert.equal(q.s.sessions.find((x) => x.session_id === 's2')!.assignment, undefined);
      q.answered(R(1), 's1');
      q.status(R(1), recipientStatus('Ready'), 'ready');
      assert.equal(q.offeredTo('s2'), R(1), 'no longer waiting for r2: the router gives it to r1');
    });

    it('is dropped when the member leaves the roster', () => {
      const q = queue(1, 2);
      q.start([R(1), R(2)]);
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s2', R(2));
      q.apply({ type: 'roster', input_id: q.nextInputId(), members: [R(1)] });
      assert.equal(q.s.sessions.find((x) => x.session_id === 's2')!.assignment, undefined);
      q.answered(R(1), 's1');
      q.status(R(1), recipientStatus('Ready'), 'ready');
      assert.equal(q.offeredTo('s2'), R(1));
    });

    it('the router skips an assigned caller: the member who frees up first gets the next unassigned one', () => {
      const q = queue(1, 3);
      q.start([R(1), R(2)]);
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s2', R(2));
      q.missed(R(1), 's1'); // r1 free: s1 again (first)
      q.answered(R(1), 's1');
      q.status(R(1), recipientStatus('Ready'), 'ready');
      assert.equal(q.offeredTo('s3'), R(1), 's2 waits for r2, so r1 gets s3');
      assert.equal(q.offeredTo('s2'), null);
    });

    it('a second assignment of the same caller replaces the first; two callers assigned to one member go one after the other', () => {
      const q = queue(0, 3);
      q.start([R(1), R(2)]);
      q.status(R(1), recipientStatus('On-A-Call'), 'delivered');
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      q.assign('s3', R(1));
      q.assign('s3', R(2));
      assert.equal(q.s.sessions.find((x) => x.session_id === 's3')!.assignment!.recipient_id, R(2));
      q.assign('s2', R(2));
      q.ready(R(1));
      assert.equal(q.offeredTo('s1'), R(1), 'r1 is nobody’s: the router, FIFO');
      q.ready(R(2));
      assert.equal(q.offeredTo('s2'), R(2), 'r2’s assigned callers in queue order: s2 first');
      q.answered(R(2), 's2');
      q.ready(R(2));
      assert.equal(q.offeredTo('s3'), R(2));
    });

    it('a redelivered assign is answered again, not applied twice', () => {
      const q = queue(1, 2);
      q.start([R(1), R(2)]);
      q.status(R(2), recipientStatus('On-A-Call'), 'delivered');
      const input = { type: 'assign' as const, input_id: 'sup-1', session_id: 's2', recipient_id: R(2) };
      q.apply(input);
      const before = q.state;
      const again = q.apply(input);
      assert.equal(q.state, before);
      assert.deepEqual(again.effects, []);
      assert.deepEqual((again.reply as { data: unknown }).data, { assigned: true, recipient_id: R(2) });
      // once offered, a redelivery names the offer
      q.ready(R(2));
      const offerId = q.offerOf('s2')!.offer_id;
      assert.deepEqual((q.apply(input).reply as { data: unknown }).data, { assigned: true, recipient_id: R(2), offer_id: offerId });
    });
  });
});
