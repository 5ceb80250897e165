/**
 * No auth, not Crossbar envelopes (for load balancers and orchestrators):
 *   GET /healthz  200 {status:'ok'} while the process serves HTTP;
 *   GET /readyz   200 when the bus is connected and the shard count is known (and the extra checks
 *                 given, e.g. the embedded worker's, pass), else 503 {status:'unavailable', reasons:[...],
 *                 reason: reasons joined}. The gateway has no store: "store reachable" is the workers' check;
 *   GET /metrics  Prometheus text.
 */
import type { Router } from '@koa/router';
import type { GatewayState } from '../context.js';
import { sendJson } from '../crossbar/respond.js';
import type { RouteDeps } from './deps.js';

export function healthRoutes(router: Router<GatewayState>, deps: RouteDeps): void {
  router.get('/healthz', async (ctx) => {
    sendJson(ctx, 200, { status: 'ok' });
  });

  router.get('/readyz', async (ctx) => {
    const reasons: string[] = [];
    if (!deps.bus.isConnected()) reasons.push('message bus not connected');
    const shardCount = deps.rpc.shards.value;
    if (shardCount === undefined) reasons.push('shard count not known yet (no worker answered cluster_info)');
    if (deps.readiness) reasons.push(...(await deps.readiness()));
    if (reasons.length === 0) sendJson(ctx, 200, { status: 'ok', shard_count: shardCount, node: deps.config.nodeName });
    else sendJson(ctx, 503, { status: 'unavailable', reasons, reason: reasons.join('; '), node: deps.config.nodeName });
  });

  router.get('/metrics', async (ctx) => {
    deps.metrics.busConnected.set(deps.bus.isConnected() ? 1 : 0);
    deps.metrics.shardCount.set(deps.rpc.shards.value ?? 0);
    ctx.body = await deps.metrics.render();
    ctx.set('Content-Type', deps.metrics.registry.contentType);
  });
}
