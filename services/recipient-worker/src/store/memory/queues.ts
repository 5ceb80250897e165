/** The queues' aggregate in memory (ports/queues.ts): `queues`, each row holding its document, roster and roles together. */
import { normaliseRoster, type QueueDoc, type QueueMembership, type QueueRoles, type QueueRosters } from '@qubicle/contracts';
import { compareQueues, nextRev, plainJson } from '../documents.js';
import { StoreError } from '../errors.js';
import type { QueueStore, StoredQueue } from '../ports/queues.js';
import type { MemoryConnection, MemoryQueueRow, MemoryTables } from './connection.js';

function rowOf(t: MemoryTables, accountId: string, queueId: string): MemoryQueueRow | undefined {
  const row = t.queues.get(queueId);
  return row && row.queue.account_id === accountId ? row : undefined;
}

function rowsOf(t: MemoryTables, accountId: string): MemoryQueueRow[] {
  return [...t.queues.values()].filter((r) => r.queue.account_id === accountId);
}

export class MemoryQueueStore implements QueueStore {
  constructor(private readonly db: MemoryConnection) {}

  async listQueues(accountId: string): Promise<StoredQueue[]> {
    return this.db.run((t) => rowsOf(t, accountId).map((r) => plainJson(r.queue)).sort(compareQueues));
  }

  async getQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, queueId);
      return row ? plainJson(row.queue) : null;
    });
  }

  async countQueues(accountId: string): Promise<number> {
    return this.db.run((t) => rowsOf(t, accountId).length);
  }

  async createQueue(accountId: string, doc: QueueDoc): Promise<StoredQueue> {
    return this.db.run((t) => {
      if (t.queues.has(doc.id)) throw new StoreError('conflict', `queue ${doc.id} already exists`);
      const now = this.db.clock.now();
      const queue: StoredQueue = { account_id: accountId, doc: plainJson(doc), rev: nextRev(null), created: now, modified: now };
      t.queues.set(doc.id, { queue, roster: [], roles: { managers: [] } });
      return plainJson(queue);
    });
  }

  async updateQueue(accountId: string, doc: QueueDoc, expectedRev: string | null): Promise<StoredQueue> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, doc.id);
      if (!row) throw new StoreError('not_found', `queue ${doc.id} not found`);
      if (expectedRev !== null && expectedRev !== row.queue.rev) throw new StoreError('conflict', `queue ${doc.id}: revision ${expectedRev} is not the current one`);
      row.queue = { account_id: accountId, doc: plainJson(doc), rev: nextRev(row.queue.rev), created: row.queue.created, modified: this.db.clock.now() };
      return plainJson(row.queue);
    });
  }

  async deleteQueue(accountId: string, queueId: string): Promise<boolean> {
    return this.db.run((t) => (rowOf(t, accountId, queueId) ? t.queues.delete(queueId) : false));
  }

  async getRoster(accountId: string, queueId: string): Promise<string[] | null> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, queueId);
      return row ? [...row.roster] : null;
    });
  }

  async setRoster(accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, queueId);
      if (!row) throw new StoreError('not_found', `queue ${queueId} not found`);
      row.roster = normaliseRoster(recipientIds);
      return [...row.roster];
    });
  }

  async listRosters(accountId: string): Promise<QueueRosters> {
    return this.db.run((t) => Object.fromEntries(rowsOf(t, accountId).sort((a, b) => compareQueues(a.queue, b.queue)).map((r) => [r.queue.doc.id, [...r.roster]])));
  }

  async listMembership(accountId: string, recipientIds?: readonly string[]): Promise<QueueMembership> {
    return this.db.run((t) => {
      const out: QueueMembership = {};
      if (recipientIds) for (const id of normaliseRoster(recipientIds)) out[id] = [];
      const wanted = recipientIds ? new Set(recipientIds) : null;
      for (const row of rowsOf(t, accountId)) {
        for (const id of row.roster) if (!wanted || wanted.has(id)) (out[id] ??= []).push(row.queue.doc.id);
      }
      for (const list of Object.values(out)) list.sort();
      return out;
    });
  }

  async getQueueRoles(accountId: string, queueId: string): Promise<QueueRoles | null> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, queueId);
      return row ? plainJson(row.roles) : null;
    });
  }

  async setQueueRoles(accountId: string, queueId: string, roles: QueueRoles): Promise<QueueRoles> {
    return this.db.run((t) => {
      const row = rowOf(t, accountId, queueId);
      if (!row) throw new StoreError('not_found', `queue ${queueId} not found`);
      row.roles = { managers: normaliseRoster(roles.managers) };
      return plainJson(row.roles);
    });
  }

  async forgetQueueMember(accountId: string, userId: string): Promise<void> {
    await this.db.run((t) => {
      for (const row of rowsOf(t, accountId)) {
        row.roster = row.roster.filter((id) => id !== userId);
        row.roles = { managers: row.roles.managers.filter((id) => id !== userId) };
      }
    });
  }
}
