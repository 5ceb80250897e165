import assert from 'node:assert/strict';
import { transition } from '../../src/machine/index.js';
import {
  NODE,
  OTHER,
  QUEUE,
  QUEUE2,
  Session,
  T0,
  call,
  cmd,
  effectsOf,
  eventNames,
  events,
  makeCtx,
  monitorInput,
  offerCmd,
  seconds,
} from '../support/machine-fixtures.js';

const refusalOf = (r: ReturnType<typeof transition>) => {
  assert.equal(r.reply.ok, true, 'an offer refusal is an answer, not an error');
  return r.reply.ok ? (r.reply.data as { accepted: boolean; reason?: string }) : null;
};

describe('machine: offer eligibility', () => {
  it('not logged in → not_logged_in', () => {
    const r = transition(null, offerCmd(), makeCtx());
    assert.deepEqual(refusalOf(r), { accepted: false, reason: 'not_logged_in' });
    assert.equal(r.state, null);
    assert.deepEqual(r.effects, []);
  });

  it('Away → not_ready, nothing changes', () => {
    const sess = new Session().login();
    const before = sess.state;
    const r = sess.apply(offerCmd());
    assert.deepEqual(refusalOf(r), { accepted: false, reason: 'not_ready' });
    assert.equal(r.state, before);
    assert.deepEqual(r.effects, []);
  });

  it('queue flag false → not_available_for_queue; another queue is still fine', () => {
    const sess = new Session().login().ready();
    sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: QUEUE }));
    const before = sess.state;
    const r = sess.apply(offerCmd('call-1', { queueId: QUEUE }));
    assert.deepEqual(refusalOf(r), { accepted: false, reason: 'not_available_for_queue' });
    assert.equal(r.state, before);
    sess.offered('call-2', { queueId: QUEUE2 });
    assert.equal(sess.s.availability_state, 'Call-Offer');
  });

  it('queue flag true while globally Away is still not_ready (the queue flag only narrows)', () => {
    const sess = new Session().login();
    sess.apply(cmd({ type: 'set_status', status: 'ready', queue_id: QUEUE }));
    assert.deepEqual(refusalOf(sess.apply(offerCmd())), { accepted: false, reason: 'not_ready' });
  });

  for (const busy of ['Call-Offer', 'On-A-Call', 'Wrapup-Time'] as const) {
    it(`${busy} → busy`, () => {
      const sess = new Session().login().ready().offered();
      if (busy !== 'Call-Offer') sess.answered();
      if (busy === 'Wrapup-Time') sess.hungUp();
      const before = sess.state;
      const r = sess.apply(offerCmd('call-9'));
      assert.deepEqual(refusalOf(r), { accepted: false, reason: 'busy' });
      assert.equal(r.state, before);
    });
  }

  it('Ready but wiretapping → wiretapping', () => {
    const sess = new Session().login().ready();
    sess.apply(monitorInput(OTHER));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(refusalOf(sess.apply(offerCmd())), { accepted: false, reason: 'wiretapping' });
  });
});

