/**
 * Baseline C measured right BEFORE and right AFTER a scenario's load, averaged: the baseline the
 * scenario's ratio is taken against.
 *
 * Why: these machines are shared, and their speed drifts within minutes (CPU per request of the
 * same code moved by a third between two scenarios of one run). C measured once at the start of a
 * run and a scenario measured minutes later can then differ by the drift alone: one run gave GET
 * 1.17 × C where C ran in a fast minute (0.33 ms of CPU per request in all) and GET in a slow one
 * (its gateway 0.18 ms per request where other runs saw 0.14). Measuring C on both sides of the
 * scenario puts the baseline in the same conditions.
 *
 * The C processes (koa-rpc + echo responder, bench/baselines) run on their own vhost for the whole
 * run, started on first use; `closeBracketedC()` stops them.
 */
import { createTestVhost, type TestVhost } from '../../libs/transport/test/support/vhost.js';
import type { BenchContext } from '../types.js';
import { load, type LoadResult } from './load.js';
import { findBrokerPid, startTs, type Child } from './processes.js';
import { durations } from './rows.js';

/** Connections of every HTTP load: C's and the scenarios compared with it. */
export const CONNECTIONS = 100;

interface CRig {
  url: string;
  koaRpc: Child;
  echo: Child;
  vhost: TestVhost;
  brokerPid: number | undefined;
}

let rig: Promise<CRig> | undefined;

async function startRig(): Promise<CRig> {
  const vhost = await createTestVhost();
  const env = { AMQP_URL: vhost.url, ECHO_QUEUE: 'bench.echo' };
  const echo = startTs('echo-responder', 'bench/baselines/echo-responder.ts', env);
  await echo.message('ready');
  const koaRpc = startTs('koa-rpc', 'bench/baselines/koa-rpc.ts', env);
  const { port } = await koaRpc.message<{ port: number }>('ready');
  return { url: `http://127.0.0.1:${port}/status/${'c'.repeat(32)}`, koaRpc, echo, vhost, brokerPid: await findBrokerPid() };
}

/** One C load now (same duration and warm-up as the scenarios). */
export async function measureC(ctx: BenchContext): Promise<LoadResult> {
  const r = await (rig ??= startRig());
  return load({ url: r.url, connections: CONNECTIONS, ...durations(ctx), pids: [r.koaRpc.pid, r.echo.pid], names: ['koa-rpc', 'echo'], brokerPid: r.brokerPid });
}

/** Runs `scenario` between two C loads; C = their mean. */
export async function bracketedC<T>(ctx: BenchContext, scenario: () => Promise<T>): Promise<{ result: T; C: LoadResult }> {
  const before = await measureC(ctx);
  const result = await scenario();
  const after = await measureC(ctx);
  const C = meanOf(before, after);
  ctx.log(`C koa_rpc around it: ${before.rps.toFixed(0)} and ${after.rps.toFixed(0)} req/s (mean ${C.rps.toFixed(0)})`);
  return { result, C };
}

function meanOf(a: LoadResult, b: LoadResult): LoadResult {
  const mean = (x: number, y: number) => (x + y) / 2;
  const by: Record<string, number> = {};
  for (const k of Object.keys(a.cpuPer1kBy)) by[k] = mean(a.cpuPer1kBy[k]!, b.cpuPer1kBy[k] ?? a.cpuPer1kBy[k]!);
  const statusCounts: Record<string, number> = { ...a.statusCounts };
  for (const [k, v] of Object.entries(b.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  return {
    requests: a.requests + b.requests,
    seconds: a.seconds + b.seconds,
    rps: mean(a.rps, b.rps),
    p50: mean(a.p50, b.p50),
    p99: mean(a.p99, b.p99),
    failures: a.failures + b.failures,
    statusCounts,
    cpuPer1k: mean(a.cpuPer1k, b.cpuPer1k),
    brokerCpuPer1k: mean(a.brokerCpuPer1k, b.brokerCpuPer1k),
    cpuPer1kBy: by,
  };
}

/** Stops the C processes and deletes their vhost, if they were started. */
export async function closeBracketedC(): Promise<void> {
  const r = rig;
  rig = undefined;
  const c = await r?.catch(() => undefined);
  if (!c) return;
  await c.koaRpc.stop();
  await c.echo.stop();
  await c.vhost.dispose().catch(() => undefined);
}
