/** The cluster's bookkeeping: its meta (e.g. shard_count), the nodes' heartbeats and the shard leases. */
import type { Lease, NodeRecord } from '../records.js';

export interface ClusterStore {
  // cluster meta (e.g. shard_count)
  /** Returns the value already stored, or stores and returns `value` (the first writer wins). */
  getOrSetMeta<T>(key: string, value: T): Promise<T>;
  getMeta<T>(key: string): Promise<T | undefined>;

  // nodes
  /** Registers the node (started_at = now the first time) or refreshes heartbeat_at and info. */
  heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void>;
  /** Ordered by name. */
  listNodes(): Promise<NodeRecord[]>;
  removeNode(name: string): Promise<void>;

  // shard leases
  /**
   * Succeeds if the lease is free (never taken or released), expired (expires_at < now), or
   * already owned by `node` (then it is a renew, same epoch). The epoch increments on every change
   * of owner (including re-taking after expiry or release). Atomic under races between processes.
   * Returns null when another node holds a valid lease.
   */
  tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null>;
  /** false if `node` is not the owner or the epoch changed. */
  renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean>;
  /** owner = null, keeps the epoch so that the next acquire bumps it. No-op if not owner/epoch. */
  releaseLease(shard: number, node: string, epoch: number): Promise<void>;
  /** Ordered by shard. */
  listLeases(): Promise<Lease[]>;
}
