export { createWorker, type Worker, type WorkerDeps } from './worker.js';
export { loadWorkerConfig, ConfigError, LOG_LEVELS, type WorkerConfig, type LogLevel } from './config.js';
export { createSystemClock, ManualClock, type Clock, type TimerHandle } from './clock.js';
export * from './machine/index.js';
export { ActorRegistry, RecipientActor, AccountSettingsCache, type ActorEnv } from './actor/index.js';
export { ShardManager, verifyShardCount, ShardCountMismatchError } from './shards/index.js';
export { createShardHandler, SHARD_ROUTES, type ShardHandlerDeps } from './handlers/shard-handler.js';
export * from './store/index.js';
export { bootstrapDemo, createDirectoryHandler, credentialsOf } from './directory/index.js';
