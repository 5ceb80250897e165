/**
 * The audit trail of recipients' state changes (contracts AuditEntry). Entries are WRITTEN only
 * by the recipient writes, in their own atomic write (RecipientWrite.audit, RecipientLogout.audit:
 * ports/recipients.ts), so that an entry exists exactly when its change was applied — also a change
 * made on failover (a re-armed timer firing on the new owner writes like any other input). On a
 * standalone MongoDB server (no transactions) they are written just after the state's
 * single-document write: a crash in between loses that change's entries (mongo/audit.ts).
 * Read by `audit_list`; pruned off the command path (`pruneAudit`, small batches).
 */
import type { AuditCursor, AuditEntry, ChangeActor } from '@qubicle/contracts';

export interface AuditQuery {
  /** One recipient's entries; absent: the whole account's. */
  recipient_id?: string;
  /** Only this actor's. */
  actor?: ChangeActor;
  /** ms since the epoch, inclusive. */
  from?: number;
  to?: number;
  /** The page starts at this entry (inclusive), in newest-first order. */
  start?: AuditCursor;
  /** Most entries answered; below 1 answers nothing. */
  limit: number;
}

export interface AuditStore {
  /** Newest first (contracts compareAuditNewestFirst: timestamp, recipient_id, seq, all descending). */
  listAudit(accountId: string, query: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes at most `limit` entries older than `before` (ms); answers how many it deleted. */
  pruneAudit(before: number, limit: number): Promise<number>;
}
