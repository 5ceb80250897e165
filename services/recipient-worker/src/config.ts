/**
 * The worker's configuration, read from the environment ONCE at start and validated:
 * a bad value stops the process at once with the variable's name and what is wrong,
 * rather than misbehaving later.
 */
import { hostname } from 'node:os';
import type { ShardQueueType } from '@qubicle/contracts';
import { LOG_LEVELS, integer, oneOf, raw, url, type ConfigVariable, type Env, type LogLevel } from '@qubicle/runtime';
import { RECENT_COMMANDS_KEPT, RECENT_COMMANDS_TTL_MS } from './machine/types.js';

/** The error, the level names and the variables' table are the gateway's too (libs/runtime); part of this package's API. */
export { ConfigError, LOG_LEVELS, type ConfigService, type ConfigVariable, type LogLevel } from '@qubicle/runtime';

export interface WorkerConfig {
  /** NODE_NAME: reported as `node`, owner of leases. */
  nodeName: string;
  /** AMQP_URL: absent = in-process bus (embedded mode only). */
  amqpUrl: string | undefined;
  /** MONGODB_URL: absent = SQLite. */
  mongodbUrl: string | undefined;
  sqlitePath: string;
  /** SHARD_COUNT: fixed per cluster (recorded in the store). */
  shardCount: number;
  shardQueueType: ShardQueueType;
  leaseTtlMs: number;
  /** SHARD_PREFETCH: unacked commands per shard queue (handlers running at once). */
  shardPrefetch: number;
  /** METRICS_PORT: 0 = off. */
  metricsPort: number;
  /** READY_GRACE_MS: after start, how long /readyz stays 200 without any shard lease. */
  readyGraceMs: number;
  /** RECENT_COMMANDS_KEPT / RECENT_COMMANDS_TTL_MS: the redelivery memory (docs/state-machine.md). */
  recentCommands: { kept: number; ttlMs: number };
  logLevel: LogLevel;
  bootstrap: { accountName: string; adminUsername: string; adminPassword: string };
}

/**
 * Every variable loadWorkerConfig reads (a test checks that it reads no other), for the README's
 * configuration table (docs/configuration.md) and the compose / Kubernetes validation tests.
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'NODE_NAME', default: 'recipient-worker@<hostname>', description: 'Name of this node: reported as `node`, owner of its shard leases. Must be unique and stable per node (StatefulSet pod name).', services: ['worker', 'embedded'], secret: false },
  { name: 'AMQP_URL', default: null, description: 'RabbitMQ URL (`amqp://` or `amqps://`). Required by `start:worker`; unset in `npm start` = in-process bus.', services: ['worker', 'embedded'], secret: true },
  { name: 'MONGODB_URL', default: null, description: 'MongoDB URL (`mongodb://` or `mongodb+srv://`, a replica set in production). Unset = SQLite at `SQLITE_PATH`.', services: ['worker', 'embedded'], secret: true },
  { name: 'SQLITE_PATH', default: './data/qubicle.db', description: 'SQLite file when `MONGODB_URL` is unset (several processes of one host may share it).', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_COUNT', default: '64', description: 'Shards of the cluster (1..4096), fixed: recorded in the store, a worker started with another count refuses to start.', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_QUEUE_TYPE', default: 'classic', description: '`classic` (exclusive consumer) or `quorum` (single-active-consumer) shard queues.', services: ['worker', 'embedded'], secret: false },
  { name: 'LEASE_TTL_MS', default: '10000', description: 'Shard lease TTL (1000..3600000); renewed every TTL/3, given up at 80% without a renewal.', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_PREFETCH', default: '200', description: 'Unacked commands per shard queue (handlers running at once).', services: ['worker', 'embedded'], secret: false },
  { name: 'METRICS_PORT', default: '9100', description: 'Port of the worker\'s `/metrics`, `/healthz`, `/readyz` (0 = off). The embedded `npm start` ignores it: its gateway serves both.', services: ['worker'], secret: false },
  { name: 'READY_GRACE_MS', default: '30000', description: 'After start, how long `/readyz` answers 200 while the node holds no shard lease yet (0..3600000).', services: ['worker', 'embedded'], secret: false },
  { name: 'RECENT_COMMANDS_KEPT', default: String(RECENT_COMMANDS_KEPT), description: 'Command ids each recipient remembers (1..1000): a replayed or redelivered command among them is answered, never applied again. ~60 bytes of memory each per logged-in recipient.', services: ['worker', 'embedded'], secret: false },
  { name: 'RECENT_COMMANDS_TTL_MS', default: String(RECENT_COMMANDS_TTL_MS), description: 'How long those ids are remembered after a logout (0..604800000; 0 = forgotten at logout). A login within that time inherits them, so a replay after a new login is recognised too.', services: ['worker', 'embedded'], secret: false },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ACCOUNT_NAME', default: 'demo', description: 'Account created on the first start of an empty store.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ADMIN_USERNAME', default: 'admin', description: 'Admin user created with that account.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ADMIN_PASSWORD', default: 'qubicle-demo', description: 'Password of the bootstrap admin and demo agents (only used when the store is empty). Set it in production.', services: ['worker', 'embedded'], secret: true },
];

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return {
    nodeName: raw(env, 'NODE_NAME') ?? `recipient-worker@${hostname()}`,
    amqpUrl: url(env, 'AMQP_URL', ['amqp:', 'amqps:']),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    sqlitePath: raw(env, 'SQLITE_PATH') ?? './data/qubicle.db',
    shardCount: integer(env, 'SHARD_COUNT', 64, 1, 4096),
    shardQueueType: oneOf(env, 'SHARD_QUEUE_TYPE', ['classic', 'quorum'] as const, 'classic'),
    leaseTtlMs: integer(env, 'LEASE_TTL_MS', 10_000, 1_000, 3_600_000),
    shardPrefetch: integer(env, 'SHARD_PREFETCH', 200, 1, 65_535),
    metricsPort: integer(env, 'METRICS_PORT', 9100, 0, 65_535),
    readyGraceMs: integer(env, 'READY_GRACE_MS', 30_000, 0, 3_600_000),
    recentCommands: {
      kept: integer(env, 'RECENT_COMMANDS_KEPT', RECENT_COMMANDS_KEPT, 1, 1000),
      ttlMs: integer(env, 'RECENT_COMMANDS_TTL_MS', RECENT_COMMANDS_TTL_MS, 0, 604_800_000),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bootstrap: {
      accountName: raw(env, 'BOOTSTRAP_ACCOUNT_NAME') ?? 'demo',
      adminUsername: raw(env, 'BOOTSTRAP_ADMIN_USERNAME') ?? 'admin',
      // not trimmed: spaces may be part of a password
      adminPassword: env['BOOTSTRAP_ADMIN_PASSWORD'] || 'qubicle-demo',
    },
  };
}
