/** Every command that makes no sense in the current state: an error reply that changes nothing. */
import assert from 'node:assert/strict';
import { recentCommandId, type RecipientState } from '@qubicle/contracts';
import { transition, type MachineInput } from '../../src/machine/index.js';
import { Session, assertRefused, cmd, makeCtx } from '../support/machine-fixtures.js';

type Setup = () => Session;
const loggedOut: Setup = () => new Session();
const away: Setup = () => new Session().login();
const ready: Setup = () => new Session().login().ready();
const offered: Setup = () => ready().offered('call-1');
const onCall: Setup = () => offered().answered('call-1');
const wrapup: Setup = () => onCall().hungUp('call-1');

const CASES: Array<[string, Setup, () => MachineInput, string]> = [
  ['ready before login', loggedOut, () => cmd({ type: 'set_status', status: 'ready' }), 'not_logged_in'],
  ['away before login', loggedOut, () => cmd({ type: 'set_status', status: 'away' }), 'not_logged_in'],
  ['queue ready before login', loggedOut, () => cmd({ type: 'set_status', status: 'ready', queue_id: 'c0000000000000000000000000000001' }), 'not_logged_in'],
  ['wrapup_extend before login', loggedOut, () => cmd({ type: 'wrapup_extend' }), 'not_logged_in'],
  ['wrapup_cancel before login', loggedOut, () => cmd({ type: 'wrapup_cancel' }), 'not_logged_in'],
  ['answer before login', loggedOut, () => cmd({ type: 'answer', session_id: 'call-1' }), 'not_logged_in'],
  ['reject before login', loggedOut, () => cmd({ type: 'reject', session_id: 'call-1' }), 'not_logged_in'],
  ['withdraw before login', loggedOut, () => cmd({ type: 'withdraw', session_id: 'call-1' }), 'not_logged_in'],
  ['hangup before login', loggedOut, () => cmd({ type: 'hangup', session_id: 'call-1' }), 'not_logged_in'],
  ['monitor_stop before login', loggedOut, () => cmd({ type: 'monitor_stop' }), 'not_logged_in'],
  ['wrapup_extend while Away', away, () => cmd({ type: 'wrapup_extend' }), 'invalid_transition'],
  ['wrapup_extend while Ready', ready, () => cmd({ type: 'wrapup_extend' }), 'invalid_transition'],
  ['wrapup_extend while On-A-Call', onCall, () => cmd({ type: 'wrapup_extend' }), 'invalid_transition'],
  ['wrapup_cancel while Ready', ready, () => cmd({ type: 'wrapup_cancel' }), 'invalid_transition'],
  ['wrapup_cancel while Call-Offer', offered, () => cmd({ type: 'wrapup_cancel' }), 'invalid_transition'],
  ['answer while Ready', ready, () => cmd({ type: 'answer', session_id: 'call-1' }), 'invalid_transition'],
  ['answer for another session', offered, () => cmd({ type: 'answer', session_id: 'call-2' }), 'invalid_transition'],
  ['answer twice', onCall, () => cmd({ type: 'answer', session_id: 'call-1' }), 'invalid_transition'],
  ['reject for another session', offered, () => cmd({ type: 'reject', session_id: 'call-2' }), 'invalid_transition'],
  ['reject after answer', onCall, () => cmd({ type: 'reject', session_id: 'call-1' }), 'invalid_transition'],
  ['withdraw for another session', offered, () => cmd({ type: 'withdraw', session_id: 'call-2' }), 'invalid_transition'],
  ['withdraw after answer', onCall, () => cmd({ type: 'withdraw', session_id: 'call-1' }), 'invalid_transition'],
  ['hangup while offered', offered, () => cmd({ type: 'hangup', session_id: 'call-1' }), 'invalid_transition'],
  ['hangup for another session', onCall, () => cmd({ type: 'hangup', session_id: 'call-2' }), 'invalid_transition'],
  ['hangup during wrap-up', wrapup, () => cmd({ type: 'hangup', session_id: 'call-1' }), 'invalid_transition'],
  ['monitor_stop while not monitoring', ready, () => cmd({ type: 'monitor_stop' }), 'invalid_transition'],
];

describe('machine: refusals change nothing', () => {
  for (const [name, setup, input, code] of CASES) {
    it(`${name} → ${code}`, () => {
      const sess = setup();
      const before: RecipientState | null = sess.state;
      const snapshot = structuredClone(before);
      const r = transition(before, input(), { ...makeCtx(), now: sess.now + 1_000 });
      assertRefused(before, r, code);
      assert.deepEqual(r.state, snapshot, 'state deep-equal to before');
      if (!r.reply.ok && r.reply.error.code === 'invalid_transition') {
        assert.equal(r.reply.error.state, before?.availability_state);
        assert.equal(r.reply.error.command, input().type);
      }
    });
  }

  it('a refused command is not recorded: the same id may succeed later', () => {
    const sess = new Session().login();
    const extend = cmd({ type: 'wrapup_extend' });
    sess.apply(extend, true);
    assert.equal(sess.s.recent_commands.some((c) => recentCommandId(c) === extend.command_id), false);
  });
});
