import { validator } from '../../schema.js';

/**
 * Broadcasts between worker nodes on CONTROL_EXCHANGE (topic, routing key `cluster.{type}`).
 * They only make nodes act sooner (balance now rather than on the next tick, give a shard up now
 * rather than when the store answers again); correctness never depends on them: leases in the
 * store decide who owns what, and every write is fenced in the store.
 *
 * - `node_joined`: a node registered; the others release their surplus to it.
 * - `node_leaving`: a node is shutting down (it has left the registry); the others will take its shards.
 * - `shards_released`: a node released these leases (handover): whoever is under its fair share takes them.
 * - `shards_taken`: a node took these shards (claimed, loaded, consuming). Not for the workers: for
 *   caches of recipient state elsewhere (the gateways' read models drop what they hold of them, so
 *   that the next read names the new owner). With `epochs`, a node that still holds one of them
 *   under an older epoch gives it up at once (below).
 * - `shards_held`: sent by every node after each lease renewal round (every TTL/3), and for each
 *   shard it takes right after the claim: the shards whose lease it has just renewed or taken,
 *   with their epochs. A node that holds one of them SUSPENDED
 *   under an older epoch (it lost the store while the others did not, docs/cluster.md) gives it up
 *   at once, so that the new owner is not kept off the queue by its exclusive consumer. Ignored by
 *   the gateways; never triggers a balance round.
 */
export const CLUSTER_CONTROL_TYPES = ['node_joined', 'node_leaving', 'shards_released', 'shards_taken', 'shards_held'] as const;
export type ClusterControlType = (typeof CLUSTER_CONTROL_TYPES)[number];

export interface ClusterControlMessage {
  type: ClusterControlType;
  node: string;
  /** shards_released / shards_taken / shards_held: which */
  shards?: number[];
  /** shards_taken / shards_held: the lease epoch of each of `shards`, in the same order */
  epochs?: number[];
  /** ms since epoch */
  at: number;
}

export const clusterControlSchema = {
  type: 'object',
  required: ['type', 'node', 'at'],
  properties: {
    type: { enum: [...CLUSTER_CONTROL_TYPES] },
    node: { type: 'string', minLength: 1, maxLength: 200 },
    shards: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 65536 },
    epochs: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 65536 },
    at: { type: 'number' },
  },
  additionalProperties: false,
};

export const validateClusterControl = validator<ClusterControlMessage>(clusterControlSchema);

/** Routing key of a control message on CONTROL_EXCHANGE. */
export function clusterControlKey(type: ClusterControlType): string {
  return `cluster.${type}`;
}

/** Binding for every cluster control message. */
export const CLUSTER_CONTROL_BINDING = 'cluster.*';
