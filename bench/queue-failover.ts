/**
 * Queue failover time (issue 13): `kill -9` of the worker holding a queue with 500 waiting callers
 * and 20 ringing (20 members, each ringing for one), on 2 worker processes with the DEFAULT lease
 * TTL: seconds until the survivor runs the queue and lists every caller again (in order, the same
 * 20 ringing), i.e. until every waiting caller is routable again. The same set-up as the test
 * test/cluster/queue-failover-load.test.ts (test/cluster/support/loaded-queue.ts), which asserts
 * the correctness (0 lost, 0 offered twice, order kept); this measures the time.
 *
 * Environment: BENCH_LEASE_TTL_MS (default: the worker's default), BENCH_QUEUE_WAITING (500),
 * BENCH_QUEUE_RINGING (20).
 */
import { loadWorkerConfig } from '@qubicle/recipient-worker';
import { Cluster } from '../test/cluster/support/cluster.js';
import { expectedOrder, loadQueue, ringingOf, untilSurvivorLists } from '../test/cluster/support/loaded-queue.js';
import { rowOf } from './support/rows.js';
import type { BenchContext, BenchRow, BenchScenario } from './types.js';

const TARGET_S = 5;
const SCENARIO = 'queue_failover';

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const waiting = ctx.quick ? 50 : Number(process.env['BENCH_QUEUE_WAITING'] ?? 500);
  const ringing = ctx.quick ? 5 : Number(process.env['BENCH_QUEUE_RINGING'] ?? 20);
  const defaultTtl = loadWorkerConfig({}).leaseTtlMs;
  const ttl = Number(process.env['BENCH_LEASE_TTL_MS'] ?? defaultTtl);
  const c = await Cluster.create({ queueType: 'classic', leaseTtlMs: ttl, shardCount: 16, logLevel: 'warn' });
  let ok = false;
  try {
    c.spawnWorker('w1');
    c.spawnWorker('w2');
    await Promise.all(['w1', 'w2'].map((n) => c.waitForWorker(n)));
    await c.startGateway();
    await c.waitBalanced(['w1', 'w2'], 60_000);
    const t = Date.now();
    const q = await loadQueue(c, { callers: waiting + ringing, ringing, name: 'Bench failover' });
    ctx.log(`${waiting + ringing} callers joined, ${ringing} ringing, in ${((Date.now() - t) / 1000).toFixed(1)} s (TTL ${ttl} ms)`);
    const order = expectedOrder(q.joined);
    if (q.order.join() !== order.join()) throw new Error('routing order before the kill is not priority + FIFO');
    const survivor = q.owner === 'w1' ? 'w2' : 'w1';
    c.signal(q.owner, 'SIGKILL');
    const { list, ms } = await untilSurvivorLists(c, q, survivor, waiting + ringing);
    const seconds = ms / 1000;
    const lost = order.filter((id) => !list.sessions.some((s) => s.session_id === id)).length;
    const orderKept = list.sessions.map((s) => s.session_id).join() === order.join();
    const after = ringingOf(list);
    const sameRinging = after.size === q.ringing.size && [...q.ringing].every(([s, r]) => after.get(s) === r);
    ctx.log(`kill -9 of ${q.owner}: ${survivor} lists all ${waiting + ringing} callers after ${seconds.toFixed(3)} s; lost ${lost}, order kept ${orderKept}, same ${ringing} ringing ${sameRinging}`);
    ok = true;
    return [
      rowOf(SCENARIO, 'routable_again', seconds, 's', { target: TARGET_S, met: seconds < TARGET_S, note: `kill -9 → the survivor lists every caller (${waiting} waiting, ${ringing} ringing), TTL ${ttl} ms` }),
      rowOf(SCENARIO, 'routable_again_over_ttl', seconds / (ttl / 1000), 'ratio', { note: 'failover time / lease TTL' }),
      rowOf(SCENARIO, 'lost', lost, 'callers', { target: 0, met: lost === 0 }),
      rowOf(SCENARIO, 'order_kept', orderKept ? 1 : 0, 'bool', { target: 1, met: orderKept }),
      rowOf(SCENARIO, 'ringing_kept', sameRinging ? 1 : 0, 'bool', { target: 1, met: sameRinging, note: 'the same callers ringing at the same members (re-sent, not re-routed)' }),
    ];
  } finally {
    const logs = await c.stop({ failed: !ok });
    if (logs) ctx.log(`process logs kept in ${logs}`);
  }
}

export const queueFailover: BenchScenario = {
  name: 'queue-failover',
  description: 'kill -9 of the worker holding a queue with 500 waiting and 20 ringing callers: time until the survivor lists every caller again',
  run,
};
