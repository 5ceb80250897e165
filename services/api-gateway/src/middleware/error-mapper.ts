/**
 * First in the chain: every error below it becomes a Crossbar error envelope
 * {data, error:"<code>", message, status:"error", request_id, auth_token} with
 * Content-Type exactly application/json. Also turns the router's bare 404 (no route) and 405
 * (known path, other method) into envelopes, and writes one access-log line per request
 * (method, route, status, duration_ms, request_id — never tokens, bodies, headers or credentials).
 */
import type { Middleware } from 'koa';
import type { Logger } from '@qubicle/transport';
import type { ErrorEnvelope } from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { failures, mapError } from '../crossbar/errors.js';
import { sendJson } from '../crossbar/respond.js';
import type { GatewayMetrics } from '../metrics.js';
import { requestIdOf } from './request-id.js';

export interface ErrorMapperOptions {
  logger: Logger;
  metrics?: GatewayMetrics;
}

export function errorMapper(opts: ErrorMapperOptions): Middleware<GatewayState> {
  const log = opts.logger;
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
      if (ctx.body == null && ctx.status === 404) throw failures.unknownRoute();
      if (ctx.body == null && (ctx.status === 405 || ctx.status === 501)) throw failures.methodNotAllowed();
    } catch (err) {
      const mapped = mapError(err);
      if (mapped.unexpected) {
        log.error({ err, request_id: ctx.state.requestId, method: ctx.method, route: routeOf(ctx) }, 'request failed');
      }
      if (mapped.retryAfter !== undefined) ctx.set('Retry-After', String(mapped.retryAfter));
      writeError(ctx, mapped.status, mapped.message, mapped.data);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(ctx);
      opts.metrics?.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      opts.metrics?.httpDuration.observe({ method: ctx.method, route }, seconds);
      const line = {
        request_id: ctx.state.requestId,
        method: ctx.method,
        route,
        status: ctx.status,
        duration_ms: Math.round(seconds * 1e4) / 10,
        ...(ctx.state.principal ? { account_id: ctx.state.principal.accountId } : {}),
      };
      if (ctx.status >= 500) log.warn(line, 'request');
      else log.info(line, 'request');
    }
  };
}

function writeError(ctx: GatewayContext, status: number, message: string, data: Record<string, unknown>): void {
  ctx.state.requestId ??= requestIdOf(ctx.req.headers['x-request-id']);
  ctx.set('X-Request-ID', ctx.state.requestId);
  const envelope: ErrorEnvelope = {
    data,
    error: String(status),
    message,
    status: 'error',
    request_id: ctx.state.requestId,
    auth_token: ctx.state.authToken ?? '',
  };
  sendJson(ctx, status, envelope);
}

/** The matched route pattern (never the raw path: ids must not become metric labels). */
function routeOf(ctx: GatewayContext): string {
  const r = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof r === 'string' ? r : 'unmatched';
}
