/** The audit trail's rules every adapter shares (ports/audit.ts). */
import { isAtOrAfterCursor, type AuditEntry } from '@qubicle/contracts';
import type { AuditQuery } from './ports/audit.js';

/** The identity of an entry: writing it again replaces it. */
export function auditKey(e: Pick<AuditEntry, 'account_id' | 'recipient_id' | 'seq'>): string {
  return `${e.account_id}/${e.recipient_id}/${e.seq}`;
}

/** The limit asked for, as a whole number; 0 (answer nothing) below 1. */
export function auditPageLimit(limit: number): number {
  const n = Math.floor(limit);
  return n > 0 ? n : 0;
}

/** Whether an entry of the account answers the query (the memory adapter's filter; SQL and Mongo say the same). */
export function matchesAuditQuery(e: AuditEntry, q: AuditQuery): boolean {
  if (q.recipient_id !== undefined && e.recipient_id !== q.recipient_id) return false;
  if (q.actor !== undefined && (e.actor.kind !== q.actor.kind || e.actor.id !== q.actor.id)) return false;
  if (q.from !== undefined && e.timestamp < q.from) return false;
  if (q.to !== undefined && e.timestamp > q.to) return false;
  return q.start === undefined || isAtOrAfterCursor(e, q.start);
}
