import assert from 'node:assert/strict';
import { Backoff, sleep } from '../src/index.js';

describe('client: Backoff', () => {
  it('doubles from initialMs up to maxMs, and starts again after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 500, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500, 500]);
    assert.equal(b.attempts, 5);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 100);
  });

  it('spreads each delay by ± jitter', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.25, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.25, random: () => 0.999999 });
    assert.deepEqual([low.next(), low.next()], [75, 150]);
    assert.deepEqual([high.next(), high.next()], [125, 250]);
  });

  it('refuses settings that make no sense', () => {
    assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
    assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
    assert.throws(() => new Backoff({ jitter: 1 }), RangeError);
  });

  it('sleep resolves at once when its signal aborts', async () => {
    const stop = new AbortController();
    const waiting = sleep(60_000, stop.signal);
    stop.abort();
    await waiting; // a test timeout, not a minute, if the abort were ignored
    await sleep(60_000, stop.signal); // already aborted
  });
});
