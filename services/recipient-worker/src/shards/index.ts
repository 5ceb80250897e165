export { ShardManager, type ShardManagerOptions, type ShardManagerBus } from './shard-manager.js';
export { LEASE_SAFETY, OwnershipGate, type Admission, type HeldLease } from './ownership-gate.js';
export { fairShare, planBalance, type BalanceInput, type BalancePlan } from './balance-plan.js';
export { verifyShardCount, ShardCountMismatchError } from './shard-count.js';
