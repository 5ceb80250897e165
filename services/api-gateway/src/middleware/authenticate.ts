/**
 * Every /v2 route except the two that issue tokens needs a valid token, from X-Auth-Token or
 * `Authorization: Bearer <token>`. Missing, invalid or expired → 401 "invalid credentials".
 * Which account the token may open is checked on the :account_id path parameter (routes/params.ts).
 */
import type { Middleware } from 'koa';
import type { GatewayState } from '../context.js';
import type { TokenService } from '../auth/tokens.js';
import { failures } from '../crossbar/errors.js';

/** Paths that issue tokens (no token needed). */
const PUBLIC_V2 = /^\/v2\/(user_auth|api_auth)\/?$/;
/** Longest token echoed back in `auth_token` (ours are ~350 chars). */
const MAX_TOKEN_LENGTH = 4096;

export function tokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const x = first(headers['x-auth-token'])?.trim();
  if (x) return x;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(first(headers['authorization']) ?? '');
  return m?.[1];
}

export function authenticate(tokens: TokenService): Middleware<GatewayState> {
  return async (ctx, next) => {
    const token = tokenOf(ctx.req.headers);
    if (token !== undefined && token.length <= MAX_TOKEN_LENGTH) ctx.state.authToken = token;
    if (ctx.path.startsWith('/v2/') && !PUBLIC_V2.test(ctx.path)) {
      if (token === undefined || token.length > MAX_TOKEN_LENGTH) throw failures.unauthorized();
      ctx.state.principal = await tokens.verify(token);
    }
    await next();
  };
}
