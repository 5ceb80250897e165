import assert from 'node:assert/strict';
import { MAX_QUEUES_PER_RECIPIENT } from '@qubicle/contracts';
import { Session, QUEUE, QUEUE2, T0, cmd, eventNames, events, assertRefused, seconds } from '../support/machine-fixtures.js';

const ready = () => cmd({ type: 'set_status', status: 'ready' });
const away = () => cmd({ type: 'set_status', status: 'away' });

describe('machine: ready / away', () => {
  it('Away → Ready → Away, each a state change with an event and last_action_time = now', () => {
    const sess = new Session().login();
    let r = sess.at(10_000).apply(ready());
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(eventNames(r), ['ready']);
    assert.equal(events(r)[0]!.status.available, true);
    assert.equal(sess.s.stats.last_action_time, seconds(T0 + 10_000));
    r = sess.at(20_000).apply(away());
    assert.equal(sess.s.availability_state, 'Away');
    assert.deepEqual(eventNames(r), ['away']);
    assert.equal(events(r)[0]!.status.available, false);
    assert.equal(sess.s.stats.last_action_time, seconds(T0 + 20_000));
  });

  it('asking for the current state is a success with no event and no state change', () => {
    const sess = new Session().login().ready();
    const stamp = sess.s.stats.last_action_time;
    const r = sess.later(5_000).apply(ready());
    assert.deepEqual(eventNames(r), []);
    assert.equal(sess.s.stats.last_action_time, stamp);
    sess.apply(away());
    const r2 = sess.apply(away());
    assert.deepEqual(eventNames(r2), []);
    assert.equal(sess.s.availability_state, 'Away');
  });

  it('each event increments seq by one', () => {
    const sess = new Session().login();
    const s0 = sess.s.seq;
    sess.ready();
    assert.equal(sess.s.seq, s0 + 1);
    sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: QUEUE }));
    assert.equal(sess.s.seq, s0 + 2);
    sess.ready();
    assert.equal(sess.s.seq, s0 + 2, 'no event, no seq');
  });

  it('with queue_id: only that queue flag changes, availability stays', () => {
    const sess = new Session().login().ready();
    const r = sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: QUEUE }));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(sess.s.queue_availability, { [QUEUE]: false });
    assert.deepEqual(eventNames(r), ['queue_status']);
    assert.equal(events(r)[0]!.queue_id, QUEUE);
    assert.deepEqual(events(r)[0]!.status.queue_availability, { [QUEUE]: false });
    sess.apply(cmd({ type: 'set_status', status: 'ready', queue_id: QUEUE2 }));
    assert.deepEqual(sess.s.queue_availability, { [QUEUE]: false, [QUEUE2]: true });
    const same = sess.apply(cmd({ type: 'set_status', status: 'ready', queue_id: QUEUE2 }));
    assert.deepEqual(eventNames(same), []);
  });

  it('queue flags can change while busy, and are not deferred', () => {
    const sess = new Session().login().ready().offered().answered();
    sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: QUEUE2 }));
    assert.deepEqual(sess.s.queue_availability, { [QUEUE2]: false });
    assert.equal(sess.s.next_state, null);
  });

  it('a global status does not touch queue flags', () => {
    const sess = new Session().login();
    sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: QUEUE }));
    sess.ready();
    sess.apply(away());
    assert.deepEqual(sess.s.queue_availability, { [QUEUE]: false });
  });

  for (const busy of ['Call-Offer', 'On-A-Call', 'Wrapup-Time'] as const) {
    it(`during ${busy}: away/ready are deferred into next_state (the last one wins)`, () => {
      const sess = new Session().login().ready().offered();
      if (busy !== 'Call-Offer') sess.answered();
      if (busy === 'Wrapup-Time') sess.hungUp();
      assert.equal(sess.s.availability_state, busy);
      let r = sess.apply(away());
      assert.equal(sess.s.availability_state, busy);
      assert.equal(sess.s.next_state, 'Away');
      assert.deepEqual(eventNames(r), ['next_state']);
      assert.equal(events(r)[0]!.status.next_state, 'Away');
      r = sess.apply(away());
      assert.deepEqual(eventNames(r), [], 'same deferred state again: nothing new');
      r = sess.apply(ready());
      assert.equal(sess.s.next_state, 'Ready');
      assert.deepEqual(eventNames(r), ['next_state']);
    });
  }

  it('ready after a deferred logout replaces it', () => {
    const sess = new Session().login().ready().offered().answered();
    sess.apply(cmd({ type: 'logout' }));
    sess.apply(away());
    assert.equal(sess.s.next_state, 'Away');
    sess.hungUp();
    sess.apply(cmd({ type: 'wrapup_cancel' }));
    assert.equal(sess.s.availability_state, 'Away');
  });

  it('away asked by the recipient clears a system away reason', () => {
    const sess = new Session(new Session().ctx);
    sess.ctx = { ...sess.ctx, account: { missed_call_threshold: 1, pro: false } };
    sess.login().ready().offered();
    sess.apply(cmd({ type: 'reject', session_id: 'call-1' }));
    assert.equal(sess.s.away_reason, 'missed_calls');
    const r = sess.apply(away());
    assert.equal(sess.s.away_reason, null);
    assert.deepEqual(eventNames(r), ['away']);
    sess.ready();
    assert.equal(sess.s.away_reason, null);
  });

  it(`at most ${MAX_QUEUES_PER_RECIPIENT} queue flags: a new queue past it is refused (400), known ones still change (issue 11)`, () => {
    const sess = new Session().login();
    const queue = (i: number) => i.toString(16).padStart(32, 'c');
    for (let i = 0; i < MAX_QUEUES_PER_RECIPIENT; i++) sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: queue(i) }));
    const before = sess.s;
    const r = sess.apply(cmd({ type: 'set_status', status: 'away', queue_id: queue(MAX_QUEUES_PER_RECIPIENT) }), true);
    assertRefused(before, r, 'invalid_data');
    assert.equal(Object.keys(sess.s.queue_availability).length, MAX_QUEUES_PER_RECIPIENT);
    sess.apply(cmd({ type: 'set_status', status: 'ready', queue_id: queue(0) }));
    assert.equal(sess.s.queue_availability[queue(0)], true);
  });
});
