/**
 * Failover time: from `kill -9` of a worker until every recipient of that worker answers again
 * (from a survivor, still logged in), with 10,000 logged-in recipients over 3 worker processes and
 * the DEFAULT lease TTL.
 *
 * How it is measured: right after the kill, ONE get_status_many per shard of the dead node is put on
 * that shard's queue (with a long timeout). Each waits in the queue until the shard's new owner has
 * loaded it and consumes it, so its reply time is that shard's recovery time; the failover time is
 * the slowest shard's. Every reply must name a survivor and list every recipient as logged in.
 *
 * Environment: BENCH_RECIPIENTS (default 10000), BENCH_LEASE_TTL_MS (default: the worker's default),
 * BENCH_QUEUE_TYPE (classic|quorum, default classic).
 */
import { groupByShard } from '@qubicle/client';
import { shardQueue, type RecipientStatus, type RpcReply, type ShardQueueType } from '@qubicle/contracts';
import { loadWorkerConfig } from '@qubicle/recipient-worker';
import { Cluster } from '../test/cluster/support/cluster.js';
import type { BenchRow, BenchScenario } from './types.js';

const TARGET_S = 5;

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function run(): Promise<BenchRow[]> {
  const recipients = Number(process.env['BENCH_RECIPIENTS'] ?? 10_000);
  const defaultTtl = loadWorkerConfig({}).leaseTtlMs;
  const ttl = Number(process.env['BENCH_LEASE_TTL_MS'] ?? defaultTtl);
  const queueType = (process.env['BENCH_QUEUE_TYPE'] ?? 'classic') as ShardQueueType;
  const log = (s: string) => process.stdout.write(`[bench] failover: ${s}\n`);
  const c = await Cluster.create({ queueType, leaseTtlMs: ttl, logLevel: 'warn' });
  let ok = false;
  try {
    const nodes = ['w1', 'w2', 'w3'];
    for (const n of nodes) c.spawnWorker(n);
    await Promise.all(nodes.map((n) => c.waitForWorker(n)));
    await c.startGateway();
    await c.waitBalanced(nodes, 60_000);
    log(`3 workers up, shards balanced (TTL ${ttl} ms, ${queueType} queues)`);

    let t = Date.now();
    const ids = await c.createRecipients(recipients);
    log(`${recipients} recipients created in ${Date.now() - t} ms`);
    t = Date.now();
    await mapLimit(ids, 128, (id) => c.client.login(c.accountId, id, { timeoutMs: 30_000 }));
    log(`${recipients} logged in over the bus in ${Date.now() - t} ms`);

    const leases = await c.store.listLeases();
    const victim = 'w1';
    const deadShards = leases.filter((l) => l.owner === victim).map((l) => l.shard);
    const byShard = new Map([...groupByShard(c.accountId, ids, c.opts.shardCount)].filter(([s]) => deadShards.includes(s)));
    const victims = [...byShard.values()].reduce((n, g) => n + g.length, 0);
    const t0 = performance.now();
    c.signal(victim, 'SIGKILL');
    const recovered = await Promise.all(
      [...byShard].map(async ([shard, group]) => {
        for (;;) {
          const reply = (await c.bus.call(
            shardQueue(shard),
            { type: 'get_status_many', command_id: `bench-${shard}-${Date.now()}`, account_id: c.accountId, recipient_ids: group, shard_count: c.opts.shardCount },
            { timeoutMs: 60_000 },
          )) as RpcReply<Record<string, RecipientStatus | 'not_logged_in'>>;
          const at = performance.now() - t0;
          if (!reply.ok) continue; // e.g. moving between nodes: ask again
          if (reply.node === victim) throw new Error(`shard ${shard} answered by the dead node`);
          const lost = group.filter((id) => reply.data[id] === 'not_logged_in' || reply.data[id] === undefined);
          if (lost.length) throw new Error(`shard ${shard}: ${lost.length} recipients not logged in after failover`);
          return at;
        }
      }),
    );
    const failoverS = Math.max(...recovered) / 1000;
    const sorted = [...recovered].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]! / 1000;
    log(`kill -9 of ${victim} (${deadShards.length} shards, ${victims} recipients): every recipient answers again after ${failoverS.toFixed(3)} s (median shard ${median.toFixed(3)} s); lease TTL ${ttl / 1000} s`);
    ok = true;
    return [
      { scenario: 'failover', metric: 'failover_time', value: failoverS, unit: 's', target: TARGET_S, met: failoverS < TARGET_S, note: `kill -9 → every recipient of the dead node answers (slowest shard), TTL ${ttl} ms` },
      { scenario: 'failover', metric: 'failover_time_median_shard', value: median, unit: 's' },
      { scenario: 'failover', metric: 'lease_ttl', value: ttl / 1000, unit: 's', note: ttl === defaultTtl ? 'the default' : 'BENCH_LEASE_TTL_MS' },
      { scenario: 'failover', metric: 'failover_time_over_ttl', value: failoverS / (ttl / 1000), unit: 'ratio', note: 'failover time / lease TTL (a lease-expiry-only failover needs up to 1)' },
      { scenario: 'failover', metric: 'recipients_logged_in', value: recipients, unit: 'recipients' },
      { scenario: 'failover', metric: 'recipients_moved', value: victims, unit: 'recipients' },
      { scenario: 'failover', metric: 'shards_moved', value: deadShards.length, unit: 'shards' },
    ];
  } finally {
    const logs = await c.stop({ failed: !ok });
    if (logs) log(`process logs kept in ${logs}`);
  }
}

export const failover: BenchScenario = {
  name: 'failover',
  description: 'kill -9 of one of 3 workers with 10,000 logged-in recipients: time until every recipient of the dead node answers again',
  run,
};
