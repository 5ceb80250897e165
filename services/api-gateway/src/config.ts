/**
 * The gateway's configuration, read once from the environment and validated. A bad or
 * missing value fails fast with a ConfigError that names the variable.
 */
import { hostname } from 'node:os';
import { ConfigError, LOG_LEVELS, integer, onOff, optionalInteger, raw, type ConfigVariable, type Env, type LogLevel } from '@qubicle/runtime';
import { amqpUserOf } from '@qubicle/transport';
import type { LiveOptions } from './live/options.js';

/** The error, the level names and the variables' table are the worker's too (libs/runtime); part of this package's API. */
export { ConfigError, LOG_LEVELS, type ConfigService, type ConfigVariable, type LogLevel } from '@qubicle/runtime';

export interface GatewayConfig {
  port: number;
  host: string;
  /** Required by main.ts (standalone gateway); the embedded mode passes its own bus instead. */
  amqpUrl: string | undefined;
  /** AMQP_SET_USER_ID: the broker user stamped as user_id on everything this gateway publishes (the user of AMQP_URL); undefined = none. */
  amqpUserId: string | undefined;
  /** HS256 secret of the auth tokens (>= 32 chars). Required when AMQP_URL is set; createApp refuses to start without one. */
  authTokenSecret: string | undefined;
  authTokenTtlSeconds: number;
  /** How long the directory's "this token is still good" is trusted before asking again (ms; 0 = every request). */
  authTokenRecheckMs: number;
  /** Limits on failed logins (auth/login-limits.ts). */
  loginLimits: LoginLimitsConfig;
  /** Reverse proxies in front whose X-Forwarded-For is believed (0 = none: the socket's address counts). */
  trustProxy: number;
  rpcTimeoutMs: number;
  maxBodyBytes: number;
  nodeName: string;
  logLevel: LogLevel;
  /** Overrides the shard count learnt from the cluster (`cluster_info`); normally unset. */
  shardCount: number | undefined;
  /** Limits of the event websocket (LIVE_*, docs/live.md). */
  live: LiveConfig;
  /** The status read model (READ_MODEL*, docs/performance.md). */
  readModel: ReadModelConfig;
  /**
   * Read the recipient events from the workers' batched feed (qubicle.events.feed, docs/bus.md);
   * false: from the topic exchange, one message per event (workers older than the feed).
   */
  eventFeed: boolean;
}

export interface LoginLimitsConfig {
  windowMs: number;
  perAccountAddress: number;
  perAddress: number;
  perAccount: number;
}

export interface ReadModelConfig {
  enabled: boolean;
  /** an entry not confirmed for longer is read from the worker again */
  maxAgeMs: number;
  maxEntries: number;
}

export type LiveConfig = Pick<
  LiveOptions,
  'maxConnections' | 'maxSubscriptions' | 'maxMessageBytes' | 'maxBufferedBytes' | 'maxTotalBufferedBytes' | 'resumeEventsPerRecipient'
>;

export const MIN_AUTH_TOKEN_SECRET_LENGTH = 32;

