/**
 * The baselines, measured IN THE SAME RUN as the scenarios that are compared with them (these
 * machines are shared and noisy: only ratios measured side by side mean something):
 *
 * - A `koa_bare`: bare Koa + @koa/router answering a small JSON (the HTTP limit), 100 connections;
 * - B `rpc_echo`: raw amqplib RPC echo between two processes, `noDelay: true`, 100 in flight
 *   (the broker limit);
 * - C `koa_rpc`: Koa doing ONE raw RPC per request to the echo responder (the naive design),
 *   100 connections.
 *
 * Each is measured once per run, the first time a scenario needs it (memoised), in its own
 * processes (bench/baselines/*.ts) on its own throw-away vhost; C on the rig that
 * support/bracketed-c.ts keeps for the run (the scenarios compared with C measure it there again).
 */
import { createTestVhost } from '../../libs/transport/test/support/vhost.js';
import { CONNECTIONS, measureC } from '../support/bracketed-c.js';
import { load, type LoadResult } from '../support/load.js';
import { findBrokerPid, startTs, cpuMeter } from '../support/processes.js';
import { durations, loadRows, rowOf } from '../support/rows.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';

export { CONNECTIONS };

export interface Baselines {
  A: LoadResult;
  B: LoadResult;
  C: LoadResult;
}

let measured: Promise<Baselines> | undefined;

/** A, B and C of this run (measured on first use). */
export function baselines(ctx: BenchContext): Promise<Baselines> {
  measured ??= measure(ctx);
  return measured;
}

async function measure(ctx: BenchContext): Promise<Baselines> {
  const { durationS, warmupS } = durations(ctx);
  const brokerPid = await findBrokerPid();
  const vhost = await createTestVhost();
  const env = { AMQP_URL: vhost.url, ECHO_QUEUE: 'bench.echo' };
  try {
    // A
    const bare = startTs('koa-bare', 'bench/baselines/koa-bare.ts', {});
    let A: LoadResult;
    try {
      const { port } = await bare.message<{ port: number }>('ready');
      A = await load({ url: `http://127.0.0.1:${port}/status`, connections: CONNECTIONS, durationS, warmupS, pids: [bare.pid], brokerPid });
    } finally {
      await bare.stop();
    }
    ctx.log(`A koa_bare: ${A.rps.toFixed(0)} req/s, p50 ${A.p50} ms, p99 ${A.p99} ms`);

    const echo = startTs('echo-responder', 'bench/baselines/echo-responder.ts', env);
    try {
      await echo.message('ready');
      // B: the client is a child too (two processes + the broker); its CPU counts, as a caller's would
      const client = startTs('rpc-echo-client', 'bench/baselines/rpc-echo-client.ts', { ...env, IN_FLIGHT: '100', DURATION_S: String(durationS), WARMUP_S: String(warmupS) });
      // CPU over the whole client life (warm-up included), scaled to its measured calls below
      const cpu = cpuMeter([echo.pid, client.pid]);
      const broker = brokerPid !== undefined ? cpuMeter([brokerPid]) : undefined;
      const r = await client.message<{ calls: number; seconds: number; rps: number; p50: number; p99: number }>('result', (durationS + warmupS + 60) * 1000);
      const share = r.seconds / (r.seconds + warmupS);
      const B: LoadResult = {
        requests: r.calls,
        seconds: r.seconds,
        rps: r.rps,
        p50: r.p50,
        p99: r.p99,
        failures: 0,
        statusCounts: {},
        cpuPer1k: (cpu.stop() * share) / (r.calls / 1000),
        brokerCpuPer1k: broker ? (broker.stop() * share) / (r.calls / 1000) : Number.NaN,
        cpuPer1kBy: {},
      };
      await client.stop();
      ctx.log(`B rpc_echo: ${B.rps.toFixed(0)} rpc/s, p50 ${B.p50.toFixed(2)} ms, p99 ${B.p99.toFixed(2)} ms`);

      // C: on the rig the scenarios compared with C measure it again on (support/bracketed-c.ts)
      const C = await measureC(ctx);
      ctx.log(`C koa_rpc: ${C.rps.toFixed(0)} req/s, p50 ${C.p50} ms, p99 ${C.p99} ms`);
      return { A, B, C };
    } finally {
      await echo.stop();
    }
  } finally {
    await vhost.dispose().catch(() => undefined);
  }
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { A, B, C } = await baselines(ctx);
  return [
    ...loadRows('baseline_A_koa_bare', A, { note: 'bare Koa + @koa/router, small JSON, 100 connections', isBaseline: true }),
    ...loadRows('baseline_B_rpc_echo', B, { unit: 'rpc/s', note: 'raw amqplib RPC echo, 100 in flight, two processes', isBaseline: true }),
    ...loadRows('baseline_C_koa_rpc', C, { note: 'Koa + one raw RPC per request, 100 connections', isBaseline: true }),
    rowOf('baseline_C_koa_rpc', 'throughput_vs_B', C.rps, 'req/s', { baseline: B.rps, note: 'C / B: what one RPC per request leaves of the broker limit' }),
  ];
}

export const baselinesScenario: BenchScenario = {
  name: 'baselines',
  description: 'A bare Koa, B raw amqplib RPC echo (100 in flight), C Koa + one raw RPC per request (measured once per run, reused by the other scenarios)',
  run,
};
