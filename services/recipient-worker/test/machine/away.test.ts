/**
 * Away reasons (the account's catalogue), timed breaks, a reason's maximum (on_max ready / alert)
 * and the time spent in each state and reason. Pure: the clock is the Session's.
 */
import assert from 'node:assert/strict';
import { awayCatalogueOf, statusOf, upgradeRecipientState, type AwayReason, type RecipientState } from '@qubicle/contracts';
import { timersOf } from '../../src/machine/index.js';
import { QUEUE, Session, T0, assertRefused, cmd, effectsOf, eventNames, events, makeCtx, seconds } from '../support/machine-fixtures.js';

const CATALOGUE: AwayReason[] = [
  { name: 'lunch', label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' },
  { name: 'training', label: 'Training', productive: true },
  { name: 'smoke', label: 'Smoke break', productive: false, max_duration_seconds: 600, on_max: 'alert' },
];
const withCatalogue = () => new Session(makeCtx({ account: { away_reasons: awayCatalogueOf(CATALOGUE) } }));
const away = (extra: { reason?: string; duration_seconds?: number; queue_id?: string } = {}) => cmd({ type: 'set_status', status: 'away', ...extra });
const ready = () => cmd({ type: 'set_status', status: 'ready' });

describe('machine: away reasons', () => {
  it('away with a reason of the catalogue: the status, the event and away_since show it', () => {
    const sess = withCatalogue().login().ready();
    const r = sess.at(60_000).apply(away({ reason: 'training' }));
    assert.deepEqual(eventNames(r), ['away']);
    assert.equal(events(r)[0]!.reason, 'training');
    const status = statusOf(sess.s, T0 + 61_000, 'n');
    assert.equal(status.away_reason, 'training');
    assert.equal(status.away_since, seconds(T0 + 60_000));
    assert.equal(status.away_until, undefined, 'no break, no maximum: nothing sends them back');
  });

  it('an unknown reason is refused (invalid_data, reason.unknown_reason) and changes nothing', () => {
    const sess = withCatalogue().login().ready();
    const before = sess.s;
    const r = sess.apply(away({ reason: 'nap' }), true);
    assertRefused(before, r, 'invalid_data');
    assert.ok(!r.reply.ok && r.reply.error.code === 'invalid_data' && r.reply.error.details?.['reason']?.['unknown_reason']);
  });

  it('without a catalogue only the built-in missed_calls exists', () => {
    const sess = new Session().login().ready();
    assertRefused(sess.s, sess.apply(away({ reason: 'lunch' }), true), 'invalid_data');
    sess.apply(away({ reason: 'missed_calls' }));
    assert.equal(sess.s.away_reason, 'missed_calls');
  });

  it('a new reason while Away starts a new stretch; the same reason again changes nothing', () => {
    const sess = withCatalogue().login().ready();
    sess.at(10_000).apply(away({ reason: 'training' }));
    const same = sess.at(20_000).apply(away({ reason: 'training' }));
    assert.deepEqual(eventNames(same), []);
    assert.equal(sess.s.away_since, seconds(T0 + 10_000));
    const other = sess.at(30_000).apply(away({ reason: 'lunch' }));
    assert.deepEqual(eventNames(other), ['away']);
    assert.equal(sess.s.away_reason, 'lunch');
    assert.equal(sess.s.away_since, seconds(T0 + 30_000));
  });

  it('with queue_id: the reason is checked and told with the queue_status event, the global state is untouched', () => {
    const sess = withCatalogue().login().ready();
    const r = sess.apply(away({ reason: 'training', queue_id: QUEUE }));
    assert.deepEqual(eventNames(r), ['queue_status']);
    assert.equal(events(r)[0]!.reason, 'training');
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.away_reason, null);
    assertRefused(sess.s, sess.apply(away({ reason: 'nap', queue_id: QUEUE }), true), 'invalid_data');
  });

  it('deferred while busy: the reason and break apply when the call ends, the break counted from then', () => {
    const sess = withCatalogue().login().ready().offered('call-1', { wrapup: 0 }).answered('call-1');
    const r = sess.at(5_000).apply(away({ reason: 'training', duration_seconds: 300 }));
    assert.deepEqual(eventNames(r), ['next_state']);
    assert.equal(sess.s.next_state, 'Away');
    const end = sess.at(50_000).apply(cmd({ type: 'hangup', session_id: 'call-1' }));
    assert.deepEqual(eventNames(end), ['hangup', 'away']);
    assert.equal(sess.s.away_reason, 'training');
    assert.equal(sess.s.away_deadline, T0 + 50_000 + 300_000);
    assert.equal(sess.s.pending_away, null);
  });

  it('ready clears the reason, its since and its timers', () => {
    const sess = withCatalogue().login().ready();
    sess.apply(away({ reason: 'lunch', duration_seconds: 60 }));
    const r = sess.later(1_000).apply(ready());
    assert.deepEqual(effectsOf(r, 'cancel_timer').map((e) => e.kind), ['away']);
    assert.equal(sess.s.away_reason, null);
    assert.equal(sess.s.away_since, null);
    assert.equal(sess.s.away_deadline, null);
    assert.equal(statusOf(sess.s, sess.now, 'n').away_since, undefined);
  });
});

