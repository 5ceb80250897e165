export { ShardManager, LEASE_SAFETY, fairShare, type ShardManagerOptions, type ShardManagerBus } from './shard-manager.js';
export { verifyShardCount, ShardCountMismatchError } from './shard-count.js';
