/**
 * The audit trail in SQLite (ports/audit.ts): the `audit` table, the entry as JSON text with the
 * columns the queries filter and order on; written by the recipient writes inside their own
 * IMMEDIATE transaction (recipients.ts).
 */
import type { AuditEntry } from '@qubicle/contracts';
import { auditPageLimit } from '../audit.js';
import type { AuditQuery, AuditStore } from '../ports/audit.js';
import type { SqliteConnection } from './connection.js';

const INSERT_AUDIT = `INSERT OR REPLACE INTO audit (account_id, recipient_id, seq, timestamp, actor_kind, actor_id, entry)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

/** Inside the caller's transaction. The same entry (same recipient and seq) again replaces itself. */
export function insertAudit(db: SqliteConnection, entries: readonly AuditEntry[]): void {
  if (entries.length === 0) return;
  const insert = db.stmt(INSERT_AUDIT);
  for (const e of entries) insert.run(e.account_id, e.recipient_id, e.seq, e.timestamp, e.actor.kind, e.actor.id, JSON.stringify(e));
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: SqliteConnection) {}

  async listAudit(accountId: string, q: AuditQuery): Promise<AuditEntry[]> {
    const limit = auditPageLimit(q.limit);
    if (limit === 0) return [];
    const where = ['account_id = ?'];
    const args: Array<string | number> = [accountId];
    if (q.recipient_id !== undefined) {
      where.push('recipient_id = ?');
      args.push(q.recipient_id);
    }
    if (q.actor !== undefined) {
      where.push('actor_kind = ? AND actor_id = ?');
      args.push(q.actor.kind, q.actor.id);
    }
    if (q.from !== undefined) {
      where.push('timestamp >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('timestamp <= ?');
      args.push(q.to);
    }
    if (q.start !== undefined) {
      // at or after the cursor in (timestamp, recipient_id, seq) descending order
      where.push('(timestamp < ? OR (timestamp = ? AND (recipient_id < ? OR (recipient_id = ? AND seq <= ?))))');
      args.push(q.start.timestamp, q.start.timestamp, q.start.recipient_id, q.start.recipient_id, q.start.seq);
    }
    const sql = `SELECT entry FROM audit WHERE ${where.join(' AND ')} ORDER BY timestamp DESC, recipient_id DESC, seq DESC LIMIT ?`;
    return this.db.run(() => (this.db.stmt(sql).all(...args, limit) as Array<{ entry: string }>).map((r) => JSON.parse(r.entry) as AuditEntry));
  }

  async pruneAudit(before: number, limit: number): Promise<number> {
    const n = auditPageLimit(limit);
    if (n === 0) return 0;
    return this.db.run(
      () =>
        this.db
          .stmt('DELETE FROM audit WHERE rowid IN (SELECT rowid FROM audit WHERE timestamp < ? ORDER BY timestamp LIMIT ?)')
          .run(before, n).changes,
    );
  }
}