describe('machine: timed breaks', () => {
  it('duration_seconds: the break timer is armed, away_until shown, and at its end the recipient is Ready (event ready, reason away_ended)', () => {
    const sess = withCatalogue().login().ready();
    const r = sess.at(10_000).apply(away({ reason: 'training', duration_seconds: 120 }));
    const deadline = T0 + 10_000 + 120_000;
    assert.deepEqual(effectsOf(r, 'arm_timer').map((e) => [e.kind, e.at]), [['away', deadline]]);
    assert.equal(statusOf(sess.s, sess.now, 'n').away_until, Math.ceil(deadline / 1000));
    assert.deepEqual(timersOf(sess.s), [{ kind: 'away', input: { type: 'away_end', deadline } }], 'persisted: re-armed on load');
    const end = sess.at(130_000).apply({ type: 'away_end', deadline });
    assert.deepEqual(eventNames(end), ['ready']);
    assert.equal(events(end)[0]!.reason, 'away_ended');
    assert.equal(sess.s.availability_state, 'Ready');
    assert.equal(sess.s.away_deadline, null);
  });

  it('a stale break timer (the recipient came back, or took another break) is ignored', () => {
    const sess = withCatalogue().login().ready();
    sess.apply(away({ duration_seconds: 60 }));
    const first = sess.s.away_deadline!;
    sess.later(10_000).apply(away({ duration_seconds: 600 }));
    const stale = sess.later(50_000).apply({ type: 'away_end', deadline: first });
    assert.deepEqual(eventNames(stale), []);
    assert.equal(stale.state, sess.all.at(-2)!.state, 'the very same state');
    assert.equal(sess.s.availability_state, 'Away');
  });

  it('a break with no reason works too; logout cancels its timer and the session is stored', () => {
    const sess = withCatalogue().login();
    sess.apply(away({ duration_seconds: 60 }));
    assert.equal(sess.s.away_reason, null);
    const out = sess.later(1_000).apply(cmd({ type: 'logout' }));
    assert.ok(effectsOf(out, 'cancel_timer').some((e) => e.kind === 'away'));
  });
});

describe('machine: a reason\'s maximum duration', () => {
  it('on_max ready: back to Ready at the maximum (the earlier of the maximum and a longer break)', () => {
    const sess = withCatalogue().login().ready();
    sess.at(0).apply(away({ reason: 'lunch', duration_seconds: 7200 }));
    assert.equal(sess.s.away_deadline, T0 + 3_600_000, 'the maximum (1 h) comes before the 2 h break');
    assert.equal(sess.s.away_alert_deadline, null);
    const end = sess.at(3_600_000).apply({ type: 'away_end', deadline: T0 + 3_600_000 });
    assert.deepEqual(eventNames(end), ['ready']);
  });

  it('a shorter break than the maximum ends first', () => {
    const sess = withCatalogue().login().ready();
    sess.at(0).apply(away({ reason: 'lunch', duration_seconds: 600 }));
    assert.equal(sess.s.away_deadline, T0 + 600_000);
  });

  it('on_max alert: stays Away and raises away_alert once, with the reason', () => {
    const sess = withCatalogue().login().ready();
    const r = sess.at(0).apply(away({ reason: 'smoke' }));
    assert.deepEqual(effectsOf(r, 'arm_timer').map((e) => [e.kind, e.at]), [['away_alert', T0 + 600_000]]);
    assert.equal(statusOf(sess.s, sess.now, 'n').away_until, undefined, 'nothing sends them back');
    const alert = sess.at(600_000).apply({ type: 'away_alert', deadline: T0 + 600_000 });
    assert.deepEqual(eventNames(alert), ['away_alert']);
    assert.equal(events(alert)[0]!.reason, 'smoke');
    assert.equal(sess.s.availability_state, 'Away');
    assert.equal(sess.s.away_alert_deadline, null);
    assert.deepEqual(timersOf(sess.s), [], 'not raised again after a reload');
    assert.deepEqual(eventNames(sess.apply({ type: 'away_alert', deadline: T0 + 600_000 })), []);
  });
});

