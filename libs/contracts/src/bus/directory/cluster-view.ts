import { directorySchema } from './directory-base.js';

/**
 * The ops view of the cluster (`GET /v2/qubicle/cluster`): every registered worker node with its
 * heartbeat age, the shards it holds a valid lease on and how many logged-in recipients those
 * shards have; plus the shards nobody holds right now. Read from the store by whichever worker
 * answers the directory request. Reply: ClusterView.
 */
export interface ClusterViewRequest {
  type: 'cluster_view';
}
export const clusterViewRequestSchema = directorySchema('cluster_view');

export interface ClusterViewNode {
  name: string;
  /** ms since epoch */
  started_at: number;
  /** ms since epoch of the last heartbeat */
  heartbeat_at: number;
  /** ms since the last heartbeat, by the answering worker's clock */
  heartbeat_age_ms: number;
  /** heartbeat younger than the lease TTL */
  alive: boolean;
  /** shards this node holds a valid (unexpired) lease on, ascending */
  shards: number[];
  /** logged-in recipients of those shards */
  recipients: number;
  /** what the node reports about itself (shard_count, queue_type, lease_ttl_ms, ...) */
  info: Record<string, unknown>;
}

export interface ClusterViewLease {
  shard: number;
  owner: string | null;
  epoch: number;
  /** ms since epoch; 0 once released */
  expires_at: number;
}

export interface ClusterView {
  shard_count: number;
  /** the answering worker's lease TTL (liveness threshold of `alive`) */
  lease_ttl_ms: number;
  /** ms since epoch, the answering worker's clock */
  generated_at: number;
  answered_by: string;
  nodes: ClusterViewNode[];
  /** shards with no valid lease now (free, released or expired), ascending */
  unowned_shards: number[];
  /** leases held by a name that is not a registered node (e.g. a node that died and was removed, until they expire) */
  orphaned_shards: number[];
  total_recipients: number;
  leases: ClusterViewLease[];
}

const shardList = { type: 'array', items: { type: 'integer', minimum: 0 } } as const;

export type ClusterViewReply = ClusterView;
export const clusterViewReplySchema = {
  type: 'object',
  required: ['shard_count', 'lease_ttl_ms', 'generated_at', 'answered_by', 'nodes', 'unowned_shards', 'orphaned_shards', 'total_recipients', 'leases'],
  properties: {
    shard_count: { type: 'integer', minimum: 1 },
    lease_ttl_ms: { type: 'number', minimum: 0 },
    generated_at: { type: 'number' },
    answered_by: { type: 'string' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'started_at', 'heartbeat_at', 'heartbeat_age_ms', 'alive', 'shards', 'recipients', 'info'],
        properties: {
          name: { type: 'string' },
          started_at: { type: 'number' },
          heartbeat_at: { type: 'number' },
          heartbeat_age_ms: { type: 'number' },
          alive: { type: 'boolean' },
          shards: shardList,
          recipients: { type: 'integer', minimum: 0 },
          info: { type: 'object' },
        },
      },
    },
    unowned_shards: shardList,
    orphaned_shards: shardList,
    total_recipients: { type: 'integer', minimum: 0 },
    leases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['shard', 'owner', 'epoch', 'expires_at'],
        properties: {
          shard: { type: 'integer', minimum: 0 },
          owner: { type: ['string', 'null'] },
          epoch: { type: 'integer', minimum: 0 },
          expires_at: { type: 'number' },
        },
      },
    },
  },
} as const;
