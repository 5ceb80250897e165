/**
 * request_id: the client's X-Request-ID when it is 1–128 chars of [A-Za-z0-9._:-], else a new
 * uuid. Returned in every body and in the X-Request-ID response header, forwarded on the bus.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { GatewayState } from '../context.js';

export const REQUEST_ID_HEADER = 'X-Request-ID';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && VALID_REQUEST_ID.test(v) ? v : randomUUID();
}

export function requestId(): Middleware<GatewayState> {
  return async (ctx, next) => {
    ctx.state.requestId = requestIdOf(ctx.req.headers['x-request-id']);
    ctx.state.authToken ??= '';
    ctx.set(REQUEST_ID_HEADER, ctx.state.requestId);
    await next();
  };
}
