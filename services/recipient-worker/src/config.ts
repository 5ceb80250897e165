/**
 * The worker's configuration, read from the environment ONCE at start and validated:
 * a bad value stops the process at once with the variable's name and what is wrong,
 * rather than misbehaving later.
 */
import { hostname } from 'node:os';
import type { ShardQueueType } from '@qubicle/contracts';
import { ConfigError, LOG_LEVELS, integer, oneOf, onOff, raw, url, type ConfigVariable, type Env, type LogLevel } from '@qubicle/runtime';
import { amqpUserOf } from '@qubicle/transport';
import { SENDER_ROLES, type SenderRole, type SenderRoles } from './handlers/senders.js';
import { RECENT_COMMANDS_KEPT, RECENT_COMMANDS_TTL_MS } from './machine/types.js';

/** The error, the level names and the variables' table are the gateway's too (libs/runtime); part of this package's API. */
export { ConfigError, LOG_LEVELS, type ConfigService, type ConfigVariable, type LogLevel } from '@qubicle/runtime';

export interface WorkerConfig {
  /** NODE_NAME: reported as `node`, owner of leases. */
  nodeName: string;
  /** AMQP_URL: absent = in-process bus (embedded mode only). */
  amqpUrl: string | undefined;
  /** AMQP_SET_USER_ID: the broker user stamped as user_id on everything this worker publishes (the user of AMQP_URL); undefined = none. */
  amqpUserId: string | undefined;
  /** BUS_SENDERS: broker user → role; commands and directory requests are accepted only from the roles allowed to send them. undefined = from anyone. */
  busSenders: SenderRoles | undefined;
  /** MONGODB_URL: absent = SQLite. */
  mongodbUrl: string | undefined;
  sqlitePath: string;
  /** STORE_TIMEOUT_MS: longest wait of one store operation (a lock, a server) before it fails as unavailable. */
  storeTimeoutMs: number;
  /** SHARD_COUNT: fixed per cluster (recorded in the store). */
  shardCount: number;
  shardQueueType: ShardQueueType;
  leaseTtlMs: number;
  /** AMQP_HEARTBEAT_SECONDS: default derived from the lease TTL (heartbeatForLease). */
  amqpHeartbeatSeconds: number;
  /** SHARD_PREFETCH: unacked commands per shard queue (handlers running at once). */
  shardPrefetch: number;
  /** METRICS_PORT: 0 = off. */
  metricsPort: number;
  /**
   * METRICS_PORT was set: a port that cannot be opened stops the worker. Unset (the default port),
   * a port already taken (several workers on one host) leaves the worker running without it.
   */
  metricsPortExplicit: boolean;
  /** READY_GRACE_MS: after start, how long /readyz stays 200 without any shard lease. */
  readyGraceMs: number;
  /** RECENT_COMMANDS_KEPT / RECENT_COMMANDS_TTL_MS: the redelivery memory (docs/state-machine.md). */
  recentCommands: { kept: number; ttlMs: number };
  /** AUDIT_RETENTION_DAYS: how long audit entries are kept (0 = for ever). */
  auditRetentionDays: number;
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
  { name: 'AMQP_SET_USER_ID', default: 'off', description: 'Stamp every message this process publishes with its broker user (the user of `AMQP_URL`) as the AMQP `user_id`, which RabbitMQ validates. Required by `BUS_SENDERS`; turn it on in every gateway and worker that uses it (docs/bus.md#who-may-send-what).', services: ['worker', 'embedded'], secret: false },
  { name: 'BUS_SENDERS', default: null, description: 'Broker users allowed to send to the workers, as `role:user,...` with role `worker`, `gateway` or `service` (queue/media services): each command and directory request is then accepted only from a `user_id` whose role may send it (docs/bus.md#who-may-send-what). Unset = from anyone. Needs `AMQP_SET_USER_ID=on` and this worker\'s own user listed as `worker`.', services: ['worker', 'embedded'], secret: false },
  { name: 'MONGODB_URL', default: null, description: 'MongoDB URL (`mongodb://` or `mongodb+srv://`, a replica set in production). Unset = SQLite at `SQLITE_PATH`.', services: ['worker', 'embedded'], secret: true },
  { name: 'SQLITE_PATH', default: './data/qubicle.db', description: 'SQLite file when `MONGODB_URL` is unset (several processes of one host may share it).', services: ['worker', 'embedded'], secret: false },
  { name: 'STORE_TIMEOUT_MS', default: '2000', description: 'Longest a store operation waits (SQLite: for another process\'s lock; MongoDB: for a reachable server) before the request answers 503 (50..60000). Keep it well under the gateways\' `RPC_TIMEOUT_MS`.', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_COUNT', default: '64', description: 'Shards of the cluster (1..4096), fixed: recorded in the store, a worker started with another count refuses to start.', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_QUEUE_TYPE', default: 'classic', description: '`classic` (exclusive consumer) or `quorum` (single-active-consumer) shard queues.', services: ['worker', 'embedded'], secret: false },
  { name: 'LEASE_TTL_MS', default: '10000', description: 'Shard lease TTL (1000..3600000); renewed every TTL/3, given up at 80% without a renewal.', services: ['worker', 'embedded'], secret: false },
  { name: 'AMQP_HEARTBEAT_SECONDS', default: '<LEASE_TTL_MS / 2000> (5)', description: 'AMQP heartbeat asked of the broker (1..600 s; a `heartbeat` in `AMQP_URL` wins). The broker drops a frozen node\'s connection, and with it the exclusive consumers of its shard queues, 2-3 heartbeats after its last frame: the default lets the others serve its shards within 2 × `LEASE_TTL_MS` (docs/cluster.md). A node whose event loop stalls for 2 heartbeats is disconnected.', services: ['worker', 'embedded'], secret: false },
  { name: 'SHARD_PREFETCH', default: '200', description: 'Unacked commands per shard queue (handlers running at once).', services: ['worker', 'embedded'], secret: false },
  { name: 'METRICS_PORT', default: '9100', description: 'Port of the worker\'s `/metrics`, `/healthz`, `/readyz` (0 = off). Set: a port that cannot be opened stops the worker; unset: the default port already taken (several workers on one host) leaves the endpoint off, with a warning. The embedded `npm start` ignores it: its gateway serves both.', services: ['worker'], secret: false },
  { name: 'READY_GRACE_MS', default: '30000', description: 'After start, how long `/readyz` answers 200 while the node holds no shard lease yet (0..3600000).', services: ['worker', 'embedded'], secret: false },
  { name: 'RECENT_COMMANDS_KEPT', default: String(RECENT_COMMANDS_KEPT), description: 'Command ids each recipient remembers (1..1000): a replayed or redelivered command among them is answered, never applied again. ~60 bytes of memory each per logged-in recipient.', services: ['worker', 'embedded'], secret: false },
  { name: 'RECENT_COMMANDS_TTL_MS', default: String(RECENT_COMMANDS_TTL_MS), description: 'How long those ids are remembered after a logout (0..604800000; 0 = forgotten at logout). A login within that time inherits them, so a replay after a new login is recognised too.', services: ['worker', 'embedded'], secret: false },
  { name: 'AUDIT_RETENTION_DAYS', default: '90', description: 'How long the audit trail of recipients\' state changes is kept (0..3650 days; 0 = for ever). Older entries are pruned in small batches every 10 minutes, off the command path.', services: ['worker', 'embedded'], secret: false },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ACCOUNT_NAME', default: 'demo', description: 'Account created on the first start of an empty store.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ADMIN_USERNAME', default: 'admin', description: 'Admin user created with that account.', services: ['worker', 'embedded'], secret: false },
  { name: 'BOOTSTRAP_ADMIN_PASSWORD', default: 'qubicle-demo', description: 'Password of the bootstrap admin and demo agents (only used when the store is empty). Set it in production.', services: ['worker', 'embedded'], secret: true },
];

