/**
 * A caller who hangs up while ringing races the recipient's answer (issue 13, point 7): the queue
 * must not decide `abandoned` before it knows whether the recipient answered first. Both orders,
 * each way the withdraw's outcome can reach the queue, and the caller counted once.
 */
import assert from 'node:assert/strict';
import { OFFER_GRACE_MS, pendingOffersOf, pendingWithdrawsOf, queueTimersOf } from '../../../src/queue/machine/index.js';
import { QueueHarness, R, effectsOf, eventNames, eventsOf, offersIn, recipientStatus } from '../support/queue-fixtures.js';

/** r1 rings s1; r2 is Ready but busy with s2 unless `free`. */
function ringingThenHungUp(): QueueHarness {
  const q = new QueueHarness().start([R(1), R(2)]);
  q.ready(R(1));
  q.join('s1');
  q.ringing(R(1), 's1');
  return q;
}

const data = (r: { reply: unknown }) => (r.reply as { data: unknown }).data;

describe('queue machine: a hangup while ringing waits for the withdraw’s outcome', () => {
  it('the hangup withdraws the offer but the caller stays (out of routing), answered removed:false', () => {
    const q = ringingThenHungUp();
    const deadlineBefore = q.offerOf('s1')!.deadline;
    const r = q.hangup('s1');
    assert.deepEqual(data(r), { removed: false }, 'the session waits for the report');
    assert.deepEqual(effectsOf(r, 'withdraw'), [{ type: 'withdraw', recipient_id: R(1), session_id: 's1', offer_id: q.offerOf('s1')!.offer_id, reason: 'caller_hangup' }]);
    assert.deepEqual(effectsOf(r, 'end_session'), []);
    assert.deepEqual(eventNames(r), []);
    assert.equal(q.s.sessions[0]!.hung_up, true);
    // the deadline comes closer: the withdraw's outcome is due within the grace
    assert.equal(q.offerOf('s1')!.deadline, Math.min(deadlineBefore, q.now + OFFER_GRACE_MS));
    assert.deepEqual(effectsOf(r, 'arm_timer').map((t) => [t.key, t.at]), [['offer:s1', q.offerOf('s1')!.deadline]]);
    // never offered again: a member becoming free gets nothing
    const free = q.ready(R(2)).last;
    assert.deepEqual(offersIn(free), []);
    // a second hangup and a supervisor's removal change nothing
    const before = q.state;
    assert.deepEqual(data(q.hangup('s1')), { removed: false });
    assert.deepEqual(data(q.apply({ type: 'remove_session', input_id: 'rm-1', session_id: 's1' })), { removed: false });
    assert.equal(q.state, before);
  });

  it('withdraw first (the recipient’s withdraw event): abandoned once, not a miss', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const r = q.withdrawn(R(1), 's1');
    assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason]), [['leave', 'abandoned']]);
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['abandoned']);
    assert.equal(q.s.sessions.length, 0);
    const st = q.status_();
    assert.equal(st.stats.abandoned_sessions, 1);
    assert.equal(st.stats.missed_sessions, 0);
    assert.equal(st.service_level.day.answered, 0);
    assert.equal(q.member(R(1))!.offered_session, null);
    // the command's reply arriving after it changes nothing
    const before = q.state;
    q.apply({ type: 'withdraw_reply', session_id: 's1', offer_id: 'offer-1', withdrawn: true });
    assert.equal(q.state, before);
  });

  it('withdraw first (the command’s reply: withdrawn): abandoned; the late withdraw event changes nothing', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const r = q.withdrawReply('s1', true);
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['abandoned']);
    const stats = q.s.stats;
    q.withdrawn(R(1), 's1');
    assert.equal(q.s.stats.abandoned_sessions, 1);
    assert.equal(q.s.stats.left_sessions, stats.left_sessions);
  });

  it('answered first (its delivered event arrives after the hangup): handled, delivered to that recipient, not abandoned', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const r = q.answered(R(1), 's1');
    assert.deepEqual(eventNames(r), ['delivered', 'leave']);
    assert.deepEqual(effectsOf(r, 'session_delivered'), [{ type: 'session_delivered', session_id: 's1', call_id: 'call-of-s1', recipient_id: R(1) }]);
    assert.deepEqual(effectsOf(r, 'end_session'), []);
    const st = q.status_();
    assert.equal(st.stats.abandoned_sessions, 0);
    assert.equal(st.service_level.day.answered, 1);
    assert.equal(q.member(R(1))!.handled_calls, 1);
    // the refused withdraw's reply after it changes nothing
    const before = q.state;
    q.apply({ type: 'withdraw_reply', session_id: 's1', offer_id: 'offer-1', withdrawn: false });
    assert.equal(q.state, before);
  });

  it('answered first (the withdraw refused, then a status read): the read shows the call in their hands → delivered', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const r = q.withdrawReply('s1', false);
    assert.equal(r.state, q.state, 'nothing written yet');
    assert.deepEqual(effectsOf(r, 'verify_offer'), [{ type: 'verify_offer', recipient_id: R(1), session_id: 's1', offer_id: q.offerOf('s1')!.offer_id }]);
    const read = q.verifyRead(R(1), 's1', recipientStatus('On-A-Call', { handling_call: q.call('s1') }), q.seqs[R(1)]! + 1);
    assert.deepEqual(eventNames(read), ['delivered', 'leave']);
    assert.equal(q.status_().stats.abandoned_sessions, 0);
  });

  it('the withdraw refused and the read shows neither ringing nor the call (its ring had just ended): abandoned, not a miss', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    q.withdrawReply('s1', false);
    const r = q.verifyRead(R(1), 's1', recipientStatus('Ready'), q.seqs[R(1)]! + 1);
    assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason]), [['leave', 'abandoned']]);
    assert.equal(q.status_().stats.missed_sessions, 0);
  });

  it('the ring ended unanswered as the withdraw crossed it (miss or reject): abandoned, not a miss, not re-offered', () => {
    for (const end of ['missed', 'rejected'] as const) {
      const q = ringingThenHungUp();
      q.hangup('s1');
      const r = q[end](R(1), 's1');
      assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason]), [['leave', 'abandoned']], end);
      assert.deepEqual(offersIn(r), [], end);
      assert.equal(q.status_().stats.missed_sessions, 0, end);
    }
  });

  it('no outcome by the offer’s deadline: abandoned (bounded by the grace)', () => {
    const q = ringingThenHungUp();
    const t0 = q.now;
    q.hangup('s1');
    const r = q.offerDeadline('s1');
    assert.ok(q.now <= t0 + OFFER_GRACE_MS);
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['abandoned']);
    assert.deepEqual(effectsOf(r, 'verify_offer'), [], 'no further check: the caller is gone');
  });

  it('the offer refused after the hangup (it never rang): abandoned, not offered elsewhere', () => {
    const q = new QueueHarness().start([R(1), R(2)]);
    q.ready(R(1)).ready(R(2));
    q.join('s1');
    assert.equal(q.offeredTo('s1'), R(1));
    q.hangup('s1');
    const r = q.refused(R(1), 's1', 'busy');
    assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason]), [['leave', 'abandoned']]);
    assert.deepEqual(offersIn(r), []);
  });

  it('the queue deleted meanwhile: the caller who hung up ends abandoned, not exited', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const r = q.apply({ type: 'stop', input_id: 'stop-1', reason: 'deleted' });
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['abandoned']);
    assert.deepEqual(effectsOf(r, 'withdraw'), [], 'its withdraw went out already');
  });

  it('after a failover: the caller who hung up is not rung again, its withdraw is re-sent and its (near) deadline re-armed', () => {
    const q = ringingThenHungUp();
    q.hangup('s1');
    const offer = q.offerOf('s1')!;
    assert.deepEqual(pendingOffersOf(q.s, 99, q.now), []);
    assert.deepEqual(pendingWithdrawsOf(q.s), [{ type: 'withdraw', recipient_id: R(1), session_id: 's1', offer_id: offer.offer_id, reason: 'caller_hangup' }]);
    assert.ok(queueTimersOf(q.s, q.now).some((t) => t.key === 'offer:s1' && t.at === offer.deadline && t.at <= q.now + OFFER_GRACE_MS));
  });

  it('a redelivered hangup (same input id) is answered removed:false again while it waits', () => {
    const q = ringingThenHungUp();
    const input = { type: 'caller_hangup' as const, input_id: 'h-1', session_id: 's1' };
    q.apply(input);
    const before = q.state;
    const again = q.apply(input);
    assert.deepEqual(data(again), { removed: false });
    assert.equal(q.state, before);
  });

  it('a hangup while waiting (no offer): abandoned at once, removed:true', () => {
    const q = new QueueHarness().start([R(1)]);
    q.join('s1');
    const r = q.hangup('s1');
    assert.deepEqual(data(r), { removed: true });
    assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['abandoned']);
    assert.deepEqual(effectsOf(r, 'withdraw'), []);
  });
});
