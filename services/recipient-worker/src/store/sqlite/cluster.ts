/** The cluster's bookkeeping in SQLite (ports/cluster.ts): `meta`, `nodes`, `leases`. */
import type { ClusterStore } from '../ports/cluster.js';
import type { Lease, NodeRecord } from '../records.js';
import type { SqliteConnection } from './connection.js';
import { SELECT_LEASE, toLease, type LeaseRow } from './fencing.js';

interface NodeRow {
  name: string;
  started_at: number;
  heartbeat_at: number;
  info: string;
}

export class SqliteClusterStore implements ClusterStore {
  constructor(private readonly db: SqliteConnection) {}

  // meta

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.db.run(() =>
      this.db.immediate(() => {
        this.db.stmt('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
        const row = this.db.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string };
        return JSON.parse(row.value) as T;
      }),
    );
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.db.run(() => {
      const row = this.db.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  // nodes

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.db.run(() => {
      this.db.stmt(
        `INSERT INTO nodes (name, started_at, heartbeat_at, info) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, info = excluded.info`,
      ).run(name, now, now, JSON.stringify(info));
    });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return this.db.run(() =>
      (this.db.stmt('SELECT name, started_at, heartbeat_at, info FROM nodes ORDER BY name').all() as NodeRow[]).map((r) => ({
        name: r.name,
        started_at: r.started_at,
        heartbeat_at: r.heartbeat_at,
        info: JSON.parse(r.info) as Record<string, unknown>,
      })),
    );
  }

  async removeNode(name: string): Promise<void> {
    await this.db.run(() => {
      this.db.stmt('DELETE FROM nodes WHERE name = ?').run(name);
    });
  }

  // leases

  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.db.run(() =>
      this.db.immediate(() => {
        const expiresAt = now + ttlMs;
        const row = this.db.stmt(SELECT_LEASE).get(shard) as
          | LeaseRow
          | undefined;
        if (!row) {
          this.db.stmt('INSERT INTO leases (shard, owner, epoch, expires_at) VALUES (?, ?, 1, ?)').run(shard, node, expiresAt);
          return { shard, owner: node, epoch: 1, expires_at: expiresAt };
        }
        if (row.owner === node) {
          this.db.stmt('UPDATE leases SET expires_at = ? WHERE shard = ?').run(expiresAt, shard);
          return { shard, owner: node, epoch: row.epoch, expires_at: expiresAt };
        }
        if (row.owner === null || row.expires_at < now) {
          const epoch = row.epoch + 1;
          this.db.stmt('UPDATE leases SET owner = ?, epoch = ?, expires_at = ? WHERE shard = ?').run(node, epoch, expiresAt, shard);
          return { shard, owner: node, epoch, expires_at: expiresAt };
        }
        return null;
      }),
    );
  }

  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.db.run(
      () =>
        this.db.stmt('UPDATE leases SET expires_at = ? WHERE shard = ? AND owner = ? AND epoch = ?').run(
          now + ttlMs,
          shard,
          node,
          epoch,
        ).changes === 1,
    );
  }

  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.db.run(() => {
      this.db.stmt('UPDATE leases SET owner = NULL, expires_at = 0 WHERE shard = ? AND owner = ? AND epoch = ?').run(
        shard,
        node,
        epoch,
      );
    });
  }

  async listLeases(): Promise<Lease[]> {
    return this.db.run(() =>
      (this.db.stmt('SELECT shard, owner, epoch, expires_at FROM leases ORDER BY shard').all() as LeaseRow[]).map(toLease),
    );
  }
}
