/** CORS as Crossbar does it: Monster UI is served from another origin. Preflights answer 204. */
import type { Middleware } from 'koa';
import type { GatewayState } from '../context.js';

export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, PUT, POST, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-Auth-Token, X-Request-ID, Authorization, If-Match, Idempotency-Key',
  'Access-Control-Expose-Headers': 'X-Request-ID, Retry-After',
  'Access-Control-Max-Age': '86400',
} as const;

export function cors(): Middleware<GatewayState> {
  return async (ctx, next) => {
    ctx.set(CORS_HEADERS);
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    await next();
  };
}
