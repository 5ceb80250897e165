import assert from 'node:assert/strict';
import { RECENT_INPUTS_KEPT, transition } from '../../../src/queue/machine/index.js';
import { QueueHarness, R } from '../support/queue-fixtures.js';

describe('queue machine: redelivered inputs (same id) are answered again, not applied twice', () => {
  it('a join: the first reply again, nothing applied, even after the caller left', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    const input = { type: 'join' as const, input_id: 'join-1', session_id: 's1', call_id: 'c1', caller_id_name: '', caller_id_number: '', priority: 0 };
    const first = q.apply(input);
    const again = transition(q.state, input, q.ctx());
    assert.deepEqual(again.effects, []);
    assert.deepEqual(again.reply, first.reply);
    q.answered(R(1), 's1');
    const late = transition(q.state, input, q.ctx());
    assert.deepEqual(late.effects, [], 'not re-queued after being answered');
    assert.equal(late.state, q.state);
    assert.deepEqual(late.reply, first.reply);
  });

  it('a hangup: removed:true again, nothing applied', () => {
    const q = new QueueHarness().start([]);
    q.join('s1');
    const input = { type: 'caller_hangup' as const, input_id: 'h-1', session_id: 's1' };
    q.apply(input);
    const again = transition(q.state, input, q.ctx());
    assert.deepEqual(again.effects, []);
    assert.deepEqual((again.reply as { data: unknown }).data, { removed: true });
    assert.equal(q.status_().stats.abandoned_sessions, 1);
  });

  it('configure/roster/start: the current status, nothing applied', () => {
    const q = new QueueHarness().start([R(1)]);
    const input = { type: 'roster' as const, input_id: 'r-1', members: [R(1), R(2)] };
    q.apply(input);
    q.apply({ type: 'roster', input_id: 'r-2', members: [R(1)] });
    const again = transition(q.state, input, q.ctx());
    assert.deepEqual(again.effects, []);
    assert.deepEqual(again.state!.members.map((m) => m.recipient_id), [R(1)]);
  });

  it('the memory of ids is bounded', () => {
    const q = new QueueHarness().start([]);
    for (let i = 0; i < RECENT_INPUTS_KEPT + 20; i++) q.join(`s${i}`);
    assert.equal(q.s.recent_inputs.length, RECENT_INPUTS_KEPT);
  });
});
