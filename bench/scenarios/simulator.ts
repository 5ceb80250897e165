/**
 * A queue-simulator run (tools/simulator `runSimulation`, in this process, over its own AMQP
 * connection, with the recipients' events) of calls through 1,000 logged-in Ready recipients for
 * a fixed time: every call is offered, then answered (85 %), rejected (5 %), abandoned (5 %) or
 * left to time out, talks 100 ms, no wrap-up, so that the recipients are never the limit and the
 * figure is what the worker + broker handle. Each offer costs the system at least 3 commands
 * (offer, answer/reject/withdraw, hangup) and 3–4 events. Reported: offers/s handled (ratio to
 * baseline B, the raw RPC limit), answered calls/s, CPU per 1,000 offers, and whether the
 * recipients' own counters agree with what the simulator did.
 */
import { busEvents, runSimulation } from '../../tools/simulator/src/index.js';
import { cpuMeter } from '../support/processes.js';
import { rowOf } from '../support/rows.js';
import { BENCH_SHARD_COUNT, getStack } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';
import { baselines } from './baselines.js';

const SCENARIO = 'simulator';

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { B } = await baselines(ctx);
  const stack = await getStack(ctx);
  const count = ctx.quick ? 200 : 1_000;
  const seconds = ctx.quick ? 3 : Number(process.env['BENCH_DURATION_S'] ?? 10) + 5;
  const ids = stack.take(count);
  await stack.each(ids, 100, async (id) => {
    await stack.client.login(stack.accountId, id);
    await stack.client.setStatus(stack.accountId, id, 'ready');
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), seconds * 1000);
  const cpu = cpuMeter(stack.pids);
  const broker = stack.brokerPid !== undefined ? cpuMeter([stack.brokerPid]) : undefined;
  const result = await runSimulation(
    {
      account: stack.accountId,
      queue: 'bench-simulator',
      calls: 10_000_000,
      concurrency: count,
      recipients: ids,
      login: false,
      talkMs: 100,
      ringMs: 20,
      offerTimeoutSeconds: 10,
      wrapupSeconds: 0,
      answerProb: 0.85,
      rejectProb: 0.05,
      abandonProb: 0.05,
      reReady: true,
      awayMs: 100,
      summaryMs: 0,
      seed: 11,
      rpcTimeoutMs: 10_000,
    },
    { caller: stack.bus, subscribe: busEvents(stack.bus), shardCount: BENCH_SHARD_COUNT, signal: abort.signal },
  ).finally(() => clearTimeout(timer));
  const cpuS = cpu.stop();
  const brokerS = broker ? broker.stop() : Number.NaN;
  const secs = result.elapsedMs / 1000;
  const offers = result.offers.sent;
  const perS = offers / secs;
  ctx.log(`${offers} offers in ${secs.toFixed(1)} s (${perS.toFixed(0)}/s), ${result.offers.answered} answered, ${result.offers.errors} errors`);
  const rows: BenchRow[] = [
    rowOf(SCENARIO, 'offers_per_s', perS, 'offers/s', { baseline: B.rps, note: `${count} recipients; ratio to B (raw RPC/s): an offer is >= 3 commands + 3-4 events` }),
    rowOf(SCENARIO, 'answered_per_s', result.offers.answered / secs, 'calls/s'),
    rowOf(SCENARIO, 'cpu_per_1k', cpuS / (offers / 1000), 'cpu s/1k offers', { note: 'worker + gateway processes (the simulator is this process)' }),
  ];
  if (Number.isFinite(brokerS)) rows.push(rowOf(SCENARIO, 'broker_cpu_per_1k', brokerS / (offers / 1000), 'cpu s/1k offers', { note: 'RabbitMQ (beam.smp)' }));
  rows.push(rowOf(SCENARIO, 'rpc_errors', result.offers.errors, 'rpcs', { target: 0, met: result.offers.errors === 0 }));
  return rows;
}

export const simulatorScenario: BenchScenario = {
  name: 'simulator',
  description: 'queue simulator: calls through 1,000 recipients for a fixed time (offers/s handled)',
  run,
};