/**
 * The AMQP heartbeat for a lease TTL: TTL/2, in whole seconds (at least 1).
 *
 * A frozen worker (SIGSTOP, a VM paused) keeps its TCP connection and therefore the exclusive
 * consumers of its shard queues until the broker misses its heartbeats: RabbitMQ checks every
 * heartbeat interval and closes the connection at the second check that saw nothing, 2-3
 * heartbeats after the last frame. The other nodes take the leases at most one TTL after the
 * freeze (renewed every TTL/3), but can consume only once that connection is gone. With TTL/2 it
 * is gone by 1.5 × TTL at the latest, which leaves half a TTL for the balance round and the take
 * inside the 2 × TTL bound (docs/cluster.md). Shorter would only trade the margin for more false
 * positives: a node whose event loop stalls for 2 heartbeats is disconnected (at 10 s TTL: 10 s,
 * beyond the 8 s after which it gives its shards up anyway).
 */
export function heartbeatForLease(leaseTtlMs: number): number {
  return Math.max(1, Math.floor(leaseTtlMs / 2000));
}
/** The bootstrap admin's password when BOOTSTRAP_ADMIN_PASSWORD is not set: public, for the demo only. */
export const DEMO_ADMIN_PASSWORD = 'qubicle-demo';

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const amqpUrl = url(env, 'AMQP_URL', ['amqp:', 'amqps:']);
  const amqpUserId = setUserId(env, amqpUrl);
  const leaseTtlMs = integer(env, 'LEASE_TTL_MS', 10_000, 1_000, 3_600_000);
  return {
    nodeName: raw(env, 'NODE_NAME') ?? `recipient-worker@${hostname()}`,
    amqpUrl,
    amqpUserId,
    busSenders: busSenders(env, amqpUserId),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    sqlitePath: raw(env, 'SQLITE_PATH') ?? './data/qubicle.db',
    storeTimeoutMs: integer(env, 'STORE_TIMEOUT_MS', 2_000, 50, 60_000),
    shardCount: integer(env, 'SHARD_COUNT', 64, 1, 4096),
    shardQueueType: oneOf(env, 'SHARD_QUEUE_TYPE', ['classic', 'quorum'] as const, 'classic'),
    leaseTtlMs,
    amqpHeartbeatSeconds: integer(env, 'AMQP_HEARTBEAT_SECONDS', heartbeatForLease(leaseTtlMs), 1, 600),
    shardPrefetch: integer(env, 'SHARD_PREFETCH', 200, 1, 65_535),
    metricsPort: integer(env, 'METRICS_PORT', 9100, 0, 65_535),
    metricsPortExplicit: raw(env, 'METRICS_PORT') !== undefined,
    readyGraceMs: integer(env, 'READY_GRACE_MS', 30_000, 0, 3_600_000),
    recentCommands: {
      kept: integer(env, 'RECENT_COMMANDS_KEPT', RECENT_COMMANDS_KEPT, 1, 1000),
      ttlMs: integer(env, 'RECENT_COMMANDS_TTL_MS', RECENT_COMMANDS_TTL_MS, 0, 604_800_000),
    },
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 90, 0, 3650),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bootstrap: {
      accountName: raw(env, 'BOOTSTRAP_ACCOUNT_NAME') ?? 'demo',
      adminUsername: raw(env, 'BOOTSTRAP_ADMIN_USERNAME') ?? 'admin',
      // not trimmed: spaces may be part of a password
      adminPassword: env['BOOTSTRAP_ADMIN_PASSWORD'] || DEMO_ADMIN_PASSWORD,
    },
  };
}