describe('machine: offer → answer / reject / timeout / withdraw', () => {
  it('an eligible offer → Call-Offer with the call, the offer timer and an offer event', () => {
    const sess = new Session().login().ready().at(1_000);
    const r = sess.apply(offerCmd('call-1', { timeout: 15, wrapup: 45 }));
    assert.deepEqual(r.reply, { ok: true, data: { accepted: true }, node: NODE, seq: sess.s.seq });
    const s = sess.s;
    assert.equal(s.availability_state, 'Call-Offer');
    assert.deepEqual(s.offered_call, call('call-1'));
    assert.equal(s.offer_deadline, T0 + 1_000 + 15_000);
    assert.equal(s.wrapup_seconds, 45);
    assert.equal(s.stats.last_action_time, seconds(T0 + 1_000));
    assert.deepEqual(eventNames(r), ['offer']);
    assert.deepEqual(events(r)[0]!.call, call('call-1'));
    assert.deepEqual(events(r)[0]!.status.offered_call, call('call-1'));
    assert.deepEqual(effectsOf(r, 'arm_timer'), [
      { type: 'arm_timer', kind: 'offer', at: T0 + 16_000, input: { type: 'offer_timeout', session_id: 'call-1', deadline: T0 + 16_000 } },
    ]);
  });

  it('answer (same session) → On-A-Call: total_calls+1, last_handled_time = now, streak reset, delivered', () => {
    const sess = new Session(makeCtx({ account: { missed_call_threshold: 3 } })).login().ready().offered();
    sess.apply(cmd({ type: 'reject', session_id: 'call-1' }));
    assert.equal(sess.s.consecutive_misses, 1);
    sess.offered('call-2');
    const r = sess.at(7_000).apply(cmd({ type: 'answer', session_id: 'call-2' }));
    const s = sess.s;
    assert.equal(s.availability_state, 'On-A-Call');
    assert.equal(s.offered_call, null);
    assert.equal(s.offer_deadline, null);
    assert.deepEqual(s.handling_call, call('call-2'));
    assert.equal(s.answered_at, T0 + 7_000);
    assert.equal(s.stats.total_calls, 1);
    assert.equal(s.stats.last_handled_time, seconds(T0 + 7_000));
    assert.equal(s.consecutive_misses, 0);
    assert.deepEqual(eventNames(r), ['delivered']);
    assert.deepEqual(effectsOf(r, 'cancel_timer'), [{ type: 'cancel_timer', kind: 'offer' }]);
  });

  it('reject → Ready, missed_calls+1, reject then ready events', () => {
    const sess = new Session().login().ready().offered();
    const r = sess.apply(cmd({ type: 'reject', session_id: 'call-1' }));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.offered_call, null);
    assert.equal(sess.s.stats.missed_calls, 1);
    assert.equal(sess.s.stats.total_calls, 0);
    assert.deepEqual(eventNames(r), ['reject', 'ready']);
    assert.deepEqual(events(r)[0]!.call, call('call-1'));
    assert.deepEqual(effectsOf(r, 'cancel_timer'), [{ type: 'cancel_timer', kind: 'offer' }]);
  });

  it('offer timeout at the deadline → a miss (miss event), back to Ready', () => {
    const sess = new Session().login().ready().offered('call-1', { timeout: 20 });
    const deadline = sess.s.offer_deadline!;
    const r = sess.at(20_000).apply({ type: 'offer_timeout', session_id: 'call-1', deadline });
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.stats.missed_calls, 1);
    assert.equal(sess.s.consecutive_misses, 1);
    assert.deepEqual(eventNames(r), ['miss', 'ready']);
  });

  it('a stale offer timer (other session, other deadline, offer over) is ignored', () => {
    const sess = new Session().login().ready().offered('call-1');
    const deadline = sess.s.offer_deadline!;
    for (const stale of [
      { type: 'offer_timeout' as const, session_id: 'call-0', deadline },
      { type: 'offer_timeout' as const, session_id: 'call-1', deadline: deadline - 1 },
    ]) {
      const before = sess.state;
      const r = sess.apply(stale);
      assert.equal(r.state, before);
      assert.deepEqual(r.effects, []);
    }
    sess.answered();
    const before = sess.state;
    const r = sess.apply({ type: 'offer_timeout', session_id: 'call-1', deadline });
    assert.equal(r.state, before);
    assert.deepEqual(r.effects, []);
    assert.equal(sess.s.availability_state, 'On-A-Call');
    assert.equal(transition(null, { type: 'offer_timeout', session_id: 'call-1', deadline }, makeCtx()).state, null);
  });

  it('a deadline that passed while nobody owned the shard is applied when the timer input arrives late', () => {
    const sess = new Session().login().ready().offered('call-1', { timeout: 20 });
    const deadline = sess.s.offer_deadline!;
    const r = sess.at(300_000).apply({ type: 'offer_timeout', session_id: 'call-1', deadline });
    assert.deepEqual(eventNames(r), ['miss', 'ready']);
    assert.equal(sess.s.stats.last_action_time, seconds(T0 + 300_000));
  });

  it('withdraw → Ready, not a miss, with the reason', () => {
    const sess = new Session().login().ready().offered();
    const r = sess.apply(cmd({ type: 'withdraw', session_id: 'call-1', reason: 'answered_elsewhere' }));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.stats.missed_calls, 0);
    assert.equal(sess.s.consecutive_misses, 0);
    assert.deepEqual(eventNames(r), ['withdraw', 'ready']);
    assert.equal(events(r)[0]!.reason, 'answered_elsewhere');
    assert.deepEqual(effectsOf(r, 'cancel_timer'), [{ type: 'cancel_timer', kind: 'offer' }]);
  });

  it('after reject / timeout / withdraw the deferred next state applies (away)', () => {
    for (const end of ['reject', 'timeout', 'withdraw'] as const) {
      const sess = new Session().login().ready().offered();
      sess.apply(cmd({ type: 'set_status', status: 'away' }));
      const deadline = sess.s.offer_deadline!;
      const r =
        end === 'reject'
          ? sess.apply(cmd({ type: 'reject', session_id: 'call-1' }))
          : end === 'timeout'
            ? sess.apply({ type: 'offer_timeout', session_id: 'call-1', deadline })
            : sess.apply(cmd({ type: 'withdraw', session_id: 'call-1' }));
      assert.equal(sess.s.availability_state, 'Away', end);
      assert.equal(sess.s.next_state, null, end);
      assert.equal(sess.s.away_reason, null, end);
      assert.equal(eventNames(r).at(-1), 'away', end);
    }
  });
});

