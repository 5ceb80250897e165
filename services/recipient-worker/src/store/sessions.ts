/** The session history's rules every adapter shares (ports/sessions.ts). */
import type { SessionRecord } from '@qubicle/contracts';

/** The page size asked for, as a whole number; 0 (return nothing) when below 1 (MongoDB's limit(0) would mean "all"). */
export function sessionPageLimit(limit: number): number {
  const n = Math.floor(limit);
  return n > 0 ? n : 0;
}

/** The identity of a session record: appending it again replaces it. */
export function sessionKey(rec: Pick<SessionRecord, 'account_id' | 'recipient_id' | 'login_session_id'>): string {
  return `${rec.account_id}/${rec.recipient_id}/${rec.login_session_id}`;
}

/** listSessions order: logout_time, then login_session_id, both descending. */
export function compareSessionsNewestFirst(a: SessionRecord, b: SessionRecord): number {
  if (a.logout_time !== b.logout_time) return b.logout_time - a.logout_time;
  return a.login_session_id < b.login_session_id ? 1 : a.login_session_id > b.login_session_id ? -1 : 0;
}

/** A record as it is stored and read back: every field, `reason` only when it is a string. */
export function sessionRecord(row: Omit<SessionRecord, 'reason'> & { reason?: string | null | undefined }): SessionRecord {
  const rec: SessionRecord = {
    account_id: row.account_id,
    recipient_id: row.recipient_id,
    login_session_id: row.login_session_id,
    login_time: row.login_time,
    logout_time: row.logout_time,
    stats: row.stats,
    node: row.node,
  };
  if (typeof row.reason === 'string') rec.reason = row.reason;
  if (row.time_in_state) {
    rec.time_in_state = { ...row.time_in_state };
    rec.time_in_reason = { ...(row.time_in_reason ?? {}) };
  }
  return rec;
}
