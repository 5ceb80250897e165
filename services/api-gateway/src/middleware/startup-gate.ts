/**
 * Start-up: until the gateway has been ready once (its bus connected and the cluster's shard count
 * known, what /readyz reports), every API request (`/v2/…`) is answered AT ONCE with 503, a
 * `Retry-After` header and a Crossbar envelope naming what is missing, instead of going through
 * auth and the routes to fail on the bus. /healthz, /readyz, /metrics and the wallboard's files are
 * not gated: an orchestrator sees the process alive and not ready yet, and routes no traffic to it.
 *
 * Only the start-up: once open the gate stays open. A later broker outage is reported per request
 * as before (503 `message bus unavailable` from the RPC, with its metrics).
 */
import type { Middleware } from 'koa';
import type { GatewayState } from '../context.js';
import { failures } from '../crossbar/errors.js';

export interface StartupGateOptions {
  /** true once the gateway has been ready (latched by the caller) */
  open: () => boolean;
  /** what is still missing, for the message (e.g. "message bus not connected yet") */
  missing: () => string;
}

export function startupGate(opts: StartupGateOptions): Middleware<GatewayState> {
  return async (ctx, next) => {
    if (opts.open() || !ctx.path.startsWith('/v2/')) return next();
    // a 503 carries Retry-After from the error mapper (crossbar/errors.ts), like every other 503
    throw failures.unavailable(`gateway starting: ${opts.missing()}; retry shortly`);
  };
}
