/**
 * Issue 13's routing figures: the service's own queue process routing callers to its members, on
 * the bench stack (one worker process, one gateway, SQLite, real RabbitMQ).
 *
 * - Callers come through KAZOO's session messages (create_session, join_queue, delete_session on
 *   QUEUE_SESSIONS_QUEUE), and the members' phones answer through the bus: both played by the
 *   simulator's caller mode (tools/simulator `runCallers`), one per queue, sharing ONE event
 *   subscription of this process (fanned out here: 100 subscriptions would each get every event).
 * - The members are logged in and set Ready through the bus first.
 *
 * Two loads per layout (1 queue × 1,000 members; 100 queues × 50 members):
 * - `routed_per_s`: 10,000 callers join at once (far more than the members): callers routed (first
 *   offer seen by a phone) per second, from the first join to the last first offer; the phones
 *   answer after ~5 ms and talk ~20 ms, so members free up all the time. Ratio to B (raw RPC/s).
 * - `join_to_offer` p50 / p99: callers kept few (CONCURRENT_FREE at once over all queues) so that a
 *   member is always free: the time from sending join_queue to the phone's offer event, against
 *   B's p99 (target: p99 <= 2 × B p99).
 *
 * The queues ring 5 s (the phones answer in ~5 ms): an offer lost under the load (its RPC timed out)
 * holds its member until ring_timeout + 3 s, then the status check, before the caller is re-routed.
 *
 * Environment: BENCH_QUEUE_CALLERS (default 10000), BENCH_QUEUE_LAYOUTS (e.g. `1x1000`: only those; default both).
 */
import { busEvents, runCallers, type CallerResult } from '../../tools/simulator/src/index.js';
import type { RecipientEvent } from '@qubicle/contracts';
import { cpuMeter } from '../support/processes.js';
import { rowOf } from '../support/rows.js';
import { BENCH_SHARD_COUNT, getStack, type Stack } from '../support/stack.js';
import type { BenchContext, BenchRow, BenchScenario } from '../types.js';
import { baselines } from './baselines.js';

/** callers in the system at once (all queues) in the latency load: well under the members */
const CONCURRENT_FREE = 50;

interface Layout {
  scenario: string;
  queues: number;
  members: number;
}

export const ROUTING_LAYOUTS: Layout[] = [
  { scenario: 'queue_routing_1x1000', queues: 1, members: 1_000 },
  { scenario: 'queue_routing_100x50', queues: 100, members: 50 },
];

/** Recipients the routing scenario takes from the stack's pool. */
export const routingRecipients = (quick: boolean): number => ROUTING_LAYOUTS.reduce((n, l) => n + l.queues * (quick ? Math.min(l.members, 5) : l.members), 0);

/** One subscription of this process to the account's recipient events, handed to every runCallers. */
async function sharedEvents(stack: Stack): Promise<{ subscribe: (key: string, on: (e: RecipientEvent) => void) => Promise<{ cancel(): Promise<void> }>; close(): Promise<void> }> {
  const handlers = new Set<(e: RecipientEvent) => void>();
  const sub = await busEvents(stack.bus)(`qubicle.recipient.${stack.accountId}.*.*`, (e) => {
    for (const h of handlers) h(e);
  });
  return {
    subscribe: async (_key, on) => {
      handlers.add(on);
      return { cancel: async () => void handlers.delete(on) };
    },
    close: () => sub.cancel(),
  };
}

const percentile = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN);

interface LoadFigures {
  callers: number;
  routed: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  problems: string[];
  cpuS: number;
  brokerS: number;
}

/** Runs `callersPerQueue` callers on every queue, `concurrencyPerQueue` at a time each. */
async function runLoad(stack: Stack, queueIds: string[], members: string[][], callersPerQueue: number, concurrencyPerQueue: number, events: Awaited<ReturnType<typeof sharedEvents>>): Promise<LoadFigures> {
  const joining = new Map<string, number>();
  const offered: number[] = [];
  let firstJoin = Number.POSITIVE_INFINITY;
  let lastOffer = 0;
  const cpu = cpuMeter(stack.pids);
  const broker = stack.brokerPid !== undefined ? cpuMeter([stack.brokerPid]) : undefined;
  const results: CallerResult[] = await Promise.all(
    queueIds.map((queue, i) =>
      runCallers(
        {
          account: stack.accountId,
          queue,
          calls: callersPerQueue,
          concurrency: concurrencyPerQueue,
          recipients: members[i]!,
          answerProb: 1,
          rejectProb: 0,
          ringMs: 5,
          talkMs: 20,
          patienceMs: 0,
          login: false,
          seed: 13 + i,
          summaryMs: 0,
          rpcTimeoutMs: 120_000,
          stallMs: 120_000,
        },
        {
          caller: stack.bus,
          subscribe: events.subscribe,
          shardCount: BENCH_SHARD_COUNT,
          onJoining: (sessionId) => {
            const now = performance.now();
            if (now < firstJoin) firstJoin = now;
            joining.set(sessionId, now);
          },
          onOffer: (sessionId, _r, attempt) => {
            const at = joining.get(sessionId);
            if (attempt !== 1 || at === undefined) return;
            const now = performance.now();
            offered.push(now - at);
            lastOffer = now;
          },
        },
      ),
    ),
  );
  const cpuS = cpu.stop();
  const brokerS = broker ? broker.stop() : Number.NaN;
  const sorted = offered.sort((a, b) => a - b);
  return {
    callers: callersPerQueue * queueIds.length,
    routed: offered.length,
    seconds: (lastOffer - firstJoin) / 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: results.reduce((n, r) => n + r.errors + (r.completed ? 0 : 1), 0),
    problems: results.flatMap((r) => r.problems).slice(0, 5),
    cpuS,
    brokerS,
  };
}

