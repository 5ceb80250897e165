/**
 * The audit trail in MongoDB (ports/audit.ts): `audit`, _id = audit.ts `auditKey` (writing an entry
 * again replaces it). Written by the recipient writes (recipients.ts): in their transaction on a
 * replica set; on a standalone server (no transactions) right after the state's single-document
 * write succeeded — never for a change that was not applied, but a crash between the two loses that
 * change's entries (the price of running without a replica set, as for the session history).
 */
import type { ClientSession } from 'mongodb';
import type { AuditEntry } from '@qubicle/contracts';
import { auditKey, auditPageLimit } from '../audit.js';
import { plainJson } from '../documents.js';
import type { AuditQuery, AuditStore } from '../ports/audit.js';
import type { AuditRow, MongoConnection } from './connection.js';

/** Idempotent upserts, in the caller's transaction when `session` is given. */
export async function upsertAudit(db: MongoConnection, entries: readonly AuditEntry[] | undefined, session?: ClientSession): Promise<void> {
  if (!entries || entries.length === 0) return;
  const ops = entries.map((e) => ({ replaceOne: { filter: { _id: auditKey(e) }, replacement: plainJson(e), upsert: true } }));
  await db.audit.bulkWrite(ops, session ? { ordered: true, session } : { ordered: true });
}

export class MongoAuditStore implements AuditStore {
  constructor(private readonly db: MongoConnection) {}

  async listAudit(accountId: string, q: AuditQuery): Promise<AuditEntry[]> {
    const limit = auditPageLimit(q.limit);
    if (limit === 0) return [];
    const filter: Record<string, unknown> = { account_id: accountId };
    if (q.recipient_id !== undefined) filter['recipient_id'] = q.recipient_id;
    if (q.actor !== undefined) {
      filter['actor.kind'] = q.actor.kind;
      filter['actor.id'] = q.actor.id;
    }
    const time: Record<string, number> = {};
    if (q.from !== undefined) time['$gte'] = q.from;
    if (q.to !== undefined) time['$lte'] = q.to;
    if (Object.keys(time).length > 0) filter['timestamp'] = time;
    if (q.start !== undefined) {
      const c = q.start;
      // at or after the cursor in (timestamp, recipient_id, seq) descending order
      filter['$or'] = [
        { timestamp: { $lt: c.timestamp } },
        { timestamp: c.timestamp, recipient_id: { $lt: c.recipient_id } },
        { timestamp: c.timestamp, recipient_id: c.recipient_id, seq: { $lte: c.seq } },
      ];
    }
    return this.db.run(async () => {
      const rows = await this.db.audit.find(filter).sort({ timestamp: -1, recipient_id: -1, seq: -1 }).limit(limit).toArray();
      return rows.map(({ _id, ...entry }) => entry as AuditEntry);
    });
  }

  async pruneAudit(before: number, limit: number): Promise<number> {
    const n = auditPageLimit(limit);
    if (n === 0) return 0;
    return this.db.run(async () => {
      const ids = (await this.db.audit.find({ timestamp: { $lt: before } }, { projection: { _id: 1 } }).sort({ timestamp: 1 }).limit(n).toArray()).map((r) => r._id);
      if (ids.length === 0) return 0;
      return (await this.db.audit.deleteMany({ _id: { $in: ids } })).deletedCount;
    });
  }
}
