/**
 * The gateway's configuration, read once from the environment and validated. A bad or
 * missing value fails fast with a ConfigError that names the variable.
 */
import { hostname } from 'node:os';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewayConfig {
  port: number;
  host: string;
  /** Required by main.ts (standalone gateway); the embedded mode passes its own bus instead. */
  amqpUrl: string | undefined;
  /** HS256 secret of the auth tokens (>= 32 chars). Required when AMQP_URL is set; createApp refuses to start without one. */
  authTokenSecret: string | undefined;
  authTokenTtlSeconds: number;
  rpcTimeoutMs: number;
  maxBodyBytes: number;
  nodeName: string;
  logLevel: LogLevel;
  /** Overrides the shard count learnt from the cluster (`cluster_info`); normally unset. */
  shardCount: number | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
  }
}

export const MIN_AUTH_TOKEN_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be an integer, got '${v}'`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function optionalInt(env: Env, name: string, min: number, max: number): number | undefined {
  return raw(env, name) === undefined ? undefined : int(env, name, 0, min, max);
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const amqpUrl = raw(env, 'AMQP_URL');
  if (amqpUrl !== undefined && !/^amqps?:\/\//.test(amqpUrl)) {
    throw new ConfigError('AMQP_URL', "must be an amqp:// or amqps:// URL");
  }

  const authTokenSecret = raw(env, 'AUTH_TOKEN_SECRET');
  if (authTokenSecret !== undefined && authTokenSecret.length < MIN_AUTH_TOKEN_SECRET_LENGTH) {
    throw new ConfigError('AUTH_TOKEN_SECRET', `must be at least ${MIN_AUTH_TOKEN_SECRET_LENGTH} characters`);
  }
  if (amqpUrl !== undefined && authTokenSecret === undefined) {
    throw new ConfigError('AUTH_TOKEN_SECRET', 'is required when AMQP_URL is set (every gateway must share it)');
  }

  const host = raw(env, 'HOST') ?? '0.0.0.0';
  const logLevel = (raw(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }

  return {
    port: int(env, 'PORT', 8000, 0, 65535),
    host,
    amqpUrl,
    authTokenSecret,
    authTokenTtlSeconds: int(env, 'AUTH_TOKEN_TTL_SECONDS', 3600, 60, 30 * 24 * 3600),
    rpcTimeoutMs: int(env, 'RPC_TIMEOUT_MS', 5000, 100, 60000),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1048576, 1024, 64 * 1024 * 1024),
    nodeName: raw(env, 'NODE_NAME') ?? `api-gateway@${hostname()}`,
    logLevel: logLevel as LogLevel,
    shardCount: optionalInt(env, 'SHARD_COUNT', 1, 65536),
  };
}

/** The secret createApp needs; embedded mode passes one in through the config. */
export function requireAuthTokenSecret(config: GatewayConfig): string {
  const s = config.authTokenSecret;
  if (s === undefined) throw new ConfigError('AUTH_TOKEN_SECRET', 'is required');
  if (s.length < MIN_AUTH_TOKEN_SECRET_LENGTH) {
    throw new ConfigError('AUTH_TOKEN_SECRET', `must be at least ${MIN_AUTH_TOKEN_SECRET_LENGTH} characters`);
  }
  return s;
}
