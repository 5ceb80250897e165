/** A call offered by a queue: offer, answer, reject, withdraw and the offer timer. */
import type { AnswerCommand, OfferCommand, OfferReply, OfferRefusal, RecipientState, RejectCommand, WithdrawCommand } from '@qubicle/contracts';
import { Draft, isBusy, toSeconds } from '../draft.js';
import { invalidTransition, notLoggedIn, read } from '../outcomes.js';
import { settle, withdrawOffer } from '../steps.js';
import type { MachineContext, OfferTimeoutInput, TransitionResult } from '../types.js';

/** Why this recipient cannot take a call from `queueId` now, or null if eligible. */
export function offerRefusal(state: RecipientState | null, queueId: string): OfferRefusal | null {
  if (!state) return 'not_logged_in';
  if (isBusy(state.availability_state)) return 'busy';
  if (state.availability_state !== 'Ready') return 'not_ready';
  if (state.wiretapping_recipient) return 'wiretapping';
  if (state.queue_availability[queueId] === false) return 'not_available_for_queue';
  return null;
}

/**
 * Ready + eligible → Call-Offer, offer timer armed. A refusal is an answer, not an
 * error (the queue tries someone else): an ok reply {accepted:false, reason}.
 */
export function offer(state: RecipientState | null, input: OfferCommand, ctx: MachineContext): TransitionResult {
  const refusal = offerRefusal(state, input.call.queue_id);
  if (refusal || !state) {
    const reply: OfferReply = { accepted: false, reason: refusal ?? 'not_logged_in' };
    return read(state, ctx, reply);
  }
  const d = new Draft(state, ctx);
  const s = d.s;
  d.enter('Call-Offer');
  s.offered_call = { ...input.call };
  s.offer_deadline = ctx.now + input.offer_timeout_seconds * 1000;
  // Remembered now: the wrap-up after this call (and wrapup_extend) uses its queue's amount.
  s.wrapup_seconds = input.wrapup_seconds;
  d.armTimer('offer', { type: 'offer_timeout', session_id: input.call.session_id, deadline: s.offer_deadline });
  d.emit('offer', { call: { ...input.call } });
  const reply: OfferReply = { accepted: true };
  return d.commit(input, reply);
}

function offeredSession(state: RecipientState, sessionId: string): boolean {
  return state.availability_state === 'Call-Offer' && state.offered_call?.session_id === sessionId;
}

/** Call-Offer (same session) → On-A-Call: the call counts as handled from here. */
export function answer(state: RecipientState | null, input: AnswerCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (!offeredSession(state, input.session_id)) {
    return invalidTransition(state, input, ctx, `session ${input.session_id} is not being offered to this recipient`);
  }
  const d = new Draft(state, ctx);
  const s = d.s;
  const call = s.offered_call!;
  s.offered_call = null;
  s.offer_deadline = null;
  d.cancelTimer('offer');
  s.handling_call = call;
  s.answered_at = ctx.now;
  s.stats.total_calls += 1;
  s.stats.last_handled_time = toSeconds(ctx.now);
  s.consecutive_misses = 0;
  d.enter('On-A-Call');
  d.emit('delivered', { call: { ...call } });
  return d.commit(input);
}

/** A miss (reject or no answer in time): counted, then Ready / next state / Away after too many. */
function miss(d: Draft, event: 'reject' | 'miss'): void {
  const s = d.s;
  const call = s.offered_call ?? undefined;
  s.offered_call = null;
  s.offer_deadline = null;
  s.stats.missed_calls += 1;
  s.consecutive_misses += 1;
  d.emit(event, { call });
  const threshold = d.ctx.account.missed_call_threshold;
  settle(d, { missedTooMany: threshold > 0 && s.consecutive_misses >= threshold });
}

export function reject(state: RecipientState | null, input: RejectCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (!offeredSession(state, input.session_id)) {
    return invalidTransition(state, input, ctx, `session ${input.session_id} is not being offered to this recipient`);
  }
  const d = new Draft(state, ctx);
  d.cancelTimer('offer');
  miss(d, 'reject');
  return d.commit(input);
}

/** The offer timer; a stale one (other session, other deadline, offer already over) is ignored. */
export function offerTimeout(state: RecipientState | null, input: OfferTimeoutInput, ctx: MachineContext): TransitionResult {
  if (!state || !offeredSession(state, input.session_id) || state.offer_deadline !== input.deadline) return read(state, ctx);
  const d = new Draft(state, ctx);
  miss(d, 'miss');
  return d.commit(input);
}

/** Caller hung up or another recipient won: not a miss. */
export function withdraw(state: RecipientState | null, input: WithdrawCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (!offeredSession(state, input.session_id)) {
    return invalidTransition(state, input, ctx, `session ${input.session_id} is not being offered to this recipient`);
  }
  const d = new Draft(state, ctx);
  withdrawOffer(d, input.reason ?? 'other');
  settle(d);
  return d.commit(input);
}