/**
 * Every variable loadGatewayConfig reads (a test checks that it reads no other), for the README's
 * configuration table (docs/configuration.md) and the compose / Kubernetes validation tests.
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', default: '8000', description: 'HTTP port of the API, `/metrics`, `/healthz` and `/readyz` (0 = any free port).', services: ['gateway', 'embedded'], secret: false },
  { name: 'HOST', default: '0.0.0.0', description: 'Interface the HTTP server listens on.', services: ['gateway', 'embedded'], secret: false },
  { name: 'AMQP_URL', default: null, description: 'RabbitMQ URL (`amqp://` or `amqps://`). Required by `start:gateway`; the embedded mode passes its own bus.', services: ['gateway', 'embedded'], secret: true },
  { name: 'AMQP_SET_USER_ID', default: 'off', description: 'Stamp every message this gateway publishes with its broker user (the user of `AMQP_URL`) as the AMQP `user_id`, which RabbitMQ validates: needed when the workers check senders (`BUS_SENDERS`, docs/bus.md#who-may-send-what).', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_TOKEN_SECRET', default: null, description: `HS256 key of the auth tokens (at least ${MIN_AUTH_TOKEN_SECRET_LENGTH} characters), shared by every gateway. Required with \`AMQP_URL\`; \`npm start\` generates one beside the SQLite file.`, services: ['gateway', 'embedded'], secret: true },
  { name: 'AUTH_TOKEN_TTL_SECONDS', default: '3600', description: 'Lifetime of an auth token (60 .. 30 days).', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_TOKEN_RECHECK_MS', default: '60000', description: 'How long a gateway trusts the directory\'s answer that a token is still good before asking again (0 = every request). Deleted, disabled or demoted users and deleted tokens are refused at once anyway (notices on `qubicle.auth`); this bounds the case of a notice lost on the way.', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_LIMIT_WINDOW_MS', default: '300000', description: 'Sliding window of the failed-login limits of `user_auth` / `api_auth` (past a limit: 429 with `Retry-After`).', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_LIMIT_PER_ACCOUNT_ADDRESS', default: '10', description: 'Failed `user_auth` to one account from one client address per window (0 = no limit). KAZOO\'s md5 credentials name no user, so this stands for "per user".', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_LIMIT_PER_ADDRESS', default: '50', description: 'Failed logins (`user_auth` and `api_auth`, any account) from one client address per window (0 = no limit). Offices behind one NAT share it.', services: ['gateway', 'embedded'], secret: false },
  { name: 'AUTH_LIMIT_PER_ACCOUNT', default: '300', description: 'Failed `user_auth` to one account from all addresses per window (0 = no limit). When reached, new logins to that account wait (issued tokens keep working).', services: ['gateway', 'embedded'], secret: false },
  { name: 'TRUST_PROXY', default: '0', description: 'Reverse proxies in front of the gateway whose `X-Forwarded-For` is believed for the client address (0 = none, the TCP peer counts). Set it only when clients cannot reach the gateway but through them.', services: ['gateway', 'embedded'], secret: false },
  { name: 'RPC_TIMEOUT_MS', default: '5000', description: 'Longest wait for a worker per RPC (100..60000); past it the request answers 504.', services: ['gateway', 'embedded'], secret: false },
  { name: 'MAX_BODY_BYTES', default: '1048576', description: 'Largest request body; larger → 413 without reading it.', services: ['gateway', 'embedded'], secret: false },
  { name: 'NODE_NAME', default: 'api-gateway@<hostname>', description: 'Name of this gateway in its log lines and `/readyz`.', services: ['gateway', 'embedded'], secret: false },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.', services: ['gateway', 'embedded'], secret: false },
  { name: 'READ_MODEL', default: 'on', description: 'Serve GET status and bulk status from the read model kept current by the recipient events (`on`/`off`, docs/performance.md).', services: ['gateway', 'embedded'], secret: false },
  { name: 'READ_MODEL_MAX_AGE_MS', default: '30000', description: 'A read-model entry not confirmed by an event or a reply for longer is read from the worker again (0 = never).', services: ['gateway', 'embedded'], secret: false },
  { name: 'EVENT_FEED', default: 'on', description: 'Read the recipient events from the workers\' batched feed `qubicle.events.feed` (`on`), or one message per event from `qubicle.events` (`off`: while workers older than the feed still run, docs/bus.md).', services: ['gateway', 'embedded'], secret: false },
  { name: 'READ_MODEL_MAX_ENTRIES', default: '200000', description: 'Recipients the read model remembers (the oldest written goes first).', services: ['gateway', 'embedded'], secret: false },
  { name: 'SHARD_COUNT', default: null, description: 'Overrides the shard count learnt from the workers (`cluster_info`); normally unset.', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_MAX_CONNECTIONS', default: '10000', description: 'Event websockets one gateway accepts; more → the upgrade answers 503 (docs/live.md).', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_MAX_SUBSCRIPTIONS', default: '16', description: 'Bindings one event websocket may subscribe to.', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_MAX_MESSAGE_BYTES', default: '65536', description: 'Largest client message on the event websocket (larger → closed 1009).', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_MAX_BUFFERED_BYTES', default: '4194304', description: 'Unsent bytes an event websocket may hold before it is closed 4008 "slow consumer".', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_MAX_TOTAL_BUFFERED_BYTES', default: '268435456', description: 'Unsent bytes of all event websockets of a gateway together; past it the largest backlogs are closed 4008 first.', services: ['gateway', 'embedded'], secret: false },
  { name: 'LIVE_RESUME_EVENTS', default: '100', description: 'Recent events kept per recipient (and per queue) for websocket clients that reconnect with `resume` (`resume_queues`) (0 = always a fresh snapshot).', services: ['gateway', 'embedded'], secret: false },
];

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const amqpUrl = raw(env, 'AMQP_URL');
  if (amqpUrl !== undefined && !/^amqps?:\/\//.test(amqpUrl)) {
    throw new ConfigError('AMQP_URL', "must be an amqp:// or amqps:// URL");
  }

  let amqpUserId: string | undefined;
  if (onOff(env, 'AMQP_SET_USER_ID', false)) {
    if (amqpUrl === undefined) throw new ConfigError('AMQP_SET_USER_ID', 'needs AMQP_URL (the in-process bus has no broker users)');
    amqpUserId = amqpUserOf(amqpUrl);
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
    port: integer(env, 'PORT', 8000, 0, 65535),
    host,
    amqpUrl,
    amqpUserId,
    authTokenSecret,
    authTokenTtlSeconds: integer(env, 'AUTH_TOKEN_TTL_SECONDS', 3600, 60, 30 * 24 * 3600),
    authTokenRecheckMs: integer(env, 'AUTH_TOKEN_RECHECK_MS', 60_000, 0, 24 * 3600 * 1000),
    loginLimits: {
      windowMs: integer(env, 'AUTH_LIMIT_WINDOW_MS', 300_000, 1000, 24 * 3600 * 1000),
      perAccountAddress: integer(env, 'AUTH_LIMIT_PER_ACCOUNT_ADDRESS', 10, 0, 1_000_000),
      perAddress: integer(env, 'AUTH_LIMIT_PER_ADDRESS', 50, 0, 1_000_000),
      perAccount: integer(env, 'AUTH_LIMIT_PER_ACCOUNT', 300, 0, 1_000_000),
    },
    trustProxy: integer(env, 'TRUST_PROXY', 0, 0, 16),
    rpcTimeoutMs: integer(env, 'RPC_TIMEOUT_MS', 5000, 100, 60000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1048576, 1024, 64 * 1024 * 1024),
    nodeName: raw(env, 'NODE_NAME') ?? `api-gateway@${hostname()}`,
    logLevel: logLevel as LogLevel,
    shardCount: optionalInteger(env, 'SHARD_COUNT', 1, 65536),
    readModel: {
      enabled: onOff(env, 'READ_MODEL', true),
      maxAgeMs: integer(env, 'READ_MODEL_MAX_AGE_MS', 30_000, 0, 24 * 3600 * 1000),
      maxEntries: integer(env, 'READ_MODEL_MAX_ENTRIES', 200_000, 1, 100_000_000),
    },
    eventFeed: onOff(env, 'EVENT_FEED', true),
    live: {
      maxConnections: integer(env, 'LIVE_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
      maxSubscriptions: integer(env, 'LIVE_MAX_SUBSCRIPTIONS', 16, 1, 1024),
      maxMessageBytes: integer(env, 'LIVE_MAX_MESSAGE_BYTES', 65_536, 1024, 16 * 1024 * 1024),
      maxBufferedBytes: integer(env, 'LIVE_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
      maxTotalBufferedBytes: integer(env, 'LIVE_MAX_TOTAL_BUFFERED_BYTES', 256 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024 * 1024),
      resumeEventsPerRecipient: integer(env, 'LIVE_RESUME_EVENTS', 100, 0, 10_000),
    },
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
