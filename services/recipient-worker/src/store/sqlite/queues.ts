/**
 * The queues' aggregate in SQLite (ports/queues.ts): `queues` (the document as JSON text, its
 * roles as another JSON column) and `queue_members` (one row per member, indexed by recipient for
 * the membership look-up). A roster replace and a queue delete are one immediate() transaction
 * each and a roster read one statement, so no reader ever sees half a roster or a roster without
 * its queue.
 */
import { normaliseRoster, type QueueDoc, type QueueMembership, type QueueRoles, type QueueRosters } from '@qubicle/contracts';
import { compareQueues, nextRev, plainJson } from '../documents.js';
import { StoreError } from '../errors.js';
import type { QueueStore, StoredQueue } from '../ports/queues.js';
import type { SqliteConnection } from './connection.js';
import type { DocumentRow } from './document-row.js';
import { isConstraintError } from './errors.js';

type QueueRow = DocumentRow;

const QUEUE_COLUMNS = 'id, account_id, rev, created, modified, doc';

function toStoredQueue(row: QueueRow): StoredQueue {
  return { account_id: row.account_id, doc: JSON.parse(row.doc) as QueueDoc, rev: row.rev, created: row.created, modified: row.modified };
}

export class SqliteQueueStore implements QueueStore {
  constructor(private readonly db: SqliteConnection) {}

  async listQueues(accountId: string): Promise<StoredQueue[]> {
    return this.db.run(() => (this.db.stmt(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE account_id = ?`).all(accountId) as QueueRow[]).map(toStoredQueue).sort(compareQueues));
  }

  async getQueue(accountId: string, queueId: string): Promise<StoredQueue | null> {
    return this.db.run(() => {
      const row = this.db.stmt(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = ? AND account_id = ?`).get(queueId, accountId) as QueueRow | undefined;
      return row ? toStoredQueue(row) : null;
    });
  }

  async countQueues(accountId: string): Promise<number> {
    return this.db.run(() => (this.db.stmt('SELECT COUNT(*) AS n FROM queues WHERE account_id = ?').get(accountId) as { n: number }).n);
  }

