import assert from 'node:assert/strict';
import { transition } from '../../src/machine/index.js';
import { OTHER, RECIPIENT, Session, assertRefused, cmd, effectsOf, eventNames, events, makeCtx, monitorInput } from '../support/machine-fixtures.js';

const THIRD = 'b0000000000000000000000000000003';

describe('machine: monitor', () => {
  it('starts a wiretap: fields set, wiretap event and media effect', () => {
    const sess = new Session().login();
    const r = sess.apply(monitorInput(OTHER, {}, 'whisper'));
    assert.equal(sess.s.wiretapping_recipient, OTHER);
    assert.equal(sess.s.wiretap_mode, 'whisper');
    assert.deepEqual(eventNames(r), ['wiretap']);
    assert.deepEqual(events(r)[0]!.wiretap, { target_id: OTHER, mode: 'whisper' });
    assert.equal(events(r)[0]!.status.wiretapping_recipient, OTHER);
    assert.equal(events(r)[0]!.status.wiretap_mode, 'whisper');
    assert.deepEqual(effectsOf(r, 'wiretap'), [{ type: 'wiretap', action: 'start', target_id: OTHER, mode: 'whisper' }]);
  });

  it('allowed in Ready and in Wrap-up too', () => {
    const sess = new Session().login().ready();
    sess.apply(monitorInput(OTHER));
    assert.equal(sess.s.availability_state, 'Ready');
    const s2 = new Session().login().ready().offered().answered().hungUp();
    s2.apply(monitorInput(OTHER, {}, 'barge'));
    assert.equal(s2.s.wiretap_mode, 'barge');
  });

  it('the same target and mode again: success, nothing new', () => {
    const sess = new Session().login();
    sess.apply(monitorInput(OTHER));
    const r = sess.apply(monitorInput(OTHER));
    assert.deepEqual(eventNames(r), []);
    assert.deepEqual(effectsOf(r, 'wiretap'), []);
  });

  it('switching target stops the old wiretap first', () => {
    const sess = new Session().login();
    sess.apply(monitorInput(OTHER));
    const r = sess.apply(monitorInput(THIRD, {}, 'barge'));
    assert.deepEqual(eventNames(r), ['wiretap_stop', 'wiretap']);
    assert.deepEqual(
      effectsOf(r, 'wiretap').map((e) => [e.action, e.target_id, e.mode]),
      [
        ['stop', OTHER, 'eavesdrop'],
        ['start', THIRD, 'barge'],
      ],
    );
    assert.equal(sess.s.wiretapping_recipient, THIRD);
  });

  it('monitor_stop ends it; refused when not monitoring', () => {
    const sess = new Session().login();
    sess.apply(monitorInput(OTHER));
    const r = sess.apply(cmd({ type: 'monitor_stop' }));
    assert.equal(sess.s.wiretapping_recipient, null);
    assert.equal(sess.s.wiretap_mode, null);
    assert.deepEqual(eventNames(r), ['wiretap_stop']);
    assert.equal(events(r)[0]!.reason, 'requested');
    const before = sess.state;
    assertRefused(before, sess.apply(cmd({ type: 'monitor_stop' }), true), 'invalid_transition');
  });

  it('monitor_target_gone stops a wiretap on that target only', () => {
    const sess = new Session().login();
    sess.apply(monitorInput(OTHER));
    const ignored = sess.apply({ type: 'monitor_target_gone', target_id: THIRD });
    assert.deepEqual(ignored.effects, []);
    assert.equal(sess.s.wiretapping_recipient, OTHER);
    const r = sess.apply({ type: 'monitor_target_gone', target_id: OTHER });
    assert.equal(sess.s.wiretapping_recipient, null);
    assert.deepEqual(eventNames(r), ['wiretap_stop']);
    assert.equal(events(r)[0]!.reason, 'target_logged_out');
    assert.equal(transition(null, { type: 'monitor_target_gone', target_id: OTHER }, makeCtx()).state, null);
  });

  it('offers are refused while monitoring, accepted again after', () => {
    const sess = new Session().login().ready();
    sess.apply(monitorInput(OTHER));
    const r = sess.apply(cmd({ type: 'offer', call: { queue_id: 'c0000000000000000000000000000001', session_id: 'x', caller_id_name: '', caller_id_number: '', queue_enter_time: 0 }, offer_timeout_seconds: 10, wrapup_seconds: 0 }));
    assert.deepEqual(r.reply.ok && r.reply.data, { accepted: false, reason: 'wiretapping' });
    sess.apply(cmd({ type: 'monitor_stop' }));
    sess.offered('x');
  });

  describe('refusals (each leaves the state as it was)', () => {
    const cases: Array<[string, () => Session, () => ReturnType<typeof monitorInput>, string]> = [
      ['account without Pro', () => new Session(makeCtx({ account: { pro: false } })).login(), () => monitorInput(OTHER), 'feature_disabled'],
      ['no monitor permission', () => new Session().login(), () => monitorInput(OTHER, { actor_can_monitor: false }), 'forbidden'],
      ['monitoring oneself', () => new Session().login(), () => monitorInput(RECIPIENT), 'invalid_data'],
      ['target not in the account', () => new Session().login(), () => monitorInput(OTHER, { target_in_account: false }), 'not_found'],
      ['target not logged in', () => new Session().login(), () => monitorInput(OTHER, { target_logged_in: false }), 'not_logged_in'],
      ['invalid mode', () => new Session().login(), () => ({ ...monitorInput(OTHER), mode: 'shout' }) as never, 'invalid_data'],
      ['acting recipient on a call', () => new Session().login().ready().offered().answered(), () => monitorInput(OTHER), 'invalid_transition'],
      ['acting recipient being offered a call', () => new Session().login().ready().offered(), () => monitorInput(OTHER), 'invalid_transition'],
    ];
    for (const [name, setup, input, code] of cases) {
      it(`${name} → ${code}`, () => {
        const sess = setup();
        const before = sess.state;
        const copy = structuredClone(before);
        const r = sess.apply(input(), true);
        assertRefused(before, r, code);
        assert.deepEqual(r.state, copy);
      });
    }

    it('acting recipient not logged in → not_logged_in', () => {
      assertRefused(null, transition(null, monitorInput(OTHER), makeCtx()), 'not_logged_in');
    });
  });
});