/** AMQP_SET_USER_ID: the user of AMQP_URL when on (shared by the gateway's config). */
export function setUserId(env: Env, amqpUrl: string | undefined): string | undefined {
  if (!onOff(env, 'AMQP_SET_USER_ID', false)) return undefined;
  if (amqpUrl === undefined) throw new ConfigError('AMQP_SET_USER_ID', 'needs AMQP_URL (the in-process bus has no broker users)');
  return amqpUserOf(amqpUrl);
}

/** BUS_SENDERS=`role:user,role:user`: user → role; this worker's own user must be a `worker`. */
function busSenders(env: Env, ownUser: string | undefined): SenderRoles | undefined {
  const value = raw(env, 'BUS_SENDERS');
  if (value === undefined) return undefined;
  const roles = new Map<string, SenderRole>();
  for (const entry of value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const colon = entry.indexOf(':');
    const role = entry.slice(0, colon).trim();
    const user = entry.slice(colon + 1).trim();
    if (colon < 0 || user === '') throw new ConfigError('BUS_SENDERS', `entries are role:user, got ${JSON.stringify(entry)}`);
    if (!(SENDER_ROLES as readonly string[]).includes(role)) throw new ConfigError('BUS_SENDERS', `unknown role ${JSON.stringify(role)} (one of ${SENDER_ROLES.join(', ')})`);
    const before = roles.get(user);
    if (before !== undefined && before !== role) throw new ConfigError('BUS_SENDERS', `user ${JSON.stringify(user)} is given two roles (${before}, ${role})`);
    roles.set(user, role as SenderRole);
  }
  if (roles.size === 0) throw new ConfigError('BUS_SENDERS', 'lists no user');
  if (ownUser === undefined) throw new ConfigError('BUS_SENDERS', 'needs AMQP_SET_USER_ID=on: the workers call each other, and a worker accepts only messages with a user_id');
  if (roles.get(ownUser) !== 'worker') throw new ConfigError('BUS_SENDERS', `must list this worker's own broker user as worker:${ownUser}`);
  return roles;
}
