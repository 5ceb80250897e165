import { strict as assert } from 'node:assert';
import { shardOf, shardQueue, recipientEventKey, HTTP_STATUS_OF, ERROR_CODES } from '@qubicle/contracts';

describe('contracts: shardOf', () => {
  it('is stable (known values never change: they decide where state lives)', () => {
    assert.equal(shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d', 64), shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d', 64));
    // FNV-1a 32 of "a/b" = 0x3a8e75c1 (computed independently of shardOf)
    assert.equal(shardOf('a', 'b', 64), 0x3a8e75c1 % 64);
    assert.equal(shardOf('a', 'b', 1000), 0x3a8e75c1 % 1000);
  });

  it('spreads recipients evenly over the shards', () => {
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 64_000; i++) {
      const id = i.toString(16).padStart(32, '0');
      counts[shardOf('3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', id, 64)]++;
    }
    assert.ok(Math.min(...counts) > 800 && Math.max(...counts) < 1200, counts.join(','));
  });

  it('refuses a bad shard count', () => {
    assert.throws(() => shardOf('a', 'b', 0), RangeError);
  });

  it('names queues and routing keys as the design says', () => {
    assert.equal(shardQueue(7), 'qubicle.recipient.shard.7');
    assert.equal(recipientEventKey('a', 'r', 'ready'), 'qubicle.recipient.a.r.ready');
  });

  it('every error code has an HTTP status', () => {
    for (const code of ERROR_CODES) assert.ok(HTTP_STATUS_OF[code] >= 400);
    assert.equal(HTTP_STATUS_OF.not_found, 404);
    assert.equal(HTTP_STATUS_OF.timeout, 504);
    assert.equal(HTTP_STATUS_OF.unavailable, 503);
  });
});
