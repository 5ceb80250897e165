import assert from 'node:assert/strict';
import { NOT_LOGGED_IN_STATUS } from '@qubicle/contracts';
import { firstSeqOfSession, transition } from '../../src/machine/index.js';
import { ACCOUNT, NODE, RECIPIENT, Session, T0, cmd, effectsOf, eventNames, events, makeCtx, seconds } from '../support/machine-fixtures.js';

describe('machine: login', () => {
  it('Not-Logged-In → Away with login_time = now, fresh stats, a new session id and a create event', () => {
    const sess = new Session().at(5_000);
    const r = sess.apply(cmd({ type: 'login' }));
    const s = sess.s;
    assert.equal(s.availability_state, 'Away');
    assert.equal(s.login_session_id, 'session-1');
    assert.equal(s.account_id, ACCOUNT);
    assert.equal(s.recipient_id, RECIPIENT);
    assert.deepEqual(s.stats, {
      total_calls: 0,
      missed_calls: 0,
      avg_call_time: 0,
      login_time: seconds(T0 + 5_000),
      last_action_time: seconds(T0 + 5_000),
      last_handled_time: 0,
    });
    assert.deepEqual(s.queue_availability, {});
    assert.equal(s.next_state, null);
    assert.deepEqual(eventNames(r), ['create']);
    assert.equal(events(r)[0]!.seq, firstSeqOfSession(T0 + 5_000) + 1);
    assert.equal(s.seq, events(r)[0]!.seq);
    assert.equal(events(r)[0]!.status.availability_state, 'Away');
    assert.equal(r.reply.ok && (r.reply.data as { availability_state: string }).availability_state, 'Away');
    assert.equal(r.reply.node, NODE);
    assert.deepEqual(effectsOf(r, 'persist'), [{ type: 'persist' }]);
  });

  it('a later login numbers its events above every event of an earlier one', () => {
    const sess = new Session().login();
    for (let i = 0; i < 5; i++) sess.later(1).ready().later(1).apply(cmd({ type: 'set_status', status: 'away' }));
    const lastOfFirst = sess.s.seq;
    sess.later(1).apply(cmd({ type: 'logout' }));
    const r = sess.later(1).apply(cmd({ type: 'login' }));
    assert.ok(events(r)[0]!.seq > lastOfFirst + 1);
  });

  it('is idempotent when already logged in: same session, no event, recorded', () => {
    const sess = new Session().login().ready();
    const before = structuredClone(sess.s);
    const r = sess.later(60_000).apply(cmd({ type: 'login' }));
    assert.deepEqual(eventNames(r), []);
    assert.equal(sess.s.login_session_id, before.login_session_id);
    assert.equal(sess.s.availability_state, 'Ready');
    assert.deepEqual(sess.s.stats, before.stats);
    assert.equal(sess.s.recent_commands.length, before.recent_commands.length + 1);
  });

  it('calls off a logout deferred during a call', () => {
    const sess = new Session().login().ready().offered().answered();
    sess.apply(cmd({ type: 'logout' }));
    assert.equal(sess.s.next_state, 'Not-Logged-In');
    const r = sess.apply(cmd({ type: 'login' }));
    assert.equal(sess.s.next_state, null);
    assert.deepEqual(eventNames(r), ['next_state']);
    sess.hungUp();
    assert.equal(sess.s.availability_state, 'Wrapup-Time');
  });
});

