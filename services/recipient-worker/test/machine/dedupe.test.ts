import assert from 'node:assert/strict';
import { RECENT_COMMANDS_KEPT } from '../../src/machine/index.js';
import { Session, cmd, eventNames, offerCmd } from '../support/machine-fixtures.js';

describe('machine: redelivered commands', () => {
  it('a duplicate command_id returns the stored reply, unchanged, with no effects', () => {
    const sess = new Session().login();
    const ready = cmd({ type: 'set_status', status: 'ready' });
    const first = sess.apply(ready);
    sess.later(1_000).apply(cmd({ type: 'set_status', status: 'away' }));
    const before = sess.state;
    const again = sess.later(1_000).apply(ready);
    assert.equal(again.state, before, 'same state object');
    assert.deepEqual(again.effects, []);
    assert.deepEqual(again.reply, first.reply);
    assert.equal(sess.s.availability_state, 'Away', 'not re-applied');
  });

  it('a redelivered offer is not offered twice and keeps its original answer', () => {
    const sess = new Session().login().ready();
    const offer = offerCmd('call-1');
    const first = sess.apply(offer);
    const again = sess.apply(offer);
    assert.deepEqual(again.reply, first.reply);
    assert.deepEqual(eventNames(again), []);
  });

  it('a redelivered login is not a new session', () => {
    const sess = new Session().login();
    const login = cmd({ type: 'login' });
    sess.apply(login);
    const id = sess.s.login_session_id;
    sess.apply(login);
    assert.equal(sess.s.login_session_id, id);
  });

  it(`keeps the last ${RECENT_COMMANDS_KEPT} command ids`, () => {
    const sess = new Session().login();
    const first = cmd({ type: 'set_status', status: 'ready' });
    sess.apply(first);
    for (let i = 0; i < RECENT_COMMANDS_KEPT; i++) sess.apply(cmd({ type: 'set_status', status: i % 2 ? 'ready' : 'away' }));
    assert.equal(sess.s.recent_commands.length, RECENT_COMMANDS_KEPT);
    assert.equal(sess.s.recent_commands.some((c) => c.id === first.command_id), false, 'the oldest was dropped');
    const last = sess.s.recent_commands.at(-1)!;
    const before = sess.state;
    assert.equal(sess.apply(cmd({ type: 'login' }, { command_id: last.id })).state, before);
  });

  it('get_status is never recorded', () => {
    const sess = new Session().login();
    const get = cmd({ type: 'get_status' });
    sess.apply(get);
    assert.equal(sess.s.recent_commands.some((c) => c.id === get.command_id), false);
  });
});
