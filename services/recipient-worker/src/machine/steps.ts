/**
 * Steps shared by several rules: leaving a busy state for the (possibly deferred) next
 * state, logging out, withdrawing an offer, stopping a wiretap. Each one mutates the
 * draft and emits the events of exactly what it did.
 */
import type { Draft, EventExtra } from './draft.js';

/** To Ready: clears a system away reason (the missed-call streak is the caller's business). */
export function goReady(d: Draft): void {
  d.enter('Ready');
  d.s.away_reason = null;
  d.emit('ready');
}

/** To Away; `reason` is set when the system, not the recipient, decided it (e.g. 'missed_calls'). */
export function goAway(d: Draft, reason: string | null, extra: EventExtra = {}): void {
  d.enter('Away');
  d.s.away_reason = reason;
  d.emit('away', reason ? { reason, ...extra } : extra);
}

/**
 * An offer, call or wrap-up just ended: apply the deferred next state (Ready unless
 * away or logout was asked). A deferred logout wins over everything; reaching the
 * missed-call threshold wins over a deferred ready.
 */
export function settle(d: Draft, opts: { missedTooMany?: boolean } = {}): void {
  const next = d.s.next_state;
  d.s.next_state = null;
  if (next === 'Not-Logged-In') return logoutNow(d, 'deferred_logout');
  if (opts.missedTooMany) {
    // The streak did its job; the recipient gets a fresh one when they come back.
    d.s.consecutive_misses = 0;
    // the policy's decision, not the sender's of the reject (or the timer's): the event says so
    return goAway(d, 'missed_calls', { actor: { kind: 'policy', id: 'missed_calls' } });
  }
  if (next === 'Away') return goAway(d, null);
  goReady(d);
}

/** Ends the session now: stops a wiretap, cancels timers, records the session, emits delete. */
export function logoutNow(d: Draft, reason: string | undefined): void {
  const s = d.s;
  if (s.wiretapping_recipient) stopWiretap(d, 'logout');
  if (s.offer_deadline !== null) d.cancelTimer('offer');
  if (s.wrapup_deadline !== null) d.cancelTimer('wrapup');
  const finalStats = { ...s.stats, last_action_time: d.nowSeconds };
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
