/**
 * The worker's configuration, read from the environment ONCE at start and validated:
 * a bad value stops the process at once with the variable's name and what is wrong,
 * rather than misbehaving later.
 */
import { hostname } from 'node:os';
import type { ShardQueueType } from '@qubicle/contracts';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  logLevel: LogLevel;
  bootstrap: { accountName: string; adminUsername: string; adminPassword: string };
}

type Env = Record<string, string | undefined>;

/** Trimmed value, or undefined when unset or blank. */
function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, dflt: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return dflt;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const value = raw(env, name);
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(name, `must be one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`);
  }
  return value;
}

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
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bootstrap: {
      accountName: raw(env, 'BOOTSTRAP_ACCOUNT_NAME') ?? 'demo',
      adminUsername: raw(env, 'BOOTSTRAP_ADMIN_USERNAME') ?? 'admin',
      // not trimmed: spaces may be part of a password
      adminPassword: env['BOOTSTRAP_ADMIN_PASSWORD'] || 'qubicle-demo',
    },
  };
}
