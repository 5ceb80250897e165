import assert from 'node:assert/strict';
import { timersOf } from '../../src/machine/index.js';
import { Session, cmd, effectsOf } from '../support/machine-fixtures.js';

describe('machine: timersOf (re-arming after a load)', () => {
  it('derives exactly the timers the live transitions armed', () => {
    const sess = new Session().login().ready();
    assert.deepEqual(timersOf(sess.state), []);
    const offer = sess.offered('call-1').last;
    const armedOffer = effectsOf(offer, 'arm_timer')[0]!;
    assert.deepEqual(timersOf(sess.state), [{ kind: 'offer', input: armedOffer.input }]);
    sess.answered();
    assert.deepEqual(timersOf(sess.state), []);
    const hangup = sess.hungUp().last;
    const armedWrapup = effectsOf(hangup, 'arm_timer')[0]!;
    assert.deepEqual(timersOf(sess.state), [{ kind: 'wrapup', input: armedWrapup.input }]);
    sess.apply(cmd({ type: 'wrapup_cancel' }));
    assert.deepEqual(timersOf(sess.state), []);
    assert.deepEqual(timersOf(null), []);
  });
});
