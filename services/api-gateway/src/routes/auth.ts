/**
 * PUT /v2/user_auth {data:{credentials, account_name}} and PUT /v2/api_auth {data:{api_key}}:
 * the directory checks them, the gateway signs a token. 201 with KAZOO's shape
 * {auth_token, data: AuthData, status, request_id}. Credentials and keys are never logged.
 *
 * DELETE /v2/token_auth (X-Auth-Token: the token): ends that token everywhere (KAZOO clients log
 * out this way). 200 {data:{}, status:"success", auth_token:""}.
 *
 * Failed logins are limited per account and client address, per address and per account
 * (auth/login-limits.ts): past a limit, 429 with Retry-After.
 */
import type { Router } from '@koa/router';
import {
  QubicleFailure,
  isKazooId,
  validateApiAuthBody,
  validateUserAuthBody,
  type AuthData,
  type AuthIdentity,
} from '@qubicle/contracts';
import type { GatewayContext, GatewayState } from '../context.js';
import { addressKey } from '../auth/client-address.js';
import { failures } from '../crossbar/errors.js';
import { sendJson, sendSuccess } from '../crossbar/respond.js';
import { callContextOf, principalOf, validBody, type RouteDeps } from './deps.js';

export function authRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  router.put('/v2/user_auth', async (ctx) => {
    const { data } = validBody(validateUserAuthBody, ctx.state.body);
    const identity = await limited(ctx, deps, data.account_name, () =>
      deps.rpc.callDirectory({ type: 'auth_user', credentials: data.credentials.toLowerCase(), account_name: data.account_name }, callContextOf(ctx)),
    );
    await answerWithToken(ctx, deps, identity);
  });

  router.put('/v2/api_auth', async (ctx) => {
    const { data } = validBody(validateApiAuthBody, ctx.state.body);
    const identity = await limited(ctx, deps, undefined, () => deps.rpc.callDirectory({ type: 'auth_api', api_key: data.api_key }, callContextOf(ctx)));
    await answerWithToken(ctx, deps, identity);
  });

  // KAZOO's log-out (cb_token_auth): the token of the request ends, on every gateway, for good.
  // Answers as KAZOO does: success, no data, and no auth_token (the token is not echoed back).
  router.delete('/v2/token_auth', async (ctx) => {
    const p = principalOf(ctx);
    await deps.tokens.revoke(ctx.state.authToken, ctx.state.requestId);
    deps.logger.info({ request_id: ctx.state.requestId, account_id: p.accountId, owner_id: p.ownerId, token_id: p.tokenId }, 'token deleted');
    ctx.state.authToken = '';
    sendSuccess(ctx, {});
  });
}

/**
 * Runs a login under the failed-login limits (auth/login-limits.ts): 429 with Retry-After when a
 * limit is reached (the directory is not asked), otherwise the attempt counts as a failure unless
 * it succeeds or fails for another reason than the credentials.
 */
async function limited<T>(ctx: GatewayContext, deps: RouteDeps, accountName: string | undefined, login: () => Promise<T>): Promise<T> {
  const decision = deps.loginLimits.begin(addressKey(ctx.ip), accountName, deps.clock());
  if (!decision.ok) {
    deps.metrics.authRateLimited.inc({ limit: decision.limit });
    // the address and account name only (never credentials); the limit tells which count was full
    deps.logger.warn({ request_id: ctx.state.requestId, limit: decision.limit, address: ctx.ip, account_name: accountName }, 'login refused: too many failures');
    throw failures.tooManyRequests(`too many failed logins; retry in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
  }
  try {
    const result = await login();
    decision.attempt.release();
    return result;
  } catch (err) {
    if (!(err instanceof QubicleFailure && err.error.code === 'unauthorized')) decision.attempt.release();
    throw err;
  }
}

async function answerWithToken(ctx: GatewayContext, deps: RouteDeps, identity: AuthIdentity): Promise<void> {
  if (!isValidIdentity(identity)) {
    deps.logger.error({ request_id: ctx.state.requestId }, 'directory answered an invalid auth identity');
    throw failures.internal('invalid auth identity');
  }
  const token = await deps.tokens.issue(identity);
  const data: AuthData = {
    account_id: identity.account_id,
    account_name: identity.account_name,
    ...(identity.owner_id !== undefined ? { owner_id: identity.owner_id } : {}),
    priv_level: identity.priv_level,
    is_reseller: false,
    language: 'en-us',
    apps: [],
  };
  deps.logger.info(
    { request_id: ctx.state.requestId, account_id: identity.account_id, owner_id: identity.owner_id, priv_level: identity.priv_level },
    'token issued',
  );
  ctx.state.authToken = token;
  sendJson(ctx, 201, { auth_token: token, data, status: 'success', request_id: ctx.state.requestId });
}

function isValidIdentity(i: unknown): i is AuthIdentity {
  if (typeof i !== 'object' || i === null) return false;
  const o = i as Record<string, unknown>;
  return (
    isKazooId(o['account_id']) &&
    typeof o['account_name'] === 'string' &&
    (o['owner_id'] === undefined || isKazooId(o['owner_id'])) &&
    (o['priv_level'] === 'admin' || o['priv_level'] === 'user') &&
    (o['token_generation'] === undefined || (Number.isSafeInteger(o['token_generation']) && (o['token_generation'] as number) >= 0))
  );
}
