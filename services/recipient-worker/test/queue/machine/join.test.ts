import assert from 'node:assert/strict';
import { transition } from '../../../src/queue/machine/index.js';
import { OVERFLOW, QUEUE, QueueHarness, R, effectsOf, eventNames, eventsOf, offersIn } from '../support/queue-fixtures.js';

describe('queue machine: join', () => {
  it('an unknown queue (no state) refuses with unknown_queue, as an answer', () => {
    const q = new QueueHarness();
    assert.deepEqual(q.join('s1'), { joined: false, reason: 'unknown_queue' });
    assert.equal(q.state, null);
    assert.deepEqual(q.last.effects, []);
  });

  it('a caller enters at the end: position, estimate, join event, caller timer, the first tick', () => {
    const q = new QueueHarness().start([R(1)]);
    const r1 = q.join('s1');
    assert.deepEqual(r1, { joined: true, position: 1, estimated_wait: 0 });
    assert.deepEqual(eventNames(q.last), ['join']);
    const ev = eventsOf(q.last)[0]!;
    assert.equal(ev.position, 1);
    assert.equal(ev.caller!.session_id, 's1');
    assert.equal(ev.status.stats.active_session_count, 1);
    const timers = effectsOf(q.last, 'arm_timer');
    assert.deepEqual(timers.map((t) => t.key).sort(), ['tick', 'timeout:s1']);
    assert.equal(timers.find((t) => t.key === 'timeout:s1')!.at, q.now + 600_000);
    assert.equal(q.last.effects[0]!.type, 'persist', 'persist comes first');
    q.later(1000);
    assert.equal(q.join('s2').position, 2);
    assert.equal(effectsOf(q.last, 'arm_timer').some((t) => t.key === 'tick'), false, 'the tick is armed once, when the first caller enters');
    assert.deepEqual(q.order(), ['s1', 's2']);
  });

  it('priority first (higher served first), FIFO within a priority', () => {
    const q = new QueueHarness().start([]);
    q.join('a', 0);
    q.join('b', 5);
    q.join('c', 0);
    q.join('d', 5);
    q.join('e', 10);
    assert.deepEqual(q.order(), ['e', 'b', 'd', 'a', 'c']);
    assert.equal(q.join('f', 5).position, 4);
  });

  it('FIFO is the order joins were applied, whatever the clock says (a node with a slower clock after a failover)', () => {
    const q = new QueueHarness().start([]);
    q.join('first');
    q.later(-5000); // the next owner's clock is behind
    q.join('second');
    assert.deepEqual(q.order(), ['first', 'second']);
  });

  it('the same session joining again (another input id) answers its place, nothing applied twice', () => {
    const q = new QueueHarness().start([]);
    q.join('s1');
    q.join('s2');
    const before = q.state;
    assert.deepEqual(q.join('s1'), { joined: true, position: 1, estimated_wait: 0 });
    assert.equal(q.state, before);
    assert.deepEqual(q.last.effects, []);
  });

  it('a free member is offered the caller at once, with the queue ring time, wrap-up and lease epoch', () => {
    const q = new QueueHarness().start([R(1)], { ring_timeout: 15, agent_wrapup_time: 30 }).ready(R(1));
    q.join('s1');
    const [offer] = effectsOf(q.last, 'offer');
    assert.ok(offer);
    assert.equal(offer.recipient_id, R(1));
    assert.equal(offer.offer_timeout_seconds, 15);
    assert.equal(offer.wrapup_seconds, 30);
    assert.equal(offer.epoch, 7);
    assert.deepEqual(offer.call, { queue_id: QUEUE, session_id: 's1', caller_id_name: 'Caller', caller_id_number: '+1555', queue_enter_time: Math.floor(q.now / 1000) });
    assert.equal(q.offeredTo('s1'), R(1));
    assert.equal(effectsOf(q.last, 'arm_timer').find((t) => t.key === 'offer:s1')!.at, q.now + 15_000 + 3000);
  });

  describe('timed out at the door', () => {
    it('timeout_if_size_exceeds: with that many callers in the queue, the next is refused full', () => {
      const q = new QueueHarness().start([R(1)], { timeout_if_size_exceeds: 2 });
      q.join('s1');
      q.join('s2');
      assert.deepEqual(q.join('s3'), { joined: false, reason: 'full' });
      assert.deepEqual(eventNames(q.last), [], 'no join or leave: it never entered');
      assert.deepEqual(q.order(), ['s1', 's2']);
      assert.equal(q.status_().service_level.day.turned_away, 1);
      assert.equal(q.status_().stats.total_sessions, 2);
    });

    it('0 = no limit', () => {
      const q = new QueueHarness().start([], { timeout_if_size_exceeds: 0 });
      for (let i = 0; i < 50; i++) q.join(`s${i}`);
      assert.equal(q.s.sessions.length, 50);
    });

    it('timeout_immediately_if_empty: nobody logged in → refused empty; one logged in (even Away) → in', () => {
      const q = new QueueHarness().start([R(1)], { timeout_immediately_if_empty: true });
      assert.deepEqual(q.join('s1'), { joined: false, reason: 'empty' });
      q.away(R(1));
      assert.equal(q.join('s2').joined, true);
    });

    it('without timeout_immediately_if_empty a caller waits in an empty queue', () => {
      const q = new QueueHarness().start([R(1)]);
      assert.equal(q.join('s1').joined, true);
    });

    it('with timeout_redirect the caller goes to the overflow queue, keeping its session', () => {
      const q = new QueueHarness().start([], { timeout_immediately_if_empty: true, timeout_redirect: OVERFLOW });
      const r = q.join('s1', 3);
      assert.deepEqual(r, { joined: false, reason: 'empty', redirected_to: OVERFLOW });
      const [redirect] = effectsOf(q.last, 'redirect_session');
      assert.deepEqual(redirect, {
        type: 'redirect_session',
        session_id: 's1',
        call_id: 'call-of-s1',
        to_queue_id: OVERFLOW,
        join: { session_id: 's1', call_id: 'call-of-s1', caller_id_name: 'Caller', caller_id_number: '+1555', priority: 3, visited: [QUEUE] },
      });
    });

    it('no redirect back to a queue the session already timed out of (overflow loops end)', () => {
      const q = new QueueHarness().start([], { timeout_immediately_if_empty: true, timeout_redirect: OVERFLOW });
      assert.deepEqual(q.join('s1', 0, { visited: [OVERFLOW] }), { joined: false, reason: 'empty' });
      assert.deepEqual(effectsOf(q.last, 'redirect_session'), []);
    });

    it('a refused join is remembered: its redelivery answers the same, the redirect is not sent twice', () => {
      const q = new QueueHarness().start([], { timeout_immediately_if_empty: true, timeout_redirect: OVERFLOW });
      const input = { type: 'join' as const, input_id: 'join-1', session_id: 's1', call_id: 'c1', caller_id_name: '', caller_id_number: '', priority: 0 };
      q.apply(input);
      const again = transition(q.state, input, q.ctx());
      assert.deepEqual(again.effects, []);
      assert.deepEqual(again.reply, q.last.reply);
    });
  });

  it('the estimate a caller is given: 0 with a member free, else the longest wait or the running average', () => {
    const q = new QueueHarness().start([R(1)]);
    q.join('s1');
    q.later(30_000);
    assert.equal(q.join('s2').estimated_wait, 30, 's1 has waited 30 s and nobody is free');
    assert.equal(offersIn(q.last).length, 0);
  });
});
