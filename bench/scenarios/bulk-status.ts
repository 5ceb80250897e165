/**
 * Bulk status of 100 recipients (POST /qubicle_recipients/status {"data":{"recipient_ids":[100]}})
 * against the single-recipient GET status of the same recipients, both at the same concurrency
 * (10 connections, so that latency is service time rather than queueing). 100 logged-in
 * recipients, half Ready, half Away. Target: bulk p50 ≤ 3 × single p50, with the latencies of a
 * 10 µs-resolution probe (latencyProbe: autocannon counts whole milliseconds, and a single status
 * at this concurrency takes about one); autocannon gives the throughput rows.
 */
import { loadGateway } from '../support/gateway-load.js';
import { latencyProbe } from '../support/load.js';
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
  const single = await loadGateway(stack, '', {
    connections: CONNECTIONS,
    ...durations(ctx),
    next: () => ({ path: `${base}/${ids[n++ % RECIPIENTS]}/status` }),
  });
  const bulk = await loadGateway(stack, `${base}/status`, {
    method: 'POST',
    body: JSON.stringify({ data: { recipient_ids: ids } }),
    connections: CONNECTIONS,
    ...durations(ctx),
  });
  const { durationS } = durations(ctx);
  let m = 0;
  const singleProbe = await latencyProbe({ url: stack.url, concurrency: CONNECTIONS, durationS, headers: { 'x-auth-token': stack.token }, next: () => `${base}/${ids[m++ % RECIPIENTS]}/status` });
  const bulkProbe = await latencyProbe({
    url: `${stack.url}${base}/status`,
    method: 'POST',
    concurrency: CONNECTIONS,
    durationS,
    headers: { 'x-auth-token': stack.token },
    body: JSON.stringify({ data: { recipient_ids: ids } }),
  });
  ctx.log(`bulk of ${RECIPIENTS}: ${bulk.rps.toFixed(0)} req/s, p50 ${bulkProbe.p50.toFixed(2)} ms, p99 ${bulkProbe.p99.toFixed(2)} ms; single: ${single.rps.toFixed(0)} req/s, p50 ${singleProbe.p50.toFixed(2)} ms`);
  const ratio = bulkProbe.p50 / Math.max(singleProbe.p50, 0.001);
  return [
    ...loadRows(SCENARIO, bulk, { baseline: single, baselineName: 'single GET status at the same concurrency' }),
    rowOf(SCENARIO, 'recipients_per_s', bulk.rps * RECIPIENTS, 'statuses/s', { baseline: single.rps, note: 'statuses read per second vs single GETs/s' }),
    rowOf(SCENARIO, 'probe_p50', bulkProbe.p50, 'ms', { baseline: singleProbe.p50, note: `10 us resolution, ${CONNECTIONS} connections; baseline: single GET status` }),
    rowOf(SCENARIO, 'probe_p99', bulkProbe.p99, 'ms', { baseline: singleProbe.p99 }),
    rowOf(SCENARIO, 'p50_over_single_p50', ratio, 'ratio', {
      target: 3,
      met: ratio <= 3 && bulkProbe.failures === 0 && singleProbe.failures === 0,
      note: `bulk p50 ${bulkProbe.p50.toFixed(2)} ms / single p50 ${singleProbe.p50.toFixed(2)} ms, ${CONNECTIONS} connections each`,
    }),
    ...loadRows('bulk_status_single_ref', single, { note: `GET status of the same ${RECIPIENTS} recipients round-robin, ${CONNECTIONS} connections` }),
  ];
}

export const bulkStatusScenario: BenchScenario = {
  name: 'bulk-status',
  description: 'bulk status of 100 recipients vs single GET status, 10 connections each (target: bulk p50 <= 3 x single p50)',
  run,
};
