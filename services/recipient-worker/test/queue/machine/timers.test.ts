import assert from 'node:assert/strict';
import { OFFER_GRACE_MS, pendingOffersOf, queueTimersOf, type QueueState } from '../../../src/queue/machine/index.js';
import { OVERFLOW, QUEUE, QueueHarness, R, effectsOf, eventNames, eventsOf, offersIn, recipientStatus } from '../support/queue-fixtures.js';

const timeoutOf = (q: QueueHarness, sid: string) => ({ type: 'caller_timeout' as const, session_id: sid, deadline: q.s.sessions.find((x) => x.session_id === sid)!.deadline });

describe('queue machine: timers', () => {
  describe('caller timeout', () => {
    it('waiting: timed out, the session ends', () => {
      const q = new QueueHarness().start([R(1)], { timeout: 60 });
      q.join('s1');
      q.later(60_000);
      const r = q.apply(timeoutOf(q, 's1'));
      assert.deepEqual(effectsOf(r, 'end_session'), [{ type: 'end_session', session_id: 's1', call_id: 'call-of-s1', reason: 'timed_out' }]);
      assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason, e.wait]), [['leave', 'timed_out', 60]]);
      assert.equal(q.status_().service_level.day.timed_out, 1);
    });

    it('with timeout_redirect: redirected to the overflow queue, keeping its session and priority', () => {
      const q = new QueueHarness().start([R(1)], { timeout: 60, timeout_redirect: OVERFLOW });
      q.join('s1', 4);
      q.later(60_000);
      const r = q.apply(timeoutOf(q, 's1'));
      const [redirect] = effectsOf(r, 'redirect_session');
      assert.equal(redirect!.to_queue_id, OVERFLOW);
      assert.deepEqual(redirect!.join, { session_id: 's1', call_id: 'call-of-s1', caller_id_name: 'Caller', caller_id_number: '+1555', priority: 4, visited: [QUEUE] });
      assert.deepEqual(effectsOf(r, 'end_session'), [], 'the session goes on');
      assert.deepEqual(eventsOf(r).map((e) => [e.event, e.reason, e.redirected_to]), [['leave', 'redirected', OVERFLOW]]);
    });

    it('ringing: the ring runs its course; answered, it is served', () => {
      const q = new QueueHarness().start([R(1)], { timeout: 60 }).ready(R(1));
      q.join('s1');
      q.later(60_000);
      const before = q.state;
      q.apply(timeoutOf(q, 's1'));
      assert.equal(q.state, before, 'ignored while ringing');
      q.answered(R(1), 's1');
      assert.deepEqual(eventNames(q.last), ['delivered', 'leave']);
    });

    it('ringing: missed after its timeout → it times out then, and is not offered again', () => {
      const q = new QueueHarness().start([R(1), R(2)], { timeout: 60 }).ready(R(1));
      q.join('s1');
      q.later(60_000);
      q.apply(timeoutOf(q, 's1'));
      q.ready(R(2));
      assert.equal(q.offeredTo('s1'), R(1), 'r2 free now, but s1 rings r1: not offered twice');
      const r = q.missed(R(1), 's1');
      assert.deepEqual(offersIn(r), []);
      assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['timed_out']);
    });

    it('a stale timeout (the deadline moved) is ignored', () => {
      const q = new QueueHarness().start([], { timeout: 60 });
      q.join('s1');
      const stale = timeoutOf(q, 's1');
      q.apply({ type: 'configure', input_id: q.nextInputId(), settings: { ...q.s.settings, timeout: 120 } });
      q.later(60_000);
      const before = q.state;
      q.apply(stale);
      assert.equal(q.state, before);
    });
  });

  describe('offer deadline (no outcome seen within ring_timeout + grace)', () => {
    function ringing(): QueueHarness {
      const q = new QueueHarness().start([R(1), R(2)], { ring_timeout: 20 }).ready(R(1)).ready(R(2));
      q.join('s1');
      q.join('s2');
      q.hangup('s2'); // r2 free again once its withdraw is seen
      q.withdrawn(R(2), 's2');
      q.ready(R(2));
      return q;
    }

    it('the queue asks the recipient (verify_offer) and keeps the offer: never offered elsewhere on a guess', () => {
      const q = ringing();
      const offer = q.offerOf('s1')!;
      assert.equal(offer.deadline, q.now + 20_000 + OFFER_GRACE_MS);
      const r = q.offerDeadline('s1');
      assert.deepEqual(effectsOf(r, 'verify_offer'), [{ type: 'verify_offer', recipient_id: R(1), session_id: 's1', offer_id: offer.offer_id }]);
      assert.deepEqual(effectsOf(r, 'withdraw'), []);
      assert.deepEqual(offersIn(r), [], 'r2 is free, but s1 may have been answered by r1');
      assert.equal(q.offeredTo('s1'), R(1));
      assert.equal(q.offerOf('s1')!.checks, 1);
      assert.equal(effectsOf(r, 'arm_timer')[0]!.at, q.now + OFFER_GRACE_MS);
    });

    it('the read shows it over (neither ringing nor answered): a miss, back at its place, offered again', () => {
      const q = ringing();
      q.offerDeadline('s1');
      const r = q.verifyRead(R(1), 's1', recipientStatus('Ready'));
      // round robin: r1 and r2 were both offered this round, so a new one starts with r1
      assert.deepEqual(offersIn(r), [['s1', R(1)]]);
      assert.equal(q.status_().stats.missed_sessions, 1);
    });

    it('the read shows the caller in their hands: delivered', () => {
      const q = ringing();
      q.offerDeadline('s1');
      const r = q.verifyRead(R(1), 's1', recipientStatus('On-A-Call', { handling_call: q.call('s1') }), q.seqs[R(1)]! + 2);
      assert.deepEqual(eventNames(r), ['delivered', 'leave']);
    });

    it('the read shows it still ringing (an offer re-sent after a failover): it goes on', () => {
      const q = ringing();
      q.offerDeadline('s1');
      const before = q.state;
      q.verifyRead(R(1), 's1', recipientStatus('Call-Offer', { offered_call: q.call('s1') }), q.seqs[R(1)]! + 1);
      assert.equal(q.offeredTo('s1'), R(1));
      assert.equal(q.status_().stats.missed_sessions, 0);
      assert.notEqual(q.state, before, 'the view moved on');
    });

    it('an ordinary read (not asked for the check) never ends an offer: it may predate the offer', () => {
      const q = ringing();
      q.apply({ type: 'member_status', recipient_id: R(1), seq: q.seqs[R(1)]!, status: recipientStatus('Ready') });
      assert.equal(q.offeredTo('s1'), R(1));
    });

    it('unanswered checks go on while the caller waits; never offered elsewhere; at its timeout the caller times out', () => {
      const q = ringing();
      const deadline = q.s.sessions[0]!.deadline;
      for (let i = 1; q.now < deadline; i++) {
        const r = q.offerDeadline('s1');
        if (q.now >= deadline) {
          assert.deepEqual(effectsOf(r, 'withdraw').map((w) => [w.recipient_id, w.session_id, w.reason]), [[R(1), 's1', 'other']]);
          assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['timed_out']);
          assert.deepEqual(offersIn(r), []);
          break;
        }
        assert.equal(q.offerOf('s1')!.checks, i);
        assert.deepEqual(offersIn(r), [], 'r2 is free, but the outcome with r1 is unknown');
        assert.equal(effectsOf(r, 'verify_offer').length, 1);
      }
      assert.equal(q.s.sessions.length, 0);
      assert.equal(q.member(R(1))!.wait_for_seq, q.seqs[R(1)], 'r1 waits for a newer status');
    });

    it('a deadline of an offer already over is ignored', () => {
      const q = new QueueHarness().start([R(1)]).ready(R(1));
      q.join('s1');
      const offer = q.offerOf('s1')!;
      q.rejected(R(1), 's1');
      const before = q.state;
      q.apply({ type: 'offer_deadline', session_id: 's1', offer_id: offer.offer_id, deadline: offer.deadline });
      assert.equal(q.state, before);
    });
  });

  describe('tick', () => {
    it('armed when the first caller enters, re-armed each round while callers are in the queue, not written when nothing happens', () => {
      const q = new QueueHarness().start([R(1)], { tick_time: 500 });
      q.join('s1');
      const armed = effectsOf(q.last, 'arm_timer').find((t) => t.key === 'tick')!;
      assert.equal(armed.at, q.now + 500);
      q.later(500);
      const before = q.state;
      const r = q.apply(armed.input);
      assert.equal(q.state, before);
      assert.deepEqual(r.effects.map((e) => e.type), ['arm_timer']);
      q.hangup('s1');
      q.later(500);
      assert.deepEqual(q.apply({ type: 'tick', at: q.now }).effects, [], 'no callers: the round stops');
    });

    it('a round offers what the state allows (e.g. a state written before a candidate was routed)', () => {
      const q = new QueueHarness().start([R(1)]);
      q.join('s1');
      // a member view made a candidate without routing (as an older version could have left it)
      const s = q.s;
      q.state = { ...s, members: [{ ...q.member(R(1))!, availability_state: 'Ready', seq: 5 }] } as QueueState;
      const r = q.apply({ type: 'tick', at: q.now });
      assert.deepEqual(offersIn(r), [['s1', R(1)]]);
      assert.equal(r.effects[0]!.type, 'persist');
      assert.ok(effectsOf(r, 'arm_timer').some((t) => t.key === 'tick'));
    });

    it('a caller whose timeout passed while nobody could act (a failover) times out at the next round', () => {
      const q = new QueueHarness().start([], { timeout: 60 });
      q.join('s1');
      q.later(120_000);
      const r = q.apply({ type: 'tick', at: q.now });
      assert.deepEqual(effectsOf(r, 'end_session').map((e) => e.reason), ['timed_out']);
    });
  });

  describe('after a load (restart, failover, rebalance)', () => {
    it('queueTimersOf gives the timers the effects armed: every caller timeout, every offer deadline, the tick', () => {
      const q = new QueueHarness().start([R(1)]).ready(R(1));
      q.join('s1');
      q.join('s2');
      const armed = q.effects.filter((e) => e.type === 'arm_timer').map((e) => (e as { key: string }).key);
      const derived = queueTimersOf(q.state, q.now);
      assert.deepEqual(derived.map((t) => t.key).sort(), ['offer:s1', 'tick', 'timeout:s1', 'timeout:s2']);
      for (const t of derived) assert.ok(armed.includes(t.key));
      assert.deepEqual(queueTimersOf(null, q.now), []);
      // feeding a derived timer works as the original
      const offerTimer = derived.find((t) => t.key === 'offer:s1')!;
      q.now = offerTimer.at;
      assert.equal(effectsOf(q.apply(offerTimer.input), 'verify_offer').length, 1);
    });

    it('pendingOffersOf re-sends outstanding offers under the new epoch with the ring time left', () => {
      const q = new QueueHarness().start([R(1)], { ring_timeout: 20, agent_wrapup_time: 5 }).ready(R(1));
      q.join('s1');
      const offer = q.offerOf('s1')!;
      q.later(8000);
      const [again] = pendingOffersOf(q.state, 9, q.now);
      assert.equal(again!.offer_id, offer.offer_id, 'the same command id: applied once by the recipient');
      assert.equal(again!.epoch, 9);
      assert.equal(again!.offer_timeout_seconds, 12);
      assert.equal(again!.wrapup_seconds, 5);
      q.later(11_500);
      assert.deepEqual(pendingOffersOf(q.state, 9, q.now), [], 'under a second left: the deadline decides');
    });
  });

  it('the recipient status read of a ringing member keeps the offer (ringing is not an outcome)', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    q.apply({ type: 'member_status', recipient_id: R(1), seq: q.seqs[R(1)]! + 1, status: recipientStatus('Call-Offer', { offered_call: q.call('s1') }) });
    assert.equal(q.offeredTo('s1'), R(1));
  });
});
