/** The session history: one record per finished login session (written by logout, read by `session_list`). */
import type { SessionRecord } from '@qubicle/contracts';

export interface SessionStore {
  /** Idempotent: appending the same (account, recipient, login_session_id) again replaces it. */
  appendSession(rec: SessionRecord): Promise<void>;
  /**
   * Newest first (by logout_time, then login_session_id, both descending); `before` = logout_time
   * exclusive, for paging. A limit below 1 returns nothing.
   */
  listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]>;
}
