/**
 * POST status ready/away through the whole system, 100 connections over 100 logged-in recipients
 * (request i goes to recipient i mod 100 and flips it between ready and away, like agents using
 * their desktops): every request is a state change that is PERSISTED before the reply. Compared
 * with baseline C measured right before and after it: target ≥ 1.0 × C's req/s.
 */
import { loadGateway } from '../support/gateway-load.js';
import { durations, loadRows, rowOf } from '../support/rows.js';
import { getStack, scrapeSum } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';
import { bracketedC } from '../support/bracketed-c.js';
import { CONNECTIONS } from './baselines.js';

const SCENARIO = 'post_status';
const RECIPIENTS = 100;

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const stack = await getStack(ctx);
  const ids = stack.take(RECIPIENTS);
  await stack.each(ids, 50, (id) => stack.client.login(stack.accountId, id));
  const base = `/v2/accounts/${stack.accountId}/qubicle_recipients`;
  const flips = new Array<number>(RECIPIENTS).fill(0);
  let n = 0;
  const batches = () => scrapeSum(stack.workerMetricsUrl, 'qubicle_worker_store_write_duration_seconds_count', { operation: 'saveRecipientGroups' });
  const commands = () => scrapeSum(stack.workerMetricsUrl, 'qubicle_worker_commands_total', { command: 'set_status', outcome: 'ok' });
  const [batches0, commands0] = [await batches(), await commands()];
  const READY = JSON.stringify({ data: { status: 'ready' } });
  const AWAY = JSON.stringify({ data: { status: 'away' } });
  const { result: r, C } = await bracketedC(ctx, () =>
    loadGateway(stack, '', {
      method: 'POST',
      connections: CONNECTIONS,
      ...durations(ctx),
      next: () => {
        const i = n++ % RECIPIENTS;
        const flip = flips[i]!;
        flips[i] = flip + 1;
        const body = flip % 2 === 0 ? READY : AWAY;
        return { path: `${base}/${ids[i]}/status`, method: 'POST', body };
      },
    }),
  );
  // warm-up included in both: the writes per store transaction of the write-behind batcher
  const perBatch = ((await commands()) - commands0) / Math.max(1, (await batches()) - batches0);
  ctx.log(`${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms (C: ${C.rps.toFixed(0)} req/s); ${perBatch.toFixed(1)} state writes per store transaction`);
  return [
    ...loadRows(SCENARIO, r, { baseline: C, baselineName: 'C (mean of before and after)', throughputTarget: 1.0 }),
    rowOf(SCENARIO, 'writes_per_store_transaction', perBatch, 'writes', { note: 'write-behind batching: state writes / saveRecipientGroups calls' }),
  ];
}

export const postStatusScenario: BenchScenario = {
  name: 'post-status',
  description: 'POST status ready/away (persisted before the reply), 100 connections over 100 recipients (target 1.0 x C)',
  run,
};
