import assert from 'node:assert/strict';
import { ManualClock } from '../src/clock.js';
import { createWorkerHealth } from '../src/health.js';

describe('health: readiness', () => {
  it('a node with suspended shards is not ready, and says why (the store ping may still answer: a SQLite write lock)', async () => {
    let suspended = 3;
    const health = createWorkerHealth({
      bus: { isConnected: () => true },
      store: { ping: async () => undefined },
      ownedShards: () => 21,
      suspendedShards: () => suspended,
      graceMs: 30_000,
      clock: new ManualClock(0),
    });
    health.markStarted();
    assert.deepEqual(await health.readiness(), ['3 shards suspended: the store does not answer their lease renewal (commands answered 503)']);
    suspended = 0;
    assert.deepEqual(await health.readiness(), []);
  });
});
