import type { RecipientStats } from './stats.js';

/**
 * One finished login session, as the recipient machine ends it (the `end_session` effect) and the
 * worker's store keeps it for the history (`session_list`). Times are unix seconds.
 * Keyed by (account_id, recipient_id, login_session_id): appending the same session twice (a
 * redelivered logout) replaces it rather than duplicating it.
 */
export interface SessionRecord {
  account_id: string;
  recipient_id: string;
  login_session_id: string;
  login_time: number;
  logout_time: number;
  stats: RecipientStats;
  /** the node whose actor ended the session */
  node: string;
  /** why it ended, when known (e.g. "deferred_logout") */
  reason?: string;
}
