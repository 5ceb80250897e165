/** The cluster's bookkeeping in MongoDB (ports/cluster.ts): `meta`, `nodes`, `leases`. */
import { plainJson } from '../documents.js';
import type { ClusterStore } from '../ports/cluster.js';
import type { Lease, NodeRecord } from '../records.js';
import type { LeaseRow, MongoConnection } from './connection.js';
import { isDuplicateKey } from './errors.js';

/** How many times a lost upsert race is retried before giving up. */
const CAS_ATTEMPTS = 10;

function toLease(row: LeaseRow): Lease {
  return { shard: row._id, owner: row.owner ?? null, epoch: row.epoch, expires_at: row.expires_at };
}

export class MongoClusterStore implements ClusterStore {
  constructor(private readonly db: MongoConnection) {}

  // meta

  async getOrSetMeta<T>(key: string, value: T): Promise<T> {
    return this.db.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const row = await this.db.meta.findOneAndUpdate(
            { _id: key },
            { $setOnInsert: { value: plainJson(value) } },
            { upsert: true, returnDocument: 'after' },
          );
          if (row) return row.value as T;
        } catch (err) {
          // Two first writers raced on the upsert: the loser reads the winner's value.
          if (!isDuplicateKey(err) || attempt >= CAS_ATTEMPTS) throw err;
        }
        const existing = await this.db.meta.findOne({ _id: key });
        if (existing) return existing.value as T;
      }
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.db.run(async () => {
      const row = await this.db.meta.findOne({ _id: key });
      return row ? (row.value as T) : undefined;
    });
  }

  // nodes

  async heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void> {
    await this.db.run(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.db.nodes.updateOne(
            { _id: name },
            { $set: { heartbeat_at: now, info: plainJson(info) }, $setOnInsert: { started_at: now } },
            { upsert: true },
          );
          return;
        } catch (err) {
          if (!isDuplicateKey(err) || attempt >= CAS_ATTEMPTS) throw err;
        }
      }
    });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return this.db.run(async () =>
      (await this.db.nodes.find({}).sort({ _id: 1 }).toArray()).map((r) => ({
        name: r._id,
        started_at: r.started_at,
        heartbeat_at: r.heartbeat_at,
        info: r.info,
      })),
    );
  }

  async removeNode(name: string): Promise<void> {
    await this.db.run(async () => {
      await this.db.nodes.deleteOne({ _id: name });
    });
  }

  // leases

  async tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null> {
    return this.db.run(async () => {
      try {
        const row = await this.db.leases.findOneAndUpdate(
          { _id: shard, $or: [{ owner: null }, { expires_at: { $lt: now } }, { owner: node }] },
          // Pipeline update: the epoch is kept for a renew by the same owner and bumped on every
          // change of owner (a missing document, i.e. the upsert, starts at 1). Two stages, so
          // that the first one sees the previous owner; $literal, so that a node name starting
          // with "$" is never read as a field path.
          [
            {
              $set: {
                epoch: {
                  $cond: [{ $eq: ['$owner', { $literal: node }] }, '$epoch', { $add: [{ $ifNull: ['$epoch', 0] }, 1] }],
                },
              },
            },
            { $set: { owner: { $literal: node }, expires_at: now + ttlMs } },
          ],
          { upsert: true, returnDocument: 'after' },
        );
        return row ? toLease(row) : null;
      } catch (err) {
        // The lease exists and is validly held by another node (the filter did not match, so
        // the upsert collided on _id), or another node inserted it first.
        if (isDuplicateKey(err)) return null;
        throw err;
      }
    });
  }

  async renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean> {
    return this.db.run(
      async () =>
        (await this.db.leases.updateOne({ _id: shard, owner: node, epoch }, { $set: { expires_at: now + ttlMs } })).matchedCount ===
        1,
    );
  }

  async releaseLease(shard: number, node: string, epoch: number): Promise<void> {
    await this.db.run(async () => {
      await this.db.leases.updateOne({ _id: shard, owner: node, epoch }, { $set: { owner: null, expires_at: 0 } });
    });
  }

  async listLeases(): Promise<Lease[]> {
    return this.db.run(async () => (await this.db.leases.find({}).sort({ _id: 1 }).toArray()).map(toLease));
  }
}