  async createQueue(accountId: string, doc: QueueDoc): Promise<StoredQueue> {
    return this.db.run(() => {
      const now = this.db.clock.now();
      const stored: StoredQueue = { account_id: accountId, doc: plainJson(doc), rev: nextRev(null), created: now, modified: now };
      try {
        this.db
          .stmt('INSERT INTO queues (id, account_id, rev, created, modified, doc, roles) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(doc.id, accountId, stored.rev, now, now, JSON.stringify(stored.doc), JSON.stringify({ managers: [] }));
      } catch (err) {
        if (isConstraintError(err)) throw new StoreError('conflict', `queue ${doc.id} already exists`, { cause: err });
        throw err;
      }
      return stored;
    });
  }

  async updateQueue(accountId: string, doc: QueueDoc, expectedRev: string | null): Promise<StoredQueue> {
    return this.db.run(() =>
      this.db.immediate(() => {
        const row = this.db.stmt(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = ? AND account_id = ?`).get(doc.id, accountId) as QueueRow | undefined;
        if (!row) throw new StoreError('not_found', `queue ${doc.id} not found`);
        if (expectedRev !== null && expectedRev !== row.rev) throw new StoreError('conflict', `queue ${doc.id}: revision ${expectedRev} is not the current one`);
        const now = this.db.clock.now();
        const stored: StoredQueue = { account_id: accountId, doc: plainJson(doc), rev: nextRev(row.rev), created: row.created, modified: now };
        this.db.stmt('UPDATE queues SET rev = ?, modified = ?, doc = ? WHERE id = ?').run(stored.rev, now, JSON.stringify(stored.doc), doc.id);
        return stored;
      }),
    );
  }

  async deleteQueue(accountId: string, queueId: string): Promise<boolean> {
    return this.db.run(() =>
      this.db.immediate(() => {
        const gone = this.db.stmt('DELETE FROM queues WHERE id = ? AND account_id = ?').run(queueId, accountId).changes > 0;
        if (gone) this.db.stmt('DELETE FROM queue_members WHERE queue_id = ?').run(queueId);
        return gone;
      }),
    );
  }

  private exists(accountId: string, queueId: string): boolean {
    return this.db.stmt('SELECT 1 FROM queues WHERE id = ? AND account_id = ?').get(queueId, accountId) !== undefined;
  }

  private members(queueId: string): string[] {
    return (this.db.stmt('SELECT recipient_id FROM queue_members WHERE queue_id = ? ORDER BY recipient_id').all(queueId) as Array<{ recipient_id: string }>).map((r) => r.recipient_id);
  }

  async getRoster(accountId: string, queueId: string): Promise<string[] | null> {
    // one statement: the queue and its roster as of the same moment
    return this.db.run(() => {
      const rows = this.db
        .stmt('SELECT m.recipient_id AS recipient_id FROM queues q LEFT JOIN queue_members m ON m.queue_id = q.id WHERE q.id = ? AND q.account_id = ? ORDER BY m.recipient_id')
        .all(queueId, accountId) as Array<{ recipient_id: string | null }>;
      if (rows.length === 0) return null;
      return rows.flatMap((r) => (r.recipient_id === null ? [] : [r.recipient_id]));
    });
  }

  async setRoster(accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]> {
    const roster = normaliseRoster(recipientIds);
    return this.db.run(() =>
      this.db.immediate(() => {
        if (!this.exists(accountId, queueId)) throw new StoreError('not_found', `queue ${queueId} not found`);
        this.db.stmt('DELETE FROM queue_members WHERE queue_id = ?').run(queueId);
        const insert = this.db.stmt('INSERT INTO queue_members (account_id, queue_id, recipient_id) VALUES (?, ?, ?)');
        for (const id of roster) insert.run(accountId, queueId, id);
        return roster;
      }),
    );
  }

  async listRosters(accountId: string): Promise<QueueRosters> {
    return this.db.run(() => {
      const rows = this.db
        .stmt(
          `SELECT q.id AS id, q.account_id AS account_id, q.rev AS rev, q.created AS created, q.modified AS modified, q.doc AS doc, m.recipient_id AS recipient_id
           FROM queues q LEFT JOIN queue_members m ON m.queue_id = q.id WHERE q.account_id = ? ORDER BY m.recipient_id`,
        )
        .all(accountId) as Array<QueueRow & { recipient_id: string | null }>;
      const queues = new Map<string, { queue: StoredQueue; roster: string[] }>();
      for (const r of rows) {
        let q = queues.get(r.id);
        if (!q) queues.set(r.id, (q = { queue: toStoredQueue(r), roster: [] }));
        if (r.recipient_id !== null) q.roster.push(r.recipient_id);
      }
      return Object.fromEntries([...queues.values()].sort((a, b) => compareQueues(a.queue, b.queue)).map((q) => [q.queue.doc.id, q.roster]));
    });
  }

  async listMembership(accountId: string, recipientIds?: readonly string[]): Promise<QueueMembership> {
    return this.db.run(() => {
      const out: QueueMembership = {};
      if (recipientIds) {
        const one = this.db.stmt('SELECT queue_id FROM queue_members WHERE account_id = ? AND recipient_id = ? ORDER BY queue_id');
        for (const id of normaliseRoster(recipientIds)) out[id] = (one.all(accountId, id) as Array<{ queue_id: string }>).map((r) => r.queue_id);
        return out;
      }
      const rows = this.db.stmt('SELECT queue_id, recipient_id FROM queue_members WHERE account_id = ? ORDER BY recipient_id, queue_id').all(accountId) as Array<{ queue_id: string; recipient_id: string }>;
      for (const r of rows) (out[r.recipient_id] ??= []).push(r.queue_id);
      return out;
    });
  }

  async getQueueRoles(accountId: string, queueId: string): Promise<QueueRoles | null> {
    return this.db.run(() => {
      const row = this.db.stmt('SELECT roles FROM queues WHERE id = ? AND account_id = ?').get(queueId, accountId) as { roles: string } | undefined;
      return row ? (JSON.parse(row.roles) as QueueRoles) : null;
    });
  }

  async setQueueRoles(accountId: string, queueId: string, roles: QueueRoles): Promise<QueueRoles> {
    const next: QueueRoles = { managers: normaliseRoster(roles.managers) };
    return this.db.run(() => {
      const changes = this.db.stmt('UPDATE queues SET roles = ? WHERE id = ? AND account_id = ?').run(JSON.stringify(next), queueId, accountId).changes;
      if (changes === 0) throw new StoreError('not_found', `queue ${queueId} not found`);
      return next;
    });
  }

  async forgetQueueMember(accountId: string, userId: string): Promise<void> {
    await this.db.run(() =>
      this.db.immediate(() => {
        this.db.stmt('DELETE FROM queue_members WHERE account_id = ? AND recipient_id = ?').run(accountId, userId);
        // roles are JSON: the few queues whose text names the user, then exactly
        const rows = this.db.stmt('SELECT id, roles FROM queues WHERE account_id = ? AND instr(roles, ?) > 0').all(accountId, userId) as Array<{ id: string; roles: string }>;
        const update = this.db.stmt('UPDATE queues SET roles = ? WHERE id = ?');
        for (const row of rows) {
          const roles = JSON.parse(row.roles) as QueueRoles;
          if (roles.managers.includes(userId)) update.run(JSON.stringify({ managers: roles.managers.filter((id) => id !== userId) }), row.id);
        }
      }),
    );
  }
}
