import { QubicleFailure, type ClusterView, type ClusterViewNode, type ClusterViewRequest } from '@qubicle/contracts';
import type { DirectoryContext } from '../types.js';

/**
 * The ops view (`GET /v2/qubicle/cluster`): nodes from the registry, shards from the leases
 * (only unexpired ones count as held), recipient counts from the store. Read-only; any worker answers.
 */
export async function clusterView(_req: ClusterViewRequest, ctx: DirectoryContext): Promise<ClusterView> {
  const cluster = ctx.cluster;
  if (!cluster) throw new QubicleFailure({ code: 'unavailable', message: 'this worker does not report the cluster view' });
  const [nodes, leases, counts, recorded] = await Promise.all([
    cluster.store.listNodes(),
    cluster.store.listLeases(),
    cluster.store.countRecipientsByShard(),
    ctx.store.getMeta<unknown>('shard_count'),
  ]);
  const now = (cluster.now ?? Date.now)();
  const shardCount = typeof recorded === 'number' && Number.isInteger(recorded) && recorded >= 1 ? recorded : ctx.shardCount;
  const recipientsOf = (shards: number[]) => shards.reduce((sum, s) => sum + (counts.get(s) ?? 0), 0);

  const held = new Map<string, number[]>();
  const heldShards = new Set<number>();
  for (const l of leases) {
    if (l.owner === null || l.expires_at < now) continue;
    heldShards.add(l.shard);
    const list = held.get(l.owner) ?? [];
    list.push(l.shard);
    held.set(l.owner, list);
  }
  const registered = new Set(nodes.map((n) => n.name));
  const viewNodes: ClusterViewNode[] = nodes.map((n) => {
    const shards = (held.get(n.name) ?? []).sort((a, b) => a - b);
    const age = Math.max(0, now - n.heartbeat_at);
    return {
      name: n.name,
      started_at: n.started_at,
      heartbeat_at: n.heartbeat_at,
      heartbeat_age_ms: age,
      alive: age < cluster.leaseTtlMs,
      shards,
      recipients: recipientsOf(shards),
      info: n.info,
    };
  });
  const orphaned = [...held.entries()].filter(([owner]) => !registered.has(owner)).flatMap(([, shards]) => shards);
  const unowned: number[] = [];
  for (let s = 0; s < shardCount; s++) if (!heldShards.has(s)) unowned.push(s);
  let total = 0;
  for (const n of counts.values()) total += n;
  return {
    shard_count: shardCount,
    lease_ttl_ms: cluster.leaseTtlMs,
    generated_at: now,
    answered_by: ctx.node ?? '',
    nodes: viewNodes,
    unowned_shards: unowned,
    orphaned_shards: orphaned.sort((a, b) => a - b),
    total_recipients: total,
    leases: leases.map((l) => ({ shard: l.shard, owner: l.owner, epoch: l.epoch, expires_at: l.expires_at })),
  };
}
