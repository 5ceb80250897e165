/** The resume buffer (src/live/event-ring.ts). */
import assert from 'node:assert/strict';
import type { RecipientEvent } from '@qubicle/contracts';
import { EventRing } from '../../src/live/event-ring.js';
import { PreparedEvent } from '../../src/live/prepared-event.js';

const A = 'a'.repeat(32);
const R = 'b'.repeat(32);

function ev(seq: number, event: RecipientEvent['event'] = 'ready', recipient = R): PreparedEvent {
  return new PreparedEvent({
    event,
    account_id: A,
    recipient_id: recipient,
    seq,
    timestamp: 1,
    node: 'n',
    status: { available: false, availability_state: 'Not-Logged-In' },
  });
}

describe('live: resume buffer', () => {
  it('replays what follows a seq when it can prove nothing is missing', () => {
    const ring = new EventRing(10, 1000);
    for (let s = 100; s <= 105; s++) ring.add(ev(s));
    assert.deepEqual(ring.replay(A, R, 102)?.map((e) => e.seq), [103, 104, 105]);
    assert.deepEqual(ring.replay(A, R, 99)?.map((e) => e.seq), [100, 101, 102, 103, 104, 105], 'seq 100 follows 99');
    assert.deepEqual(ring.replay(A, R, 105), [], 'up to date');
    assert.deepEqual(ring.replay(A, R, 200), [], 'ahead of this gateway: nothing to send');
    assert.equal(ring.replay(A, R, 98), undefined, '99 was never seen');
    assert.equal(ring.replay(A, 'c'.repeat(32), 1), undefined, 'nothing buffered');
    assert.equal(ring.add(ev(104)), false, 'duplicates are not kept');
  });

  it('is bounded per recipient and in all; a seq jump restarts the proof', () => {
    const ring = new EventRing(3, 5);
    for (let s = 1; s <= 6; s++) ring.add(ev(s));
    assert.equal(ring.size, 3);
    assert.equal(ring.replay(A, R, 2), undefined, 'event 3 was dropped');
    assert.deepEqual(ring.replay(A, R, 3)?.map((e) => e.seq), [4, 5, 6]);
    const other = 'c'.repeat(32);
    for (let s = 1; s <= 4; s++) ring.add(ev(s, 'ready', other));
    assert.equal(ring.size, 5, 'the total bound evicts the least recently updated first');
    ring.add(ev(10));
    assert.equal(ring.gaps, 1);
    assert.equal(ring.replay(A, R, 6), undefined, '7..9 never arrived');
    ring.add(ev(5_000_000, 'create'));
    assert.equal(ring.gaps, 1, 'a new session starts a new numbering: not a gap');
  });
});
