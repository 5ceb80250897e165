import type { ClusterInfo, ClusterInfoRequest } from '@qubicle/contracts';
import type { DirectoryContext } from '../types.js';

/** The shard count recorded in the store (cluster meta `shard_count`), else this worker's own. */
export async function clusterInfo(_req: ClusterInfoRequest, ctx: DirectoryContext): Promise<ClusterInfo> {
  const recorded = await ctx.store.getMeta<unknown>('shard_count');
  const shardCount = typeof recorded === 'number' && Number.isInteger(recorded) && recorded >= 1 ? recorded : ctx.shardCount;
  return { shard_count: shardCount };
}
