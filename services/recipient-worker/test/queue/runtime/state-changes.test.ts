/**
 * queueChangesOf: the rows a transition changed, found by reference (the draft copies on write).
 * Driven through the real machine (QueueHarness, deep-frozen states): after every input, applying
 * the changes to the previous rows must give exactly the new state's rows, and unchanged rows must
 * not be written.
 */
import { strict as assert } from 'node:assert';
import { queueChangesOf } from '../../../src/queue/runtime/state-changes.js';
import type { QueueState } from '../../../src/queue/machine/types.js';
import { queueStateOf } from '../../../src/store/queue-rows.js';
import { QueueHarness, R, recipientStatus } from '../support/queue-fixtures.js';

/** The rows a store would hold after applying `after`'s changes to `before`'s rows. */
function applied(before: QueueState, after: QueueState): QueueState {
  const c = queueChangesOf(before, after);
  assert.ok(c, 'changes found');
  assert.equal(c.base_seq, before.seq);
  const members = new Map(before.members.map((m) => [m.recipient_id, m]));
  const sessions = new Map(before.sessions.map((s) => [s.session_id, s]));
  for (const id of c.members.removed) members.delete(id);
  for (const id of c.sessions.removed) sessions.delete(id);
  for (const m of c.members.put) members.set(m.recipient_id, m);
  for (const s of c.sessions.put) sessions.set(s.session_id, s);
  const { members: _m, sessions: _s, ...header } = after;
  return queueStateOf(header, [...members.values()], [...sessions.values()]);
}

describe('queue state changes (rows written per change)', () => {
  it('after every input of a busy run the changed rows rebuild the new state exactly', () => {
    const h = new QueueHarness().start([R(1), R(2), R(3)]);
    const steps: Array<() => unknown> = [
      () => h.join('s1'),
      () => h.join('s2', 5),
      () => h.join('s3'),
      () => h.join('s4', 5),
      () => h.ready(R(1)),
      () => h.ready(R(2)),
      () => h.answered(R(1), h.order()[0]!),
      () => h.rejected(R(2), h.order()[0]!),
      () => h.hangup('s3'),
      () => h.ready(R(3)),
      () => h.status(R(3), recipientStatus('Away'), 'away'),
      () => h.join('s5', 10),
    ];
    let checked = 0;
    for (const step of steps) {
      const before = h.state!;
      step();
      const after = h.state!;
      if (after === before) continue;
      assert.deepEqual(applied(before, after), after);
      checked++;
    }
    assert.ok(checked >= 10, `${checked} transitions checked`);
  });

  it('writes only what changed: a join puts one caller and no member', () => {
    const h = new QueueHarness().start([R(1), R(2)]);
    for (let i = 0; i < 50; i++) h.join(`s${i}`);
    const before = h.state!;
    h.join('late');
    const c = queueChangesOf(before, h.state!)!;
    assert.deepEqual(c.sessions.put.map((s) => s.session_id), ['late']);
    assert.deepEqual([c.sessions.removed, c.members.put, c.members.removed], [[], [], []]);
  });

  it('no previous state, another queue, or lists out of order: no changes (the store writes it whole)', () => {
    const h = new QueueHarness().start([R(1)]);
    h.join('a');
    h.join('b');
    const s = h.state!;
    assert.equal(queueChangesOf(null, s), undefined);
    assert.equal(queueChangesOf({ ...s, queue_id: 'other' }, s), undefined);
    assert.equal(queueChangesOf({ ...s, sessions: [...s.sessions].reverse() }, s), undefined);
  });
});
