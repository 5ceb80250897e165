import assert from 'node:assert/strict';
import { ShardCountMismatchError, verifyShardCount } from '../../src/shards/shard-count.js';
import { TestStore } from '../support/test-store.js';

describe('shards: shard count', () => {
  it('records the count on first start and accepts the same count later', async () => {
    const store = new TestStore();
    assert.equal(await verifyShardCount(store, 16), 16);
    assert.equal(await verifyShardCount(store, 16), 16);
    assert.equal(store.meta.get('shard_count'), 16);
  });

  it('refuses another count with a message naming both', async () => {
    const store = new TestStore();
    await verifyShardCount(store, 16);
    await assert.rejects(verifyShardCount(store, 64), (err: unknown) => {
      assert.ok(err instanceof ShardCountMismatchError);
      assert.match(err.message, /SHARD_COUNT is 64 but this cluster was created with 16 shards/);
      return true;
    });
  });
});
