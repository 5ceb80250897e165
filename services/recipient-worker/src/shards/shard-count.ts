/**
 * The shard count is fixed per cluster (a recipient's shard is hash mod count): the first
 * worker records it in the store, every later one must be started with the same value.
 */
import type { Store } from '../store/port.js';

export const SHARD_COUNT_META_KEY = 'shard_count';

export class ShardCountMismatchError extends Error {
  constructor(
    readonly configured: number,
    readonly recorded: number,
  ) {
    super(
      `SHARD_COUNT is ${configured} but this cluster was created with ${recorded} shards (recorded in the store); ` +
        `start every worker with SHARD_COUNT=${recorded}. Refusing to start.`,
    );
    this.name = 'ShardCountMismatchError';
  }
}

export async function verifyShardCount(store: Pick<Store, 'getOrSetMeta'>, configured: number): Promise<number> {
  const recorded = await store.getOrSetMeta<number>(SHARD_COUNT_META_KEY, configured);
  if (recorded !== configured) throw new ShardCountMismatchError(configured, recorded);
  return recorded;
}
