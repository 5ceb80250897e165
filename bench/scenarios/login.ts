/**
 * Login of 10,000 recipients through the gateway (POST /{id}/status {"status":"login"}, each
 * recipient once, 100 connections): the time until all are logged in (target < 10 s), logins/s
 * against baseline C. `--quick`: 1,000 recipients (no target).
 */
import { loadGateway } from '../support/gateway-load.js';
import { loadRows, rowOf } from '../support/rows.js';
import { getStack } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';
import { bracketedC } from '../support/bracketed-c.js';
import { CONNECTIONS } from './baselines.js';

const SCENARIO = 'login_10k';
const TARGET_S = 10;

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const stack = await getStack(ctx);
  const count = ctx.quick ? 1_000 : 10_000;
  const ids = stack.take(count);
  const base = `/v2/accounts/${stack.accountId}/qubicle_recipients`;
  const LOGIN = JSON.stringify({ data: { status: 'login' } });
  let n = 0;
  const { result: r, C } = await bracketedC(ctx, () =>
    loadGateway(stack, '', {
      method: 'POST',
      connections: CONNECTIONS,
      amount: count,
      next: () => ({ path: `${base}/${ids[n++ % count]}/status`, method: 'POST', body: LOGIN }),
    }),
  );
  // every one of them is logged in (read back in bulk, over the bus)
  const statuses = await stack.client.statusMany(stack.accountId, ids);
  const missing = ids.filter((id) => statuses[id] === 'not_logged_in').length;
  ctx.log(`${count} logins in ${r.seconds.toFixed(2)} s (${r.rps.toFixed(0)}/s, p50 ${r.p50} ms, p99 ${r.p99} ms); ${missing} not logged in`);
  return [
    rowOf(SCENARIO, 'login_all_time', r.seconds, 's', count === 10_000 ? { target: TARGET_S, met: r.seconds < TARGET_S && missing === 0, note: `${count} recipients, ${CONNECTIONS} connections` } : { note: `${count} recipients (quick)` }),
    ...loadRows(SCENARIO, r, { unit: 'logins/s', baseline: C, baselineName: 'C (mean of before and after)' }),
    rowOf(SCENARIO, 'not_logged_in_after', missing, 'recipients', { target: 0, met: missing === 0 }),
  ];
}

export const loginScenario: BenchScenario = {
  name: 'login',
  description: 'login of 10,000 recipients through the gateway, 100 connections (target < 10 s)',
  run,
};