async function runLayout(ctx: BenchContext, stack: Stack, layout: Layout, events: Awaited<ReturnType<typeof sharedEvents>>, B: { rps: number; p99: number }): Promise<BenchRow[]> {
  const membersPerQueue = ctx.quick ? Math.min(layout.members, 5) : layout.members;
  const callers = ctx.quick ? 500 : Number(process.env['BENCH_QUEUE_CALLERS'] ?? 10_000);
  const A = stack.accountId;
  const queueIds: string[] = [];
  const members: string[][] = [];
  for (let q = 0; q < layout.queues; q++) {
    const created = await stack.client.directory({ type: 'queue_create', account_id: A, queue: { name: `${layout.scenario}-${q}`, ring_timeout: 5, agent_wrapup_time: 0, timeout: 3600, tick_time: 1000 } });
    const ids = stack.take(membersPerQueue);
    await stack.client.directory({ type: 'queue_roster_set', account_id: A, queue_id: created.doc.id, recipients: ids });
    queueIds.push(created.doc.id);
    members.push(ids);
  }
  await stack.each(members.flat(), 100, async (id) => {
    await stack.client.login(A, id);
    await stack.client.setStatus(A, id, 'ready');
  });
  ctx.log(`${layout.queues} queue(s) × ${membersPerQueue} members, all Ready`);

  const free = await runLoad(stack, queueIds, members, Math.max(1, Math.ceil((ctx.quick ? 200 : 2_000) / layout.queues)), Math.max(1, Math.floor(CONCURRENT_FREE / layout.queues)), events);
  ctx.log(`latency load (a member free): ${free.routed} routed, join → offer p50 ${free.p50.toFixed(1)} ms, p99 ${free.p99.toFixed(1)} ms; errors ${free.errors} ${free.problems.join('; ')}`);
  const flood = await runLoad(stack, queueIds, members, Math.ceil(callers / layout.queues), Math.ceil(callers / layout.queues), events);
  const perS = flood.routed / flood.seconds;
  ctx.log(`flood: ${flood.callers} callers, ${flood.routed} routed in ${flood.seconds.toFixed(2)} s (${perS.toFixed(0)}/s); errors ${flood.errors} ${flood.problems.join('; ')}`);
  const s = layout.scenario;
  const rows: BenchRow[] = [
    rowOf(s, 'routed_per_s', perS, 'callers/s', { baseline: B.rps, note: `${flood.callers} callers joining at once, ${layout.queues} × ${membersPerQueue} members; ratio to B (raw RPC/s)` }),
    rowOf(s, 'flood_seconds', flood.seconds, 's', { note: 'first join → last first offer' }),
    rowOf(s, 'join_to_offer_p50', free.p50, 'ms', { note: `a member free (${CONCURRENT_FREE} callers at once)` }),
    rowOf(s, 'join_to_offer_p99', free.p99, 'ms', { baseline: B.p99, target: 2 * B.p99, met: free.p99 <= 2 * B.p99, note: 'target: p99 <= 2 × B p99' }),
    rowOf(s, 'flood_join_to_offer_p99', flood.p99, 'ms', { note: 'callers waiting for a member: queueing time, not routing' }),
    rowOf(s, 'cpu_per_1k', flood.cpuS / (flood.routed / 1000), 'cpu s/1k callers', { note: 'worker + gateway processes, flood load' }),
  ];
  if (Number.isFinite(flood.brokerS)) rows.push(rowOf(s, 'broker_cpu_per_1k', flood.brokerS / (flood.routed / 1000), 'cpu s/1k callers', { note: 'RabbitMQ (beam.smp)' }));
  rows.push(rowOf(s, 'errors', free.errors + flood.errors, 'errors', { target: 0, met: free.errors + flood.errors === 0, note: 'caller/phone RPC errors, unfinished runs' }));
  rows.push(rowOf(s, 'lost', flood.callers - flood.routed, 'callers', { target: 0, met: flood.routed === flood.callers, note: 'callers never offered' }));
  return rows;
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { B } = await baselines(ctx);
  const stack = await getStack(ctx);
  const events = await sharedEvents(stack);
  try {
    const rows: BenchRow[] = [];
    const only = process.env['BENCH_QUEUE_LAYOUTS']?.split(',');
    for (const layout of ROUTING_LAYOUTS.filter((l) => !only || only.includes(`${l.queues}x${l.members}`))) rows.push(...(await runLayout(ctx, stack, layout, events, B)));
    return rows;
  } finally {
    await events.close();
  }
}

export const queueRoutingScenario: BenchScenario = {
  name: 'queue-routing',
  description: "the service's queue routing 10,000 callers: 1 queue × 1,000 members, then 100 queues × 50 (callers routed/s vs B, join → offer p50/p99 with a member free)",
  run,
};
