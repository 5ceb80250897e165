import assert from 'node:assert/strict';
import { NOT_LOGGED_IN_STATUS, recentCommandId, statusOf } from '@qubicle/contracts';
import { RECENT_COMMANDS_KEPT, transition } from '../../src/machine/index.js';
import { NODE, Session, cmd, eventNames, makeCtx, offerCmd } from '../support/machine-fixtures.js';

describe('machine: redelivered commands', () => {
  it('a duplicate command_id is not applied again: same state, no effects, the current status as answer', () => {
    const sess = new Session().login();
    const ready = cmd({ type: 'set_status', status: 'ready' });
    const first = sess.apply(ready);
    sess.later(1_000).apply(cmd({ type: 'set_status', status: 'away' }));
    const before = sess.state;
    const again = sess.later(1_000).apply(ready);
    assert.equal(again.state, before, 'same state object');
    assert.deepEqual(again.effects, []);
    assert.equal(sess.s.availability_state, 'Away', 'not re-applied');
    assert.equal(first.reply.ok && again.reply.ok, true);
    // re-derived from the state, not stored: what the recipient is now
    assert.deepEqual(again.reply, { ok: true, data: statusOf(before, sess.now, NODE), node: NODE, seq: before!.seq });
  });

  it('a redelivered offer is not offered twice and keeps its original answer', () => {
    const sess = new Session().login().ready();
    const offer = offerCmd('call-1');
    const first = sess.apply(offer);
    const again = sess.apply(offer);
    assert.deepEqual(again.reply, first.reply);
    assert.deepEqual(again.reply.ok && again.reply.data, { accepted: true });
    assert.deepEqual(eventNames(again), []);
    assert.equal(sess.s.availability_state, 'Call-Offer');
  });

  it('a redelivered offer after the call moved on still answers accepted and changes nothing', () => {
    const sess = new Session().login().ready();
    const offer = offerCmd('call-1');
    sess.apply(offer);
    sess.answered('call-1');
    const before = sess.state;
    const again = sess.apply(offer);
    assert.equal(again.state, before);
    assert.deepEqual(again.reply.ok && again.reply.data, { accepted: true });
    assert.equal(sess.s.availability_state, 'On-A-Call');
  });

  it('a redelivered login is not a new session', () => {
    const sess = new Session().login();
    const login = cmd({ type: 'login' });
    sess.apply(login);
    const id = sess.s.login_session_id;
    sess.apply(login);
    assert.equal(sess.s.login_session_id, id);
  });

  it(`keeps the last ${RECENT_COMMANDS_KEPT} command ids, and nothing but ids`, () => {
    const sess = new Session().login();
    const first = cmd({ type: 'set_status', status: 'ready' });
    sess.apply(first);
    for (let i = 0; i < RECENT_COMMANDS_KEPT; i++) sess.apply(cmd({ type: 'set_status', status: i % 2 ? 'ready' : 'away' }));
    assert.equal(sess.s.recent_commands.length, RECENT_COMMANDS_KEPT);
    assert.ok(sess.s.recent_commands.every((c) => typeof c === 'string'), 'ids only');
    assert.equal(sess.s.recent_commands.some((c) => recentCommandId(c) === first.command_id), false, 'the oldest was dropped');
    const last = recentCommandId(sess.s.recent_commands.at(-1)!);
    const before = sess.state;
    assert.equal(sess.apply(cmd({ type: 'login' }, { command_id: last })).state, before);
    // every remembered id is still a duplicate
    for (const c of sess.s.recent_commands) {
      const r = transition(sess.state, cmd({ type: 'set_status', status: 'ready' }, { command_id: recentCommandId(c) }), makeCtx({ now: sess.now }));
      assert.equal(r.state, sess.state);
      assert.deepEqual(r.effects, []);
    }
  });

  it('a state written by an earlier version ({id, reply} entries) still dedupes, answering the stored reply', () => {
    const sess = new Session().login();
    const old = { ok: true as const, data: { accepted: true }, node: 'old-node' };
    const legacy = { ...sess.s, recent_commands: [{ id: 'legacy-cmd-1', reply: old }, 'cmd-new-style'] };
    const r = transition(legacy, cmd({ type: 'set_status', status: 'ready' }, { command_id: 'legacy-cmd-1' }), makeCtx({ now: sess.now }));
    assert.equal(r.state, legacy);
    assert.deepEqual(r.effects, []);
    assert.deepEqual(r.reply, old);
    const next = transition(legacy, cmd({ type: 'set_status', status: 'ready' }), makeCtx({ now: sess.now }));
    assert.equal(next.state?.availability_state, 'Ready');
    assert.equal(next.state?.recent_commands.length, 3, 'old entries are kept until they age out');
  });

  it('replies carry the seq their status is at', () => {
    const sess = new Session().login();
    const r = sess.apply(cmd({ type: 'set_status', status: 'ready' }));
    assert.equal(r.reply.ok && r.reply.seq, sess.s.seq);
    const read = sess.apply(cmd({ type: 'get_status' }));
    assert.equal(read.reply.ok && read.reply.seq, sess.s.seq);
  });

  it('get_status is never recorded', () => {
    const sess = new Session().login();
    const get = cmd({ type: 'get_status' });
    sess.apply(get);
    assert.equal(sess.s.recent_commands.some((c) => recentCommandId(c) === get.command_id), false);
  });

  describe('across a logout (the ids the store remembers, ctx.rememberedCommands)', () => {
    /** logout X from a logged-in session; returns the ids the tombstone keeps. */
    function loggedOut(sess: Session, logout = cmd({ type: 'logout' })): string[] {
      const r = sess.apply(logout);
      assert.equal(r.state, null);
      const persist = r.effects.find((e) => e.type === 'persist');
      assert.ok(persist && persist.type === 'persist' && persist.recent_commands, 'a logout hands its ids to the tombstone');
      return persist.recent_commands;
    }

    it('logout X, login Y, the same logout X again: X is a duplicate, the recipient stays logged in', () => {
      const sess = new Session().login().ready();
      const logoutX = cmd({ type: 'logout' });
      const remembered = loggedOut(sess, logoutX);
      assert.equal(remembered.at(-1), logoutX.command_id);
      sess.ctx = makeCtx({ rememberedCommands: remembered });
      const loginY = cmd({ type: 'login' });
      sess.later(1_000).apply(loginY);
      sess.ctx = makeCtx();
      assert.deepEqual(sess.s.recent_commands.slice(-2), [logoutX.command_id, loginY.command_id], 'the new session inherited them');
      const before = sess.state;
      const again = sess.later(1_000).apply(logoutX);
      assert.equal(again.state, before, 'not applied: still logged in');
      assert.deepEqual(again.effects, []);
      assert.equal(again.reply.ok && (again.reply.data as { availability_state: string }).availability_state, 'Away');
    });

    it('while logged out: a replayed login or logout is answered (Not-Logged-In), not applied', () => {
      const sess = new Session();
      const loginA = cmd({ type: 'login' });
      sess.apply(loginA);
      const logoutB = cmd({ type: 'logout' });
      const remembered = loggedOut(sess, logoutB);
      const ctx = makeCtx({ now: sess.now, rememberedCommands: remembered });
      for (const replay of [loginA, logoutB]) {
        const r = transition(null, replay, ctx);
        assert.deepEqual(r, { state: null, effects: [], reply: { ok: true, data: NOT_LOGGED_IN_STATUS, node: NODE } }, replay.type);
      }
      // without the memory (forgotten after RECENT_COMMANDS_TTL_MS), the old login would log in again
      assert.equal(transition(null, loginA, makeCtx({ now: sess.now })).state?.availability_state, 'Away');
      // a new command id is applied as usual
      assert.equal(transition(null, cmd({ type: 'login' }), ctx).state?.availability_state, 'Away');
    });

    it('the count bound (ctx.recentCommandsKept) holds in the state and in the tombstone', () => {
      const sess = new Session(makeCtx({ recentCommandsKept: 3 })).login();
      for (let i = 0; i < 5; i++) sess.apply(cmd({ type: 'set_status', status: i % 2 ? 'ready' : 'away' }));
      assert.equal(sess.s.recent_commands.length, 3);
      const last = recentCommandId(sess.s.recent_commands.at(-1)!);
      const logout = cmd({ type: 'logout' });
      const remembered = loggedOut(sess, logout);
      assert.deepEqual(remembered.slice(-2), [last, logout.command_id]);
      assert.equal(remembered.length, 3);
      const next = transition(null, cmd({ type: 'login' }), makeCtx({ recentCommandsKept: 3, rememberedCommands: remembered }));
      assert.equal(next.state?.recent_commands.length, 3, 'a login inheriting them keeps the bound');
    });

    it('a deferred logout applied by a timer hands the session\'s ids to the tombstone too', () => {
      const sess = new Session().login().ready().offered().answered();
      sess.apply(cmd({ type: 'logout' }));
      sess.hungUp();
      const ids = sess.s.recent_commands.map(recentCommandId);
      const end = sess.apply({ type: 'wrapup_end', deadline: sess.s.wrapup_deadline! });
      assert.equal(end.state, null);
      const persist = end.effects.find((e) => e.type === 'persist');
      assert.deepEqual(persist, { type: 'persist', recent_commands: ids }, 'a timer has no command id of its own');
    });
  });
});
