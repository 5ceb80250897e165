import assert from 'node:assert/strict';
import { recentCommandId, statusOf } from '@qubicle/contracts';
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
});