describe('machine: missed-call threshold', () => {
  it('N consecutive misses → Away with away_reason missed_calls', () => {
    const sess = new Session(makeCtx({ account: { missed_call_threshold: 2 } })).login().ready();
    sess.offered('call-1');
    sess.apply(cmd({ type: 'reject', session_id: 'call-1' }));
    assert.equal(sess.s.availability_state, 'Ready');
    sess.offered('call-2');
    const deadline = sess.s.offer_deadline!;
    const r = sess.apply({ type: 'offer_timeout', session_id: 'call-2', deadline });
    assert.equal(sess.s.availability_state, 'Away');
    assert.equal(sess.s.away_reason, 'missed_calls');
    assert.equal(sess.s.stats.missed_calls, 2);
    assert.deepEqual(eventNames(r), ['miss', 'away']);
    assert.equal(events(r)[1]!.reason, 'missed_calls');
    assert.equal(events(r)[1]!.status.away_reason, 'missed_calls');
  });

  it('an answered call breaks the streak; a withdraw does not count', () => {
    const sess = new Session(makeCtx({ account: { missed_call_threshold: 2 } })).login().ready();
    sess.offered('c1');
    sess.apply(cmd({ type: 'reject', session_id: 'c1' }));
    sess.offered('c2');
    sess.apply(cmd({ type: 'withdraw', session_id: 'c2' }));
    assert.equal(sess.s.consecutive_misses, 1);
    sess.offered('c3').answered('c3').hungUp('c3');
    sess.apply(cmd({ type: 'wrapup_cancel' }));
    sess.offered('c4');
    sess.apply(cmd({ type: 'reject', session_id: 'c4' }));
    assert.equal(sess.s.availability_state, 'Ready');
  });

  it('0 disables the policy', () => {
    const sess = new Session(makeCtx({ account: { missed_call_threshold: 0 } })).login().ready();
    for (let i = 0; i < 10; i++) {
      sess.offered(`c${i}`);
      sess.apply(cmd({ type: 'reject', session_id: `c${i}` }));
    }
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.stats.missed_calls, 10);
  });

  it('going Away for missed calls resets the streak', () => {
    const sess = new Session(makeCtx({ account: { missed_call_threshold: 1 } })).login().ready().offered();
    sess.apply(cmd({ type: 'reject', session_id: 'call-1' }));
    assert.equal(sess.s.consecutive_misses, 0);
    sess.ready();
    assert.equal(sess.s.availability_state, 'Ready');
  });
});
