/**
 * The queues' aggregate in MongoDB (ports/queues.ts): `queues`, one document per queue holding the
 * queue document, its roster (an array, indexed multikey for the membership look-up) and its
 * roles. Roster and roles living in the queue's own document make every write here a
 * single-document atomic operation (no transaction needed, on a standalone server either): a
 * roster replace is one `$set`, a delete removes the three at once. A roster of MAX_QUEUE_ROSTER
 * (10,000) ids is about 400 KB, well under the 16 MB document limit.
 *
 * Written to the driver's documented behaviour (driver 7: insertOne's duplicate key is error code
 * 11000; findOneAndUpdate answers the document or null; updateOne's matchedCount); not run here.
 */
import { normaliseRoster, type QueueDoc, type QueueMembership, type QueueRoles, type QueueRosters } from '@qubicle/contracts';
import { compareQueues, nextRev, plainJson } from '../documents.js';
import { StoreError } from '../errors.js';
import type { QueueStore, StoredQueue } from '../ports/queues.js';
import type { MongoConnection, QueueRow } from './connection.js';
import { isDuplicateKey } from './errors.js';

function toStoredQueue(row: QueueRow): StoredQueue {
  return { account_id: row.account_id, doc: row.doc, rev: row.rev, created: row.created, modified: row.modified };
}

/** Projection that leaves the roster out of the document reads that do not need it. */
const NO_ROSTER = { projection: { roster: 0 } } as const;

export class MongoQueueStore implements QueueStore {
  constructor(private readonly db: MongoConnection) {}

  async listQueues(accountId: string): Promise<StoredQueue[]> {
    return this.db.run(async () => (await this.db.queues.find({ account_id: accountId }, NO_ROSTER).toArray()).map(toStoredQueue).sort(compareQueues));
  }

  async getQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(async () => {
      const row = await this.db.queues.findOne({ _id: queueId, account_id: accountId }, NO_ROSTER);
      return row ? toStoredQueue(row) : null;
    });
  }

  async countQueues(accountId: string): Promise<number> {
    return this.db.run(() => this.db.queues.countDocuments({ account_id: accountId }));
  }

  async createQueue(accountId: string, doc: QueueDoc): Promise<StoredQueue> {
    return this.db.run(async () => {
      const now = this.db.clock.now();
      const row: QueueRow = { _id: doc.id, account_id: accountId, doc: plainJson(doc), rev: nextRev(null), created: now, modified: now, roster: [], roles: { managers: [] } };
      try {
        await this.db.queues.insertOne(row);
      } catch (err) {
        if (isDuplicateKey(err)) throw new StoreError('conflict', `queue ${doc.id} already exists`, { cause: err });
        throw err;
      }
      return toStoredQueue(row);
    });
  }

  async updateQueue(accountId: string, doc: QueueDoc, expectedRev: string | null): Promise<StoredQueue> {
    return this.db.run(async () => {
      // compare-and-swap on the rev read: another writer in between makes the update match nothing
      for (let attempt = 0; attempt < 10; attempt++) {
        const current = await this.db.queues.findOne({ _id: doc.id, account_id: accountId }, NO_ROSTER);
        if (!current) throw new StoreError('not_found', `queue ${doc.id} not found`);
        if (expectedRev !== null && expectedRev !== current.rev) throw new StoreError('conflict', `queue ${doc.id}: revision ${expectedRev} is not the current one`);
        const next = { doc: plainJson(doc), rev: nextRev(current.rev), modified: this.db.clock.now() };
        const res = await this.db.queues.updateOne({ _id: doc.id, account_id: accountId, rev: current.rev }, { $set: next });
        if (res.matchedCount === 1) return { account_id: accountId, doc: next.doc, rev: next.rev, created: current.created, modified: next.modified };
        if (expectedRev !== null) throw new StoreError('conflict', `queue ${doc.id}: revision ${expectedRev} is not the current one`);
      }
      throw new StoreError('conflict', `queue ${doc.id}: too many concurrent writers`);
    });
  }

  async deleteQueue(accountId: string, queueId: string): Promise<boolean> {
    return this.db.run(async () => (await this.db.queues.deleteOne({ _id: queueId, account_id: accountId })).deletedCount === 1);
  }

  async getRoster(accountId: string, queueId: string): Promise<string[] | null> {
    return this.db.run(async () => (await this.db.queues.findOne({ _id: queueId, account_id: accountId }, { projection: { roster: 1 } }))?.roster ?? null);
  }

  async setRoster(accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]> {
    const roster = normaliseRoster(recipientIds);
    return this.db.run(async () => {
      const res = await this.db.queues.updateOne({ _id: queueId, account_id: accountId }, { $set: { roster } });
      if (res.matchedCount === 0) throw new StoreError('not_found', `queue ${queueId} not found`);
      return roster;
    });
  }

  async listRosters(accountId: string): Promise<QueueRosters> {
    return this.db.run(async () => {
      const rows = await this.db.queues.find({ account_id: accountId }).toArray();
      return Object.fromEntries(rows.sort((a, b) => compareQueues(a, b)).map((r) => [r._id, r.roster]));
    });
  }

  async listMembership(accountId: string, recipientIds?: readonly string[]): Promise<QueueMembership> {
    return this.db.run(async () => {
      const out: QueueMembership = {};
      const wanted = recipientIds ? normaliseRoster(recipientIds) : null;
      if (wanted) for (const id of wanted) out[id] = [];
      const filter = wanted ? { account_id: accountId, roster: { $in: wanted } } : { account_id: accountId, 'roster.0': { $exists: true } };
      const rows = await this.db.queues.find(filter, { projection: { roster: 1 } }).toArray();
      const keep = wanted ? new Set(wanted) : null;
      for (const row of rows) for (const id of row.roster) if (!keep || keep.has(id)) (out[id] ??= []).push(row._id);
      for (const list of Object.values(out)) list.sort();
      return out;
    });
  }

  async getQueueRoles(accountId: string, queueId: string): Promise<QueueRoles | null> {
    return this.db.run(async () => (await this.db.queues.findOne({ _id: queueId, account_id: accountId }, { projection: { roles: 1 } }))?.roles ?? null);
  }

  async setQueueRoles(accountId: string, queueId: string, roles: QueueRoles): Promise<QueueRoles> {
    const next: QueueRoles = { managers: normaliseRoster(roles.managers) };
    return this.db.run(async () => {
      const res = await this.db.queues.updateOne({ _id: queueId, account_id: accountId }, { $set: { roles: next } });
      if (res.matchedCount === 0) throw new StoreError('not_found', `queue ${queueId} not found`);
      return next;
    });
  }

  async forgetQueueMember(accountId: string, userId: string): Promise<void> {
    // two idempotent multi-document updates ($pull keeps the arrays sorted); a retry finishes what a failure left
    await this.db.run(async () => {
      await this.db.queues.updateMany({ account_id: accountId, roster: userId }, { $pull: { roster: userId } });
      await this.db.queues.updateMany({ account_id: accountId, 'roles.managers': userId }, { $pull: { 'roles.managers': userId } });
    });
  }
}
