/**
 * GET status of ONE recipient (logged in, Ready) through the whole system: autocannon → gateway
 * (token check, routing, Crossbar envelope) → … → reply, 100 connections. Compared with baseline
 * C (one raw RPC per request), measured right before and after it (support/bracketed-c.ts):
 * target ≥ 1.5 × C's req/s with p99 ≤ 50 ms.
 */
import { loadGateway } from '../support/gateway-load.js';
import { durations, loadRows } from '../support/rows.js';
import { getStack } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';
import { bracketedC } from '../support/bracketed-c.js';
import { CONNECTIONS } from './baselines.js';

const SCENARIO = 'get_status';

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const stack = await getStack(ctx);
  const [id] = stack.take(1);
  await stack.client.login(stack.accountId, id!);
  await stack.client.setStatus(stack.accountId, id!, 'ready');
  const { result: r, C } = await bracketedC(ctx, () =>
    loadGateway(stack, `/v2/accounts/${stack.accountId}/qubicle_recipients/${id}/status`, {
      connections: CONNECTIONS,
      ...durations(ctx),
    }),
  );
  ctx.log(`${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms (C: ${C.rps.toFixed(0)} req/s)`);
  return loadRows(SCENARIO, r, { baseline: C, baselineName: 'C (mean of before and after)', throughputTarget: 1.5, p99Target: 50 });
}

export const getStatusScenario: BenchScenario = {
  name: 'get-status',
  description: 'GET status of one logged-in recipient, 100 connections (vs baseline C; target 1.5 x C, p99 <= 50 ms)',
  run,
};
