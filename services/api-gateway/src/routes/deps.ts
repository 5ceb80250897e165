/** What the route modules are built from, and small helpers they share. */
import type { Validator } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import type { Principal } from '../auth/principal.js';
import { commandActor } from '../auth/principal.js';
import type { LoginLimits } from '../auth/login-limits.js';
import type { TokenService } from '../auth/tokens.js';
import { failures } from '../crossbar/errors.js';
import type { GatewayMetrics } from '../metrics.js';
import type { CallContext, GatewayRpc } from '../rpc/rpc-client.js';
import type { RecipientReadModel } from '../read-model/read-model.js';

export interface RouteDeps {
  bus: Pick<Bus, 'isConnected'>;
  config: GatewayConfig;
  logger: Logger;
  rpc: GatewayRpc;
  tokens: TokenService;
  metrics: GatewayMetrics;
  /** More readiness checks for /readyz (embedded mode: the worker's). */
  readiness?: () => Promise<string[]>;
  /** The status read model (docs/performance.md), when on. */
  readModel?: RecipientReadModel;
  /** Failed-login limits of user_auth / api_auth. */
  loginLimits: LoginLimits;
  /** ms since epoch */
  clock: () => number;
}

/** The authenticated principal (the auth middleware guarantees one on every /v2 route but the auth ones). */
export function principalOf(ctx: GatewayContext): Principal {
  const p = ctx.state.principal;
  if (!p) throw failures.unauthorized();
  return p;
}

/** request id + who asked, for the RPCs of this request. */
export function callContextOf(ctx: GatewayContext): CallContext {
  const p = ctx.state.principal;
  return p ? { requestId: ctx.state.requestId, by: commandActor(p) } : { requestId: ctx.state.requestId };
}

/** Validates the request body with a contract validator; 400 invalid data with Crossbar details otherwise. */
export function validBody<T>(validate: Validator<T>, body: unknown): T {
  // no body at all reads as {} so that the answer names what is missing ("data" required)
  const v = validate(body === undefined ? {} : body);
  if (!v.ok) throw failures.invalidData(v.details);
  return v.value;
}

/** A path parameter the router guarantees (checked by routes/params.ts). */
export function param(ctx: GatewayContext, name: string): string {
  const v = (ctx as GatewayContext & { params?: Record<string, string | undefined> }).params?.[name];
  if (v === undefined) throw failures.internal(`missing path parameter ${name}`);
  return v;
}
