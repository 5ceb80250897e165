/**
 * Steps shared by several rules: leaving a busy state for the (possibly deferred) next
 * state, logging out, withdrawing an offer, stopping a wiretap. Each one mutates the
 * draft and emits the events of exactly what it did.
 */
import { secondsOf } from '@qubicle/contracts';
import { awayDeadlines, awayReasonOf } from './away-reasons.js';
import type { Draft, EventExtra } from './draft.js';

/**
 * To Ready: ends an Away stretch (its reason and timers; the missed-call streak is the caller's
 * business). `reason` tells a Ready the recipient did not ask for (`away_ended`: a timed break or
 * a reason's maximum).
 */
export function goReady(d: Draft, reason?: string): void {
  leaveAway(d);
  d.enter('Ready');
  d.emit('ready', reason ? { reason } : {});
}

/**
 * To Away, with a reason of the catalogue (or none) and a timed break of `durationSeconds` (or
 * none): a new Away stretch, `away_since` now, the reason's and the break's timers armed. The rule
 * that checked the reason exists is the caller's (setStatus); the policy's missed_calls is built in.
 * `extra` goes on the away event (the policy names itself its actor).
 */
export function goAway(d: Draft, reason: string | null, durationSeconds: number | null = null, extra: EventExtra = {}): void {
  leaveAway(d);
  d.enter('Away');
  const s = d.s;
  const entry = reason !== null ? awayReasonOf(d.ctx, reason) : undefined;
  // the catalogue's own name string, not the command's copy: one string per account, not per recipient
  s.away_reason = entry?.name ?? reason;
  s.away_since = d.nowSeconds;
  const deadlines = awayDeadlines(entry, durationSeconds, d.ctx.now);
  s.away_deadline = deadlines.away_deadline;
  s.away_alert_deadline = deadlines.away_alert_deadline;
  if (s.away_deadline !== null) d.armTimer('away', { type: 'away_end', deadline: s.away_deadline });
  if (s.away_alert_deadline !== null) d.armTimer('away_alert', { type: 'away_alert', deadline: s.away_alert_deadline });
  d.emit('away', reason ? { reason, ...extra } : extra);
}

/** Ends the Away stretch's bookkeeping (reason, since, deadlines, their timers); a no-op when there is none. */
export function leaveAway(d: Draft): void {
  const s = d.s;
  if (s.away_deadline !== null) d.cancelTimer('away');
  if (s.away_alert_deadline !== null) d.cancelTimer('away_alert');
  s.away_reason = null;
  s.away_since = null;
  s.away_deadline = null;
  s.away_alert_deadline = null;
}

/**
 * An offer, call or wrap-up just ended: apply the deferred next state (Ready unless
 * away or logout was asked). A deferred logout wins over everything; reaching the
 * missed-call threshold wins over a deferred ready.
 */
export function settle(d: Draft, opts: { missedTooMany?: boolean } = {}): void {
  const next = d.s.next_state;
  const pending = d.s.pending_away;
  d.s.next_state = null;
  d.s.pending_away = null;
  if (next === 'Not-Logged-In') return logoutNow(d, 'deferred_logout');
  if (opts.missedTooMany) {
    // The streak did its job; the recipient gets a fresh one when they come back.
    d.s.consecutive_misses = 0;
    // the policy's decision, not the sender's of the reject (or the timer's): the event says so
    return goAway(d, 'missed_calls', null, { actor: { kind: 'policy', id: 'missed_calls' } });
  }
  // a deferred away keeps the reason and break it was asked with; the break starts now
  if (next === 'Away') return goAway(d, pending?.reason ?? null, pending?.duration_seconds ?? null);
  goReady(d);
}

/** Ends the session now: stops a wiretap, cancels timers, records the session, emits delete. */
export function logoutNow(d: Draft, reason: string | undefined): void {
  const s = d.s;
  if (s.wiretapping_recipient) stopWiretap(d, 'logout');
  if (s.offer_deadline !== null) d.cancelTimer('offer');
  if (s.wrapup_deadline !== null) d.cancelTimer('wrapup');
  if (s.away_deadline !== null) d.cancelTimer('away');
  if (s.away_alert_deadline !== null) d.cancelTimer('away_alert');
  const finalStats = { ...s.stats, last_action_time: d.nowSeconds };
  const times = d.timesNow();
  d.effect({
    type: 'end_session',
    record: {
      account_id: s.account_id,
      recipient_id: s.recipient_id,
      login_session_id: s.login_session_id,
      login_time: s.stats.login_time,
      logout_time: d.nowSeconds,
      stats: finalStats,
      node: d.ctx.node,
      ...(reason ? { reason } : {}),
      time_in_state: secondsOf(times.time_in_state),
      time_in_reason: secondsOf(times.time_in_reason ?? {}),
    },
  });
  d.emit('delete', { final_stats: finalStats, reason });
  d.state = null;
}

/** Takes the offered call away (not a miss); the caller decides what comes next. */
export function withdrawOffer(d: Draft, reason: string): void {
  const s = d.s;
  const call = s.offered_call ?? undefined;
  s.offered_call = null;
  s.offer_deadline = null;
  d.cancelTimer('offer');
  d.emit('withdraw', { call, reason });
}

export function stopWiretap(d: Draft, reason: string): void {
  const s = d.s;
  const target = s.wiretapping_recipient;
  const mode = s.wiretap_mode ?? 'eavesdrop';
  if (!target) return;
  s.wiretapping_recipient = null;
  s.wiretap_mode = null;
  d.effect({ type: 'wiretap', action: 'stop', target_id: target, mode });
  d.emit('wiretap_stop', { wiretap: { target_id: target, mode }, reason });
}
