/**
 * The Koa app, built without listening. Middleware, in order: error mapper (first: every error
 * below becomes a Crossbar envelope), request id, CORS, body reader, auth, router.
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import type { Bus, Logger } from '@qubicle/transport';
import { requireAuthTokenSecret, type GatewayConfig } from './config.js';
import type { GatewayState } from './context.js';
import { LoginLimits } from './auth/login-limits.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { authenticate } from './middleware/authenticate.js';
import { bodyReader } from './middleware/body-reader.js';
import { cors } from './middleware/cors.js';
import { errorMapper } from './middleware/error-mapper.js';
import { requestId } from './middleware/request-id.js';
import { startupGate, type StartupGateOptions } from './middleware/startup-gate.js';
import { createRpcClient, type GatewayRpc } from './rpc/rpc-client.js';
import type { RecipientReadModel } from './read-model/read-model.js';
import { accountRoutes } from './routes/accounts.js';
import { authRoutes } from './routes/auth.js';
import { clusterRoutes } from './routes/cluster.js';
import type { RouteDeps } from './routes/deps.js';
import { healthRoutes } from './routes/health.js';
import { checkParams } from './routes/params.js';
import { wallboardRoutes } from './wallboard/static.js';
import { awayReasonRoutes } from './routes/away-reasons.js';
import { queueRoutes } from './routes/queues.js';
import { recipientRoutes } from './routes/recipients.js';
import { userRoutes } from './routes/users.js';

export interface AppDeps {
  bus: Pick<Bus, 'call' | 'isConnected'>;
  config: GatewayConfig;
  logger: Logger;
  /** Defaults to an RPC client over `bus` (learning the shard count on first use). */
  rpc?: GatewayRpc;
  /** ms since epoch; tokens are issued and checked against it. */
  clock?: () => number;
  metrics?: GatewayMetrics;
  /** More readiness checks for /readyz (embedded mode: the worker's); answers the reasons it is not ready. */
  readiness?: () => Promise<string[]>;
  /** GET status is served from it when it can (the rpc client must apply its replies to it too). */
  readModel?: RecipientReadModel;
  /** API requests answered 503 + Retry-After until it opens (createGateway: until first ready). */
  startupGate?: StartupGateOptions;
}

export type GatewayApp = Koa<GatewayState>;

export interface BuiltApp {
  app: GatewayApp;
  /** Its routes (the fuzz suite enumerates them: every route must have a row there). */
  router: Router<GatewayState>;
  rpc: GatewayRpc;
  tokens: TokenService;
  metrics: GatewayMetrics;
}

/** The app plus what it was built with (createGateway needs the rpc client). */
export function buildApp(deps: AppDeps): BuiltApp {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const rpc =
    deps.rpc ?? createRpcClient({ bus: deps.bus, logger, timeoutMs: config.rpcTimeoutMs, shardCount: config.shardCount, metrics });
  // revocation: the directory is asked before a token is trusted (createGateway adds the notice feed)
  const tokens = createTokenService({
    secret: requireAuthTokenSecret(config),
    ttlSeconds: config.authTokenTtlSeconds,
    directory: rpc,
    recheckMs: config.authTokenRecheckMs,
    logger,
    onCheck: (outcome) => metrics.tokenChecks.inc({ outcome }),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const routeDeps: RouteDeps = {
    bus: deps.bus,
    config,
    logger,
    rpc,
    tokens,
    metrics,
    loginLimits: new LoginLimits(config.loginLimits),
    clock: deps.clock ?? Date.now,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.readModel ? { readModel: deps.readModel } : {}),
  };

  const router = new Router<GatewayState>();
  checkParams(router);
  healthRoutes(router, routeDeps);
  wallboardRoutes(router);
  authRoutes(router, routeDeps);
  // before the recipient routes: qubicle_recipients/queue_membership is not a recipient id
  queueRoutes(router, routeDeps);
  recipientRoutes(router, routeDeps);
  awayReasonRoutes(router, routeDeps);
  userRoutes(router, routeDeps);
  accountRoutes(router, routeDeps);
  clusterRoutes(router, routeDeps);

  // X-Forwarded-For is believed only when configured (TRUST_PROXY hops): ctx.ip is then the address
  // the outermost trusted proxy saw, never what a client wrote in the header
  const app: GatewayApp = new Koa<GatewayState>({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  app.silent = true; // errors are mapped and logged by errorMapper
  app.use(errorMapper({ logger, metrics }));
  app.use(requestId());
  app.use(cors());
  if (deps.startupGate) app.use(startupGate(deps.startupGate));
  app.use(bodyReader({ maxBodyBytes: config.maxBodyBytes }));
  app.use(authenticate(tokens));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, router, rpc, tokens, metrics };
}

export function createApp(deps: AppDeps): GatewayApp {
  return buildApp(deps).app;
}
