/**
 * Bulk status of 100 recipients (POST /qubicle_recipients/status {"data":{"recipient_ids":[100]}})
 * against the single-recipient GET status of the same recipients, both at the same concurrency
 * (10 connections, so that latency is service time rather than queueing). 100 logged-in
 * recipients, half Ready, half Away. Target: bulk p50 ≤ 3 × single p50.
 */
import { load } from '../support/load.js';
import { durations, loadRows, rowOf } from '../support/rows.js';
import { getStack } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';

const SCENARIO = 'bulk_status';
const RECIPIENTS = 100;
const CONNECTIONS = 10;

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const stack = await getStack(ctx);
  const ids = stack.take(RECIPIENTS);
  await stack.each(ids, 50, async (id) => {
    await stack.client.login(stack.accountId, id);
    if (ids.indexOf(id) % 2 === 0) await stack.client.setStatus(stack.accountId, id, 'ready');
  });
  const base = `/v2/accounts/${stack.accountId}/qubicle_recipients`;
  let n = 0;
  const single = await load({
    url: stack.url,
    headers: { 'x-auth-token': stack.token },
    connections: CONNECTIONS,
    ...durations(ctx),
    next: () => ({ path: `${base}/${ids[n++ % RECIPIENTS]}/status` }),
    pids: stack.pids,
    brokerPid: stack.brokerPid,
  });
  const bulk = await load({
    url: `${stack.url}${base}/status`,
    method: 'POST',
    headers: { 'x-auth-token': stack.token },
    body: JSON.stringify({ data: { recipient_ids: ids } }),
    connections: CONNECTIONS,
    ...durations(ctx),
    pids: stack.pids,
    brokerPid: stack.brokerPid,
  });
  ctx.log(`bulk of ${RECIPIENTS}: ${bulk.rps.toFixed(0)} req/s, p50 ${bulk.p50} ms, p99 ${bulk.p99} ms; single: ${single.rps.toFixed(0)} req/s, p50 ${single.p50} ms`);
  const ratio = bulk.p50 / Math.max(single.p50, 0.001);
  return [
    ...loadRows(SCENARIO, bulk, { baseline: single, baselineName: 'single GET status at the same concurrency' }),
    rowOf(SCENARIO, 'recipients_per_s', bulk.rps * RECIPIENTS, 'statuses/s', { baseline: single.rps, note: 'statuses read per second vs single GETs/s' }),
    rowOf(SCENARIO, 'p50_over_single_p50', ratio, 'ratio', { target: 3, met: ratio <= 3, note: `bulk p50 ${bulk.p50} ms / single p50 ${single.p50} ms, ${CONNECTIONS} connections each` }),
    ...loadRows('bulk_status_single_ref', single, { note: `GET status of the same ${RECIPIENTS} recipients round-robin, ${CONNECTIONS} connections` }),
  ];
}

export const bulkStatusScenario: BenchScenario = {
  name: 'bulk-status',
  description: 'bulk status of 100 recipients vs single GET status, 10 connections each (target: bulk p50 <= 3 x single p50)',
  run,
};
