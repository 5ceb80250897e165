/**
 * A caller leaves before being answered: hung up (abandoned) or taken out by a supervisor (exited);
 * and the outcome of the withdraw a hangup while ringing sent.
 */
import { QueueDraft } from '../draft.js';
import { read } from '../outcomes.js';
import { abandon, leave, withdrawOffer } from '../steps.js';
import { OFFER_GRACE_MS, offerTimerKey, type CallerHangupInput, type QueueMachineContext, type QueueState, type QueueTransitionResult, type RemoveSessionInput, type WithdrawReplyInput } from '../types.js';

/**
 * Hung up while waiting: abandoned at once (`removed: true`). Hung up while RINGING: the offer is
 * withdrawn (caller_hangup, not a miss) but the caller does not leave yet, since the recipient may
 * have answered before the withdraw reaches it (its `delivered` on the way): the caller waits,
 * out of routing (`hung_up`, its offer kept), for the withdraw's outcome: withdrawn (the recipient's
 * `withdraw` event or the command's reply), its ring over unanswered, or the offer's deadline (now
 * at most OFFER_GRACE_MS away) → abandoned; answered first → delivered. Answered `removed: false`:
 * the session then waits for the queue's report (session_report), which tells which it was.
 */
export function callerHangup(state: QueueState | null, input: CallerHangupInput, ctx: QueueMachineContext): QueueTransitionResult {
  const queued = state?.sessions.find((x) => x.session_id === input.session_id);
  if (!state || !queued || queued.hung_up) return read(state, ctx, { removed: false });
  const d = new QueueDraft(state, ctx);
  if (!queued.offer) {
    abandon(d, input.session_id, 'unseen');
    return d.commit(input, { removed: true });
  }
  const session = d.session(input.session_id)!;
  const offer = queued.offer;
  const deadline = Math.min(offer.deadline, ctx.now + OFFER_GRACE_MS);
  session.hung_up = true;
  session.offer = { ...offer, deadline };
  delete session.assignment;
  d.effect({ type: 'withdraw', recipient_id: offer.recipient_id, session_id: input.session_id, offer_id: offer.offer_id, reason: 'caller_hangup' });
  if (deadline !== offer.deadline) d.effect({ type: 'arm_timer', key: offerTimerKey(input.session_id), at: deadline, input: { type: 'offer_deadline', session_id: input.session_id, offer_id: offer.offer_id, deadline } });
  return d.commit(input, { removed: false }, undefined, true);
}

/**
 * The withdraw's reply for a caller who hung up while ringing. Withdrawn: the recipient was still
 * ringing (it applies commands one at a time, so it cannot answer afterwards): abandoned. Not
 * withdrawn: the recipient was not offering it any more (the recipient machine refuses a withdraw
 * for an offer it already answered, rejected or missed): its status is read (verify_offer) and
 * decides, the call in their hands → delivered, else abandoned (rules/member.ts). Anything else
 * (another offer, a caller already gone) is ignored.
 */
export function withdrawReply(state: QueueState | null, input: WithdrawReplyInput, ctx: QueueMachineContext): QueueTransitionResult {
  const session = state?.sessions.find((x) => x.session_id === input.session_id);
  if (!state || !session?.hung_up || session.offer?.offer_id !== input.offer_id) return read(state, ctx, null);
  if (!input.withdrawn) return read(state, ctx, null, [{ type: 'verify_offer', recipient_id: session.offer.recipient_id, session_id: session.session_id, offer_id: input.offer_id }]);
  const d = new QueueDraft(state, ctx);
  abandon(d, input.session_id, 'unseen');
  return d.commit(input, null);
}

/** A supervisor takes the caller out (exited); a ringing offer is withdrawn. A caller who hung up is leaving already. */
export function removeSession(state: QueueState | null, input: RemoveSessionInput, ctx: QueueMachineContext): QueueTransitionResult {
  const queued = state?.sessions.find((x) => x.session_id === input.session_id);
  if (!state || !queued || queued.hung_up) return read(state, ctx, { removed: false });
  const d = new QueueDraft(state, ctx);
  withdrawOffer(d, input.session_id, 'other');
  leave(d, input.session_id, 'exited');
  d.effect({ type: 'end_session', session_id: input.session_id, call_id: queued.call_id, reason: 'exited' });
  return d.commit(input, { removed: true });
}
