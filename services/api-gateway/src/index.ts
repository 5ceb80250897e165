export { createApp, buildApp, type AppDeps, type BuiltApp, type GatewayApp } from './app.js';
export { createGateway, type Gateway, type GatewayDeps, type ListeningGateway } from './gateway.js';
export { createGatewayBus } from './bus.js';
export {
  loadGatewayConfig,
  requireAuthTokenSecret,
  ConfigError,
  LOG_LEVELS,
  CONFIG_VARIABLES,
  type ConfigVariable,
  type ConfigService,
  MIN_AUTH_TOKEN_SECRET_LENGTH,
  type GatewayConfig,
  type LogLevel,
} from './config.js';
export { createRpcClient, type GatewayRpc, type CallContext, type RpcClientOptions } from './rpc/rpc-client.js';
export type { CommandInput, CommandReply, DirectoryReplies, DirectoryReplyOf } from './rpc/messages.js';
export { createTokenService, type TokenService, type TokenServiceOptions } from './auth/tokens.js';
export { isAdmin, type Principal } from './auth/principal.js';
export { createMetrics, GATEWAY_METRIC_NAMES, type GatewayMetrics, type GatewayMetricsOptions, type RpcOutcome } from './metrics.js';
export { createGatewayLogger, LOG_REDACT_PATHS, SECRET_LOG_KEYS, type GatewayLoggerOptions } from './logger.js';
export { mapError, type MappedError } from './crossbar/errors.js';
export type { GatewayState, GatewayContext } from './context.js';
export {
  createLiveHub,
  createSnapshotSource,
  createQueueSnapshotSource,
  DEFAULT_LIVE_OPTIONS,
  LIVE_BUS_BINDING,
  LIVE_METRIC_NAMES,
  LIVE_PATHS,
  type LiveHub,
  type LiveHubDeps,
  type LiveOptions,
  type LiveStats,
  type SnapshotSource,
} from './live/index.js';
export { RecipientReadModel, startReadModelFeed, READ_MODEL_EVENT_BINDING, type ReadModelOptions, type ReadModelStats, type ReadTicket, type ReadModelFeed } from './read-model/index.js';
