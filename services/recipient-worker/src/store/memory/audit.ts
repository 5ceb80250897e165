/** The audit trail in memory (ports/audit.ts): `audit`, keyed by audit.ts `auditKey` (writing an entry again replaces it). */
import { compareAuditNewestFirst, type AuditEntry } from '@qubicle/contracts';
import { auditKey, auditPageLimit, matchesAuditQuery } from '../audit.js';
import { plainJson } from '../documents.js';
import type { AuditQuery, AuditStore } from '../ports/audit.js';
import type { MemoryConnection, MemoryTables } from './connection.js';

/** Inside the recipient write's own operation. */
export function recordAudit(tables: MemoryTables, entries: readonly AuditEntry[] | undefined): void {
  for (const e of entries ?? []) tables.audit.set(auditKey(e), plainJson(e));
}

export class MemoryAuditStore implements AuditStore {
  constructor(private readonly db: MemoryConnection) {}

  async listAudit(accountId: string, query: AuditQuery): Promise<AuditEntry[]> {
    const limit = auditPageLimit(query.limit);
    if (limit === 0) return [];
    return this.db.run((t) =>
      [...t.audit.values()]
        .filter((e) => e.account_id === accountId && matchesAuditQuery(e, query))
        .sort(compareAuditNewestFirst)
        .slice(0, limit)
        .map((e) => plainJson(e)),
    );
  }

  async pruneAudit(before: number, limit: number): Promise<number> {
    const n = auditPageLimit(limit);
    return this.db.run((t) => {
      let deleted = 0;
      for (const [key, e] of t.audit) {
        if (deleted >= n) break;
        if (e.timestamp < before) {
          t.audit.delete(key);
          deleted++;
        }
      }
      return deleted;
    });
  }
}