describe('machine: logout', () => {
  it('from Ready: state null, delete event with final stats, end_session record', () => {
    const sess = new Session().login().ready();
    const loginSession = sess.s.login_session_id;
    const applied = [...sess.s.recent_commands];
    const logoutCmd = cmd({ type: 'logout', reason: 'shift over' });
    const r = sess.at(90_000).apply(logoutCmd);
    assert.equal(r.state, null);
    assert.deepEqual(eventNames(r), ['delete']);
    const del = events(r)[0]!;
    assert.deepEqual(del.status, NOT_LOGGED_IN_STATUS);
    assert.equal(del.reason, 'shift over');
    assert.equal(del.final_stats?.last_action_time, seconds(T0 + 90_000));
    const [end] = effectsOf(r, 'end_session');
    assert.ok(end);
    assert.equal(end.record.login_session_id, loginSession);
    assert.equal(end.record.login_time, seconds(T0));
    assert.equal(end.record.logout_time, seconds(T0 + 90_000));
    assert.equal(end.record.node, NODE);
    assert.equal(end.record.reason, 'shift over');
    assert.deepEqual(end.record.stats, del.final_stats);
    // the tombstone remembers the session's command ids, the logout's own included
    assert.deepEqual(effectsOf(r, 'persist'), [{ type: 'persist', recent_commands: [...applied, logoutCmd.command_id] }]);
    assert.deepEqual(r.reply, { ok: true, data: NOT_LOGGED_IN_STATUS, node: NODE, seq: del.seq });
  });

  it('from Away: logged out at once', () => {
    const sess = new Session().login();
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.equal(r.state, null);
    assert.deepEqual(eventNames(r), ['delete']);
  });

  it('when not logged in: idempotent success, nothing happens (a redelivered logout is not an error)', () => {
    const r = transition(null, cmd({ type: 'logout' }), makeCtx());
    assert.deepEqual(r, { state: null, effects: [], reply: { ok: true, data: NOT_LOGGED_IN_STATUS, node: NODE } });
  });

  it('during Call-Offer: withdraws the offer (not a miss) and logs out at once', () => {
    const sess = new Session().login().ready().offered();
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.equal(r.state, null);
    assert.deepEqual(eventNames(r), ['withdraw', 'delete']);
    assert.equal(events(r)[0]!.reason, 'logout');
    assert.equal(events(r)[0]!.call?.session_id, 'call-1');
    assert.deepEqual(effectsOf(r, 'cancel_timer'), [{ type: 'cancel_timer', kind: 'offer' }]);
    assert.equal(effectsOf(r, 'end_session')[0]!.record.stats.missed_calls, 0);
  });

  it('during On-A-Call: deferred as next_state, applied at hangup (no wrap-up)', () => {
    const sess = new Session().login().ready().offered('call-1', { wrapup: 0 }).answered();
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.equal(sess.s.availability_state, 'On-A-Call');
    assert.equal(sess.s.next_state, 'Not-Logged-In');
    assert.deepEqual(eventNames(r), ['next_state']);
    assert.equal(events(r)[0]!.status.next_state, 'Not-Logged-In');
    const h = sess.later(10_000).apply(cmd({ type: 'hangup', session_id: 'call-1' }));
    assert.equal(h.state, null);
    assert.deepEqual(eventNames(h), ['hangup', 'delete']);
    assert.equal(effectsOf(h, 'end_session')[0]!.record.stats.total_calls, 1);
  });

  it('during Wrapup-Time: deferred, applied when the wrap-up ends; timers cancelled', () => {
    const sess = new Session().login().ready().offered().answered().hungUp();
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.equal(sess.s.availability_state, 'Wrapup-Time');
    assert.equal(sess.s.next_state, 'Not-Logged-In');
    assert.deepEqual(eventNames(r), ['next_state']);
    const end = sess.apply(cmd({ type: 'wrapup_cancel' }));
    assert.equal(end.state, null);
    assert.deepEqual(eventNames(end), ['wrapup_end', 'delete']);
  });

  it('a second logout while one is deferred changes nothing more', () => {
    const sess = new Session().login().ready().offered().answered();
    sess.apply(cmd({ type: 'logout' }));
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.deepEqual(eventNames(r), []);
    assert.equal(sess.s.next_state, 'Not-Logged-In');
  });

  it('while monitoring: the wiretap is stopped first', () => {
    const sess = new Session().login();
    sess.apply({ ...cmd({ type: 'monitor', target_id: 'b0000000000000000000000000000009', mode: 'whisper' }), context: { actor_can_monitor: true, target_in_account: true, target_logged_in: true } });
    const r = sess.apply(cmd({ type: 'logout' }));
    assert.deepEqual(eventNames(r), ['wiretap_stop', 'delete']);
    assert.deepEqual(effectsOf(r, 'wiretap'), [{ type: 'wiretap', action: 'stop', target_id: 'b0000000000000000000000000000009', mode: 'whisper' }]);
  });
});

describe('machine: get_status', () => {
  it('is a pure read, never recorded', () => {
    const sess = new Session().login();
    const before = sess.state;
    const r = sess.later(3_000).apply(cmd({ type: 'get_status' }));
    assert.equal(r.state, before);
    assert.deepEqual(r.effects, []);
    assert.equal(r.reply.ok && (r.reply.data as { availability_state: string }).availability_state, 'Away');
  });

  it('answers Not-Logged-In when there is no state', () => {
    const r = transition(null, cmd({ type: 'get_status' }), makeCtx());
    assert.deepEqual(r.reply, { ok: true, data: NOT_LOGGED_IN_STATUS, node: NODE });
  });
});
