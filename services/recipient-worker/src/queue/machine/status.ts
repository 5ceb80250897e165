/**
 * What the queue shows: candidates, positions, the estimated wait and the status of queues.md §3
 * plus the service level. Pure reads of a state.
 */
import { emptyServiceLevelCounts, serviceLevelWindowOf, type CallInfo, type QueueEventCaller, type QueueStatus } from '@qubicle/contracts';
import type { Candidate } from '../routers/index.js';
import { isNewDay, rollingCounts } from './stats.js';
import type { MemberView, QueuedSession, QueueMachineContext, QueueState } from './types.js';

/** Can take a call of this queue now: logged in, Ready, not away for the queue, not wiretapping, no offer of ours, view not known stale. */
export function isCandidate(m: MemberView): boolean {
  return !m.removed && m.availability_state === 'Ready' && m.queue_enabled && !m.wiretapping && m.offered_session === null && m.wait_for_seq === null;
}

/**
 * May be given a caller by a supervisor (now or when free, rules/assign.ts): on the roster, logged
 * in, not Away, not away for this queue, not monitoring. Busy (ringing, on a call, in wrap-up, an
 * offer of ours, a view known stale) is fine: the caller waits for them.
 */
export function canBeAssigned(m: MemberView): boolean {
  return !m.removed && m.availability_state !== 'Not-Logged-In' && m.availability_state !== 'Away' && m.queue_enabled && !m.wiretapping;
}

export function isLoggedIn(m: MemberView): boolean {
  return !m.removed && m.availability_state !== 'Not-Logged-In';
}

/** The candidates with the figures routers sort on. */
export function candidatesOf(state: QueueState): Candidate[] {
  const out: Candidate[] = [];
  for (const m of state.members) {
    if (isCandidate(m)) out.push({ recipient_id: m.recipient_id, handled_calls: m.handled_calls, offers: m.offers, idle_since: m.idle_since });
  }
  return out;
}

/** 1-based place of a session in the queue (0 when it is not there). */
export function positionOf(state: QueueState, sessionId: string): number {
  return state.sessions.findIndex((s) => s.session_id === sessionId) + 1;
}

/**
 * The wait (ms) expected for a caller entering now (docs/queues.md, "Estimated wait"):
 * - 0 when nobody waits unoffered and a member can take a call: they would be offered at once;
 * - otherwise the larger of Asterisk's running average of answered callers' waits and the longest
 *   wait of the callers in the queue now. The running average only moves when a caller is answered,
 *   so when answering stops it would keep showing the last good figure while callers pile up; the
 *   longest current wait makes the estimate grow as soon as the queue stalls, and in steady state
 *   (callers answered as fast as they come) the average is the larger and the figure is Asterisk's.
 */
export function estimatedWaitMs(state: QueueState, now: number, available: number): number {
  let longest = 0;
  let unoffered = 0;
  for (const s of state.sessions) {
    longest = Math.max(longest, now - s.entered_at);
    if (!s.offer) unoffered++;
  }
  if (unoffered === 0 && available > 0) return 0;
  return Math.max(state.stats.ewma_wait_ms ?? 0, longest);
}

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));
const seconds1 = (ms: number): number => Math.max(0, Math.round(ms / 100) / 10);

export function queueStatusOf(state: QueueState, ctx: Pick<QueueMachineContext, 'now' | 'node' | 'day_start'>): QueueStatus {
  let active = 0;
  let available = 0;
  let roster = 0;
  for (const m of state.members) {
    if (m.removed) continue;
    roster++;
    if (isLoggedIn(m)) active++;
    if (isCandidate(m)) available++;
  }
  // a state not touched since the day changed shows the new day's (empty) figures
  const stale = isNewDay(state.stats, ctx.day_start);
  const st = state.stats;
  return {
    active_recipient_count: active,
    available_recipient_count: available,
    stats: {
      estimated_wait: seconds(estimatedWaitMs(state, ctx.now, available)),
      average_wait: stale || st.left_sessions === 0 ? 0 : seconds1(st.total_wait_ms / st.left_sessions),
      recipient_count: roster,
      active_session_count: state.sessions.length,
      total_sessions: stale ? 0 : st.total_sessions,
      missed_sessions: stale ? 0 : st.missed_sessions,
      abandoned_sessions: stale ? 0 : st.abandoned_sessions,
    },
    node: ctx.node,
    service_level: {
      threshold_seconds: state.settings.service_level_seconds,
      day: serviceLevelWindowOf(stale ? emptyServiceLevelCounts() : st.day),
      last_15_minutes: serviceLevelWindowOf(rollingCounts(st, ctx.now)),
    },
  };
}

/** The call as the offer command and the recipient's status show it. */
export function callInfoOf(state: QueueState, s: QueuedSession): CallInfo {
  return {
    queue_id: state.queue_id,
    session_id: s.session_id,
    caller_id_name: s.caller_id_name,
    caller_id_number: s.caller_id_number,
    queue_enter_time: Math.floor(s.entered_at / 1000),
  };
}

/** The caller as queue events show it. */
export function eventCallerOf(s: QueuedSession): QueueEventCaller {
  return {
    session_id: s.session_id,
    call_id: s.call_id,
    caller_id_name: s.caller_id_name,
    caller_id_number: s.caller_id_number,
    priority: s.priority,
    queue_enter_time: Math.floor(s.entered_at / 1000),
  };
}

/** Seconds with one decimal, as waits are reported. */
export const waitSeconds = seconds1;
export const wholeSeconds = seconds;
