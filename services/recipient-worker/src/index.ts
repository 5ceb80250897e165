export { createWorker, type Worker, type WorkerDeps } from './worker.js';
export { createWorkerBus } from './bus.js';
export { SENDER_ROLES, SHARD_SENDERS, DIRECTORY_SENDERS, senderRefusal, type SenderRole, type SenderRoles } from './handlers/senders.js';
export { loadWorkerConfig, DEMO_ADMIN_PASSWORD, ConfigError, LOG_LEVELS, CONFIG_VARIABLES, type WorkerConfig, type LogLevel, type ConfigVariable, type ConfigService } from './config.js';
export {
  createWorkerMetrics,
  NOOP_WORKER_METRICS,
  WORKER_METRIC_NAMES,
  LOGGED_IN_STATES,
  type WorkerMetrics,
  type WorkerMetricsSink,
  type WorkerMetricsSources,
  type WorkerMetricsOptions,
  type LeaseFailure,
} from './metrics.js';
export { handleFileSizeSignal } from './file-size-signal.js';
export { createWorkerHealth, type WorkerHealth, type WorkerHealthOptions } from './health.js';
export { startOpsServer, OPS_PATHS, type OpsServer, type OpsServerOptions } from './ops-server.js';
export { createWorkerLogger, LOG_REDACT_PATHS, SECRET_LOG_KEYS, type WorkerLoggerOptions } from './logger.js';
export { instrumentHandler, type InstrumentOptions } from './handlers/instrument.js';
export { createSystemClock, ManualClock, type Clock, type TimerHandle } from './clock.js';
export * from './machine/index.js';
export { ActorRegistry, RecipientActor, AccountSettingsCache, OutboxRelay, WriteBatcher, type ActorEnv, type OutboxRelayStats, type RecipientWriter, type WriteBatchStats } from './actor/index.js';
export { ShardManager, OwnershipGate, verifyShardCount, ShardCountMismatchError, type Admission } from './shards/index.js';
export { createShardHandler, SHARD_ROUTES, type ShardHandlerDeps } from './handlers/shard-handler.js';
export * from './store/index.js';
export { bootstrapDemo, createDirectoryHandler, credentialsOf } from './directory/index.js';
export { MemoryQueueDocs, StoreQueueDocs, QueueRegistry, QueueActor, SessionService, type QueueDocSource, type QueueDocView } from './queue/runtime/index.js';
export type { QueueRuntimeStore, StoredQueue } from './store/ports/queues-runtime.js';