describe('machine: time in each state', () => {
  it('the session record holds the seconds in each state and each away reason', () => {
    const sess = withCatalogue();
    sess.at(0).login(); // Away (no reason) 10 s
    sess.at(10_000).ready(); // Ready 5 s
    sess.at(15_000).offered('call-1', { wrapup: 30 }); // Call-Offer 3 s
    sess.at(18_000).answered('call-1'); // On-A-Call 60 s
    sess.at(78_000).hungUp('call-1'); // Wrapup 30 s
    sess.at(108_000).apply({ type: 'wrapup_end', deadline: sess.s.wrapup_deadline! }); // Ready 2 s
    sess.at(110_000).apply(away({ reason: 'training' })); // training 20 s
    sess.at(130_000).apply(away({ reason: 'lunch' })); // lunch 40 s
    const out = sess.at(170_000).apply(cmd({ type: 'logout' }));
    const [end] = effectsOf(out, 'end_session');
    assert.deepEqual(end!.record.time_in_state, { ready: 7, away: 70, call_offer: 3, on_a_call: 60, wrapup_time: 30 });
    assert.deepEqual(end!.record.time_in_reason, { training: 20, lunch: 40 });
  });

  it('a deferred logout at the end of a call counts the call up to then', () => {
    const sess = withCatalogue();
    sess.at(0).login().ready().offered('call-1', { wrapup: 0 }).answered('call-1');
    sess.at(1_000).apply(cmd({ type: 'logout' }));
    const out = sess.at(41_000).hungUp('call-1').last;
    const [end] = effectsOf(out, 'end_session');
    assert.equal(end!.record.time_in_state!.on_a_call, 41);
  });

  it('nothing that keeps the state and reason touches the totals', () => {
    const sess = withCatalogue().login();
    const mark = sess.s.state_since;
    sess.later(5_000).apply(away({ queue_id: QUEUE }));
    assert.equal(sess.s.state_since, mark);
    assert.deepEqual(sess.s.time_in_state, { ready: 0, away: 0, call_offer: 0, on_a_call: 0, wrapup_time: 0 });
  });
});

describe('machine: a state written before away reasons and time in each state', () => {
  it('is completed on load (upgradeRecipientState) and then accounted from then on', () => {
    const sess = withCatalogue().login().ready();
    const old = structuredClone(sess.s) as Partial<RecipientState>;
    for (const k of ['away_since', 'away_deadline', 'away_alert_deadline', 'pending_away', 'state_since', 'time_in_state', 'time_in_reason'] as const) delete old[k];
    sess.state = upgradeRecipientState(old as RecipientState, T0 + 5_000);
    assert.equal(sess.s.state_since, T0 + 5_000);
    assert.deepEqual(timersOf(sess.s), []);
    sess.at(15_000).apply(away({ reason: 'training' }));
    const out = sess.at(25_000).apply(cmd({ type: 'logout' }));
    const [end] = effectsOf(out, 'end_session');
    assert.deepEqual(end!.record.time_in_state, { ready: 10, away: 10, call_offer: 0, on_a_call: 0, wrapup_time: 0 });
    assert.deepEqual(end!.record.time_in_reason, { training: 10 });
  });
});
