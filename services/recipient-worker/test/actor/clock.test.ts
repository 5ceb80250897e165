import assert from 'node:assert/strict';
import { ManualClock, createSystemClock } from '../../src/clock.js';
import { within } from '../support/wait.js';

describe('clock', () => {
  it('ManualClock fires due timers in deadline order with now() at each deadline', () => {
    const clock = new ManualClock(1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimer(1_500, () => fired.push(['b', clock.now()]));
    clock.setTimer(1_200, () => fired.push(['a', clock.now()]));
    const c = clock.setTimer(1_300, () => fired.push(['c', clock.now()]));
    clock.setTimer(5_000, () => fired.push(['late', clock.now()]));
    clock.clearTimer(c);
    clock.advance(1_000);
    assert.deepEqual(fired, [
      ['a', 1_200],
      ['b', 1_500],
    ]);
    assert.equal(clock.now(), 2_000);
    assert.deepEqual(clock.pendingTimers(), [5_000]);
    assert.throws(() => clock.advanceTo(10), RangeError);
  });

  it('ManualClock fires a timer armed by a firing timer if it is due too', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
      clock.setTimer(20, () => fired.push(clock.now()));
    });
    clock.advance(100);
    assert.deepEqual(fired, [10, 20]);
  });

  it('the system clock fires a timer in the past promptly and can clear one', async () => {
    const clock = createSystemClock();
    const cleared = clock.setTimer(clock.now() + 10, () => assert.fail('cleared timer fired'));
    clock.clearTimer(cleared);
    await within(new Promise<void>((resolve) => clock.setTimer(clock.now() - 1_000, resolve)), 1_000, 'past timer');
    assert.ok(Math.abs(clock.now() - Date.now()) < 50);
  });
});
