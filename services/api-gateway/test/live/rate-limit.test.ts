/** The per-socket message rate (src/live/rate-limit.ts). */
import assert from 'node:assert/strict';
import { RateLimit } from '../../src/live/rate-limit.js';

describe('live: message rate of one socket', () => {
  it('a burst, then as many as the rate refills, never more than the burst saved up', () => {
    const t0 = 1_000_000;
    const rate = new RateLimit(3, 10, t0);
    assert.deepEqual([1, 2, 3, 4].map(() => rate.take(t0)), [true, true, true, false]);
    assert.equal(rate.take(t0 + 50), false, 'half a token after 50 ms at 10/s');
    assert.equal(rate.take(t0 + 100), true, 'one token after 100 ms');
    assert.equal(rate.take(t0 + 100), false);
    const later = t0 + 60_000;
    assert.deepEqual([1, 2, 3, 4].map(() => rate.take(later)), [true, true, true, false], 'a minute idle saves up only the burst');
  });
});
