import assert from 'node:assert/strict';
import { averageCallTime } from '../../src/machine/index.js';
import { Session, T0, call, cmd, effectsOf, eventNames, events, seconds } from '../support/machine-fixtures.js';

describe('machine: hangup and wrap-up', () => {
  it('hangup → Wrapup-Time for the queue wrap-up; talk time feeds avg_call_time', () => {
    const sess = new Session().login().ready().offered('call-1', { wrapup: 30 }).at(10_000).answered();
    const r = sess.at(10_000 + 62_340).apply(cmd({ type: 'hangup', session_id: 'call-1' }));
    const s = sess.s;
    assert.equal(s.availability_state, 'Wrapup-Time');
    assert.equal(s.handling_call, null);
    assert.equal(s.answered_at, null);
    assert.equal(s.total_talk_ms, 62_340);
    assert.equal(s.stats.avg_call_time, 62.3);
    assert.equal(s.wrapup_deadline, T0 + 72_340 + 30_000);
    assert.equal(s.stats.last_action_time, seconds(T0 + 72_340));
    assert.deepEqual(eventNames(r), ['hangup', 'wrapup']);
    assert.deepEqual(events(r)[0]!.call, call('call-1'));
    assert.equal(events(r)[1]!.status.wrapup_time_seconds, 30);
    assert.deepEqual(effectsOf(r, 'arm_timer'), [
      { type: 'arm_timer', kind: 'wrapup', at: T0 + 102_340, input: { type: 'wrapup_end', deadline: T0 + 102_340 } },
    ]);
  });

  it('avg_call_time is total talk / calls, in seconds with one decimal', () => {
    assert.equal(averageCallTime(0, 0), 0);
    assert.equal(averageCallTime(10_000, 1), 10);
    assert.equal(averageCallTime(10_000 + 5_050, 2), 7.5);
    assert.equal(averageCallTime(1_000, 3), 0.3);
    const sess = new Session().login().ready();
    sess.offered('c1', { wrapup: 0 }).answered('c1').later(10_000).hungUp('c1');
    sess.offered('c2', { wrapup: 0 }).answered('c2').later(5_000).hungUp('c2');
    assert.equal(sess.s.stats.total_calls, 2);
    assert.equal(sess.s.stats.avg_call_time, 7.5);
  });

  it('wrap-up 0 → straight to the next state (Ready by default)', () => {
    const sess = new Session().login().ready().offered('call-1', { wrapup: 0 }).answered();
    const r = sess.apply(cmd({ type: 'hangup', session_id: 'call-1' }));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.wrapup_deadline, null);
    assert.deepEqual(eventNames(r), ['hangup', 'ready']);
    assert.deepEqual(effectsOf(r, 'arm_timer'), []);
  });

  it('wrap-up 0 with away deferred → Away', () => {
    const sess = new Session().login().ready().offered('call-1', { wrapup: 0 }).answered();
    sess.apply(cmd({ type: 'set_status', status: 'away' }));
    sess.hungUp();
    assert.equal(sess.s.availability_state, 'Away');
    assert.equal(sess.s.next_state, null);
  });

  it('the wrap-up timer ends wrap-up → Ready', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    const deadline = sess.s.wrapup_deadline!;
    const r = sess.at(deadline - T0).apply({ type: 'wrapup_end', deadline });
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.wrapup_deadline, null);
    assert.deepEqual(eventNames(r), ['wrapup_end', 'ready']);
    assert.equal(events(r)[0]!.reason, 'timer');
  });

  it('the wrap-up end applies a deferred away', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    sess.apply(cmd({ type: 'set_status', status: 'away' }));
    const deadline = sess.s.wrapup_deadline!;
    const r = sess.apply({ type: 'wrapup_end', deadline });
    assert.equal(sess.s.availability_state, 'Away');
    assert.deepEqual(eventNames(r), ['wrapup_end', 'away']);
  });

  it('wrapup_cancel ends it now and cancels the timer', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    const r = sess.apply(cmd({ type: 'wrapup_cancel' }));
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(eventNames(r), ['wrapup_end', 'ready']);
    assert.equal(events(r)[0]!.reason, 'cancelled');
    assert.deepEqual(effectsOf(r, 'cancel_timer'), [{ type: 'cancel_timer', kind: 'wrapup' }]);
  });

  it('wrapup_extend resets the time left to the full amount of that call\'s queue', () => {
    const sess = new Session().login().ready().offered('call-1', { wrapup: 60 }).answered().at(100_000).hungUp();
    const first = sess.s.wrapup_deadline!;
    assert.equal(first, T0 + 160_000);
    const r = sess.at(150_000).apply(cmd({ type: 'wrapup_extend' }));
    assert.equal(sess.s.availability_state, 'Wrapup-Time');
    assert.equal(sess.s.wrapup_deadline, T0 + 210_000);
    assert.deepEqual(eventNames(r), ['wrapup']);
    assert.equal(events(r)[0]!.status.wrapup_time_seconds, 60);
    assert.deepEqual(effectsOf(r, 'arm_timer'), [
      { type: 'arm_timer', kind: 'wrapup', at: T0 + 210_000, input: { type: 'wrapup_end', deadline: T0 + 210_000 } },
    ]);
    // the timer armed for the old deadline is now stale
    const stale = sess.apply({ type: 'wrapup_end', deadline: first });
    assert.deepEqual(stale.effects, []);
    assert.equal(sess.s.availability_state, 'Wrapup-Time');
  });

  it('wrapup_time_seconds counts down (rounded up) and is 0 outside wrap-up', async () => {
    const { statusOf } = await import('@qubicle/contracts');
    const sess = new Session().login().ready().offered('call-1', { wrapup: 30 }).answered().hungUp();
    const s = sess.s;
    assert.equal(statusOf(s, sess.now + 10_500, 'n').wrapup_time_seconds, 20);
    sess.apply(cmd({ type: 'wrapup_cancel' }));
    assert.equal(statusOf(sess.s, sess.now, 'n').wrapup_time_seconds, 0);
  });

  it('a stale wrap-up timer after the wrap-up ended is ignored', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    const deadline = sess.s.wrapup_deadline!;
    sess.apply(cmd({ type: 'wrapup_cancel' }));
    const before = sess.state;
    const r = sess.apply({ type: 'wrapup_end', deadline });
    assert.equal(r.state, before);
    assert.deepEqual(r.effects, []);
  });

  it('a wrap-up deadline that passed while unloaded is applied when the timer input arrives late', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    const deadline = sess.s.wrapup_deadline!;
    const r = sess.at(3_600_000).apply({ type: 'wrapup_end', deadline });
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(eventNames(r), ['wrapup_end', 'ready']);
    assert.equal(sess.s.stats.last_action_time, seconds(T0 + 3_600_000));
  });

  it('a wrap-up that ends with a deferred logout logs out', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    sess.apply(cmd({ type: 'logout' }));
    const deadline = sess.s.wrapup_deadline!;
    const r = sess.apply({ type: 'wrapup_end', deadline });
    assert.equal(r.state, null);
    assert.deepEqual(eventNames(r), ['wrapup_end', 'delete']);
    assert.equal(effectsOf(r, 'end_session')[0]!.record.reason, 'deferred_logout');
  });
});
