export { ShardManager, LEASE_SAFETY, type ShardManagerOptions } from './shard-manager.js';
export { verifyShardCount, ShardCountMismatchError } from './shard-count.js';
