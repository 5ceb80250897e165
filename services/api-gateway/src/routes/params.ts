/**
 * Path parameters, checked before any handler: ids that are not 32 lowercase hex are a 404
 * "bad identifier" (never a crash, never a bus message); a token opens only its own account (403).
 */
import type { Router } from '@koa/router';
import { AWAY_REASON_NAME_PATTERN, isKazooId } from '@qubicle/contracts';
import type { GatewayState } from '../context.js';
import { failures } from '../crossbar/errors.js';

export function checkParams(router: Router<GatewayState>): void {
  router.param('account_id', async (value, ctx, next) => {
    if (!isKazooId(value)) throw failures.badIdentifier('account_id');
    const p = ctx.state.principal;
    if (!p) throw failures.unauthorized();
    if (p.accountId !== value) throw failures.forbidden('the token does not open this account');
    return next();
  });
  // a caller session id (create_session's): 1–128 characters, as the session contracts allow
  router.param('session_id', async (value, _ctx, next) => {
    if (value.length < 1 || value.length > 128) throw failures.badIdentifier('session_id');
    return next();
  });
  // an away reason's name (qubicle_away_reasons/{name})
  const reasonName = new RegExp(AWAY_REASON_NAME_PATTERN);
  router.param('reason_name', async (value, _ctx, next) => {
    if (!reasonName.test(value)) throw failures.badIdentifier('reason_name');
    return next();
  });
  for (const name of ['id', 'user_id']) {
    router.param(name, async (value, _ctx, next) => {
      if (!isKazooId(value)) throw failures.badIdentifier(name);
      return next();
    });
  }
}
