/** The cluster's bookkeeping in memory (ports/cluster.ts): `meta`, `nodes`, `leases`. */
import { plainJson } from '../documents.js';
import type { ClusterStore } from '../ports/cluster.js';
import type { Lease, NodeRecord } from '../records.js';
import type { MemoryConnection } from './connection.js';

export class MemoryClusterStore implements ClusterStore {
  constructor(private readonly db: MemoryConnection) {}

  // meta

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.db.run((t) => {
      if (!t.meta.has(key)) t.meta.set(key, plainJson(value));
      return plainJson(t.meta.get(key)) as T;
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.db.run((t) => (t.meta.has(key) ? (plainJson(t.meta.get(key)) as T) : undefined));
  }

  // nodes

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.db.run((t) => {
      const started = t.nodes.get(name)?.started_at ?? now;
      t.nodes.set(name, { name, started_at: started, heartbeat_at: now, info: plainJson(info) });
    });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return this.db.run((t) => [...t.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((n) => plainJson(n)));
  }

  async removeNode(name: string): Promise<void> {
    await this.db.run((t) => {
      t.nodes.delete(name);
    });
  }

  // leases

  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.db.run((t) => {
      const expiresAt = now + ttlMs;
      const lease = t.leases.get(shard);
      let next: Lease;
      if (!lease) next = { shard, owner: node, epoch: 1, expires_at: expiresAt };
      else if (lease.owner === node) next = { ...lease, expires_at: expiresAt };
      else if (lease.owner === null || lease.expires_at < now) next = { shard, owner: node, epoch: lease.epoch + 1, expires_at: expiresAt };
      else return null;
      t.leases.set(shard, next);
      return { ...next };
    });
  }

  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.db.run((t) => {
      const lease = t.leases.get(shard);
      if (!lease || lease.owner !== node || lease.epoch !== epoch) return false;
      t.leases.set(shard, { ...lease, expires_at: now + ttlMs });
      return true;
    });
  }

  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.db.run((t) => {
      const lease = t.leases.get(shard);
      if (!lease || lease.owner !== node || lease.epoch !== epoch) return;
      t.leases.set(shard, { ...lease, owner: null, expires_at: 0 });
    });
  }

  async listLeases(): Promise<Lease[]> {
    return this.db.run((t) => [...t.leases.values()].sort((a, b) => a.shard - b.shard).map((l) => ({ ...l })));
  }
}
