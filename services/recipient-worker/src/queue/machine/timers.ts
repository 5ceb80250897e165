/**
 * What a loaded queue must re-arm and re-send (after a restart, a failover, a rebalance), derived
 * from its persisted state: the same inputs the arm_timer effects carried, and the offers still
 * outstanding (sent again with the new owner's lease epoch: the recipient applies an offer command
 * id once, so one that had arrived is answered again, not rung twice). Deadlines that passed while
 * nobody held the queue are due at once (a timer armed in the past fires immediately).
 */
import { callInfoOf } from './status.js';
import { OFFER_GRACE_MS, TICK_TIMER, callerTimerKey, offerTimerKey, type QueueEffect, type QueueState, type QueueTimerInput } from './types.js';

export function queueTimersOf(state: QueueState | null, now: number): Array<{ key: string; at: number; input: QueueTimerInput }> {
  if (!state) return [];
  const timers: Array<{ key: string; at: number; input: QueueTimerInput }> = [];
  for (const s of state.sessions) {
    timers.push({ key: callerTimerKey(s.session_id), at: s.deadline, input: { type: 'caller_timeout', session_id: s.session_id, deadline: s.deadline } });
    if (s.offer) timers.push({ key: offerTimerKey(s.session_id), at: s.offer.deadline, input: { type: 'offer_deadline', session_id: s.session_id, offer_id: s.offer.offer_id, deadline: s.offer.deadline } });
  }
  if (state.sessions.length > 0) {
    const at = now + state.settings.tick_time;
    timers.push({ key: TICK_TIMER, at, input: { type: 'tick', at } });
  }
  return timers;
}

/**
 * The offer commands still outstanding, to send again under `epoch`, with the ring time they have
 * LEFT: should this be the first time one reaches its recipient, it still stops ringing before the
 * queue's deadline for it (then counted missed), so the caller is never offered elsewhere while it
 * rings. One with under a second left is not sent: its deadline is about to decide.
 * (Requirement on the sender: an offer command expires in the broker within OFFER_GRACE_MS.)
 */
export function pendingOffersOf(state: QueueState | null, epoch: number, now: number): Array<Extract<QueueEffect, { type: 'offer' }>> {
  if (!state) return [];
  const out: Array<Extract<QueueEffect, { type: 'offer' }>> = [];
  for (const s of state.sessions) {
    // a caller who hung up is never rung again: its withdraw is re-sent instead (pendingWithdrawsOf)
    if (!s.offer || s.hung_up) continue;
    const left = Math.floor((s.offer.deadline - OFFER_GRACE_MS - now) / 1000);
    if (left < 1) continue;
    out.push({
      type: 'offer',
      recipient_id: s.offer.recipient_id,
      offer_id: s.offer.offer_id,
      call: callInfoOf(state, s),
      offer_timeout_seconds: Math.min(left, state.settings.ring_timeout),
      wrapup_seconds: state.settings.agent_wrapup_time,
      epoch,
      ...(s.offer.pinned ? { pinned: true as const } : {}),
    });
  }
  return out;
}

/**
 * The withdraws of the callers who hung up while ringing and wait for the outcome (rules/hangup.ts),
 * to send again after a take-over: the one sent before may have been lost with the old owner, and
 * its reply (fed back as withdraw_reply) decides sooner than the offer's deadline.
 */
export function pendingWithdrawsOf(state: QueueState | null): Array<Extract<QueueEffect, { type: 'withdraw' }>> {
  if (!state) return [];
  return state.sessions.flatMap((s) => (s.hung_up && s.offer ? [{ type: 'withdraw' as const, recipient_id: s.offer.recipient_id, session_id: s.session_id, offer_id: s.offer.offer_id, reason: 'caller_hangup' as const }] : []));
}
