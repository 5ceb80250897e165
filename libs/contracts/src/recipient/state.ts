import type { AvailabilityState, NextState, WiretapMode } from './availability.js';
import type { CallInfo } from './call-info.js';
import type { RecipientStats } from './stats.js';
import { zeroStateTimes, type StateTimes } from './time-in-state.js';

/**
 * The durable state of one logged-in recipient: what the worker's actor holds in
 * memory and what the store keeps (fenced by the shard lease epoch). A recipient who
 * is not logged in has no RecipientState at all.
 *
 * All deadlines are unix milliseconds so that timers can be re-armed after a crash.
 */
export interface RecipientState {
  account_id: string;
  recipient_id: string;
  /** A fresh id per login; the session history is keyed by it. */
  login_session_id: string;
  availability_state: Exclude<AvailabilityState, 'Not-Logged-In'>;
  /** Per-queue flags set with queue_id; absent queue = follows the global state. */
  queue_availability: Record<string, boolean>;
  /** Deferred change requested while busy (Call-Offer / On-A-Call / Wrapup-Time). */
  next_state: NextState | null;
  /** Why the recipient is Away: a reason of the account's catalogue (docs/state-machine.md, Away reasons), or null. */
  away_reason: string | null;
  /** Since when (unix seconds) the recipient is Away with this reason; null when not Away. */
  away_since: number | null;
  /**
   * When the recipient goes back to Ready by itself, ms since epoch: the end of a timed break
   * (`duration_seconds`), or the reason's max_duration_seconds when its on_max is `ready`, the
   * earlier of the two.
   */
  away_deadline: number | null;
  /** When a reason with `on_max: "alert"` reaches its maximum, ms since epoch: `away_alert` then. */
  away_alert_deadline: number | null;
  /** The reason and break length of an `away` deferred while busy (next_state Away); null otherwise. */
  pending_away: { reason: string | null; duration_seconds: number | null } | null;
  /** Since when (ms) the current state and reason last changed: the time-in-state accounting's mark. */
  state_since: number;
  /** ms spent in each state this session, up to state_since. */
  time_in_state: StateTimes;
  /** ms spent Away with each reason this session, up to state_since (only reasons used); null until one was (memory). */
  time_in_reason: Record<string, number> | null;
  offered_call: CallInfo | null;
  /** Offer timeout of the offered call's queue, ms since epoch. */
  offer_deadline: number | null;
  handling_call: CallInfo | null;
  /** When the current call was answered (ms), for talk time. */
  answered_at: number | null;
  /** Wrap-up seconds of the queue the current/last call came from (for wrapup_extend). */
  wrapup_seconds: number;
  /** End of wrap-up, ms since epoch; null outside wrap-up. */
  wrapup_deadline: number | null;
  wiretapping_recipient: string | null;
  wiretap_mode: WiretapMode | null;
  consecutive_misses: number;
  /** Sum of talk time (ms) of handled calls this session, for avg_call_time. */
  total_talk_ms: number;
  stats: RecipientStats;
  /** Per-recipient event sequence number; +1 for every event published. */
  seq: number;
  /**
   * Ids of the last commands applied (oldest first), so that a redelivered command (worker
   * crashed after persisting but before acking) is answered again, not re-applied. Only ids:
   * the answer to a duplicate is re-derived (the current status, or `{accepted: true}` for an
   * offer, the only command recorded with another reply), which keeps a recipient's state small.
   * States written by earlier versions hold `{id, reply}` entries: see `recentCommandId`.
   */
  recent_commands: RecentCommand[];
}

/**
 * Most per-queue flags one recipient may hold (`queue_availability`): a set_status with a new
 * queue_id past it is refused (400), so that no client can grow every status and event of a
 * recipient without bound.
 */
export const MAX_QUEUES_PER_RECIPIENT = 100;

/** An entry of `recent_commands`: a command id (or, in states written by earlier versions, `{id, reply}`). */
export type RecentCommand = string | { id: string; reply?: unknown };

/** The command id of a `recent_commands` entry, whichever version wrote it. */
export function recentCommandId(entry: RecentCommand): string {
  return typeof entry === 'string' ? entry : entry.id;
}

/**
 * The state of a recipient who has just logged in: Away, no call, no queue flags, session
 * stats at 0 with login_time = last_action_time = `loginTime` (unix seconds). The one place
 * that knows every field's starting value (the machine and test fixtures build on it).
 */
export function freshRecipientState(init: {
  account_id: string;
  recipient_id: string;
  login_session_id: string;
  loginTime: number;
  /** The login's time in ms (the time-in-state mark); default loginTime × 1000. */
  now?: number;
  seq: number;
}): RecipientState {
  return {
    account_id: init.account_id,
    recipient_id: init.recipient_id,
    login_session_id: init.login_session_id,
    availability_state: 'Away',
    queue_availability: {},
    next_state: null,
    away_reason: null,
    away_since: init.loginTime,
    away_deadline: null,
    away_alert_deadline: null,
    pending_away: null,
    state_since: init.now ?? init.loginTime * 1000,
    time_in_state: zeroStateTimes(),
    time_in_reason: null,
    offered_call: null,
    offer_deadline: null,
    handling_call: null,
    answered_at: null,
    wrapup_seconds: 0,
    wrapup_deadline: null,
    wiretapping_recipient: null,
    wiretap_mode: null,
    consecutive_misses: 0,
    total_talk_ms: 0,
    stats: {
      total_calls: 0,
      missed_calls: 0,
      avg_call_time: 0,
      login_time: init.loginTime,
      last_action_time: init.loginTime,
      last_handled_time: 0,
    },
    seq: init.seq,
    recent_commands: [],
  };
}

/** When an Away recipient goes back to Ready by itself (ms), or null when nothing will send them back. */
export function awayUntil(state: Pick<RecipientState, 'away_deadline'>): number | null {
  return state.away_deadline;
}

/**
 * A state written by a version without the away-reason and time-in-state fields (a recipient
 * logged in across an upgrade), completed in place with their starting values: no break, no alert,
 * and the time accounting starting now (`now`, ms) — the time before the upgrade is not known.
 * The one place that knows which fields came later; the actor applies it to every loaded state.
 */
export function upgradeRecipientState(state: RecipientState, now: number): RecipientState {
  const s = state as Partial<RecipientState> & RecipientState;
  if (s.away_since === undefined) s.away_since = s.availability_state === 'Away' ? Math.floor(now / 1000) : null;
  if (s.away_deadline === undefined) s.away_deadline = null;
  if (s.away_alert_deadline === undefined) s.away_alert_deadline = null;
  if (s.pending_away === undefined) s.pending_away = null;
  if (s.state_since === undefined) s.state_since = now;
  if (s.time_in_state === undefined) s.time_in_state = zeroStateTimes();
  if (s.time_in_reason === undefined) s.time_in_reason = null;
  return s;
}
