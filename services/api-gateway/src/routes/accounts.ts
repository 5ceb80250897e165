/** GET /v2/accounts/:account_id — the account (without its api key); admin only. */
import type { Router } from '@koa/router';
import type { GatewayState } from '../context.js';
import { assertAdmin } from '../auth/permissions.js';
import { sendSuccess } from '../crossbar/respond.js';
import { callContextOf, param, principalOf, type RouteDeps } from './deps.js';

export const ACCOUNT = '/v2/accounts/:account_id';

export function accountRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  router.get(ACCOUNT, async (ctx) => {
    assertAdmin(principalOf(ctx));
    const account = await deps.rpc.callDirectory({ type: 'account_get', account_id: param(ctx, 'account_id') }, callContextOf(ctx));
    const { api_key: _secret, ...view } = account as typeof account & { api_key?: unknown };
    sendSuccess(ctx, view);
  });
}
