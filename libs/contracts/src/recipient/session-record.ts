import type { RecipientStats } from './stats.js';
import type { StateTimes } from './time-in-state.js';

/** One finished login session as the API shows it (times are unix seconds). */
export interface RecipientSession {
  login_session_id: string;
  login_time: number;
  logout_time: number;
  /** The session's final stats (as in the `delete` event). */
  stats: RecipientStats;
  /** Node whose actor ended the session. */
  node: string;
  /** Why it ended when known (e.g. "deferred_logout", a reason given with logout). */
  reason?: string;
  /** Seconds spent in each state (absent in sessions stored before it was kept). */
  time_in_state?: StateTimes;
  /** Seconds spent Away with each reason (only the reasons used). */
  time_in_reason?: Record<string, number>;
}

/**
 * One finished login session, as the recipient machine ends it (the `end_session` effect) and the
 * worker's store keeps it for the history (`session_list`): the RecipientSession the API shows,
 * with whose it is. Keyed by (account_id, recipient_id, login_session_id): appending the same
 * session twice (a redelivered logout) replaces it rather than duplicating it.
 */
export interface SessionRecord extends RecipientSession {
  account_id: string;
  recipient_id: string;
}
