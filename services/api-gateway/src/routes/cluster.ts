/**
 * GET /v2/qubicle/cluster — the ops view of the worker cluster (admin only): every registered
 * worker node with its heartbeat age, the shards it holds and their logged-in recipient counts,
 * plus the shards nobody holds right now. Answered by any worker from the store (`cluster_view`).
 */
import type { Router } from '@koa/router';
import type { GatewayState } from '../context.js';
import { assertAdmin } from '../auth/permissions.js';
import { sendSuccess } from '../crossbar/respond.js';
import { callContextOf, principalOf, type RouteDeps } from './deps.js';

export const CLUSTER = '/v2/qubicle/cluster';

export function clusterRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  router.get(CLUSTER, async (ctx) => {
    assertAdmin(principalOf(ctx));
    sendSuccess(ctx, await deps.rpc.callDirectory({ type: 'cluster_view' }, callContextOf(ctx)));
  });
}
