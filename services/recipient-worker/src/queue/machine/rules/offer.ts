/** The reply to an offer command, and the queue's own deadline for an offer whose outcome never came. */
import { QueueDraft } from '../draft.js';
import { read } from '../outcomes.js';
import { abandon, endOffer, route, timeOut } from '../steps.js';
import { OFFER_GRACE_MS, offerTimerKey, type OfferDeadlineInput, type OfferReplyInput, type QueueMachineContext, type QueueState, type QueueTransitionResult } from '../types.js';

function currentOffer(state: QueueState, sessionId: string, offerId: string) {
  const session = state.sessions.find((x) => x.session_id === sessionId);
  return session?.offer?.offer_id === offerId ? session.offer : undefined;
}

/**
 * Accepted: nothing to do (the recipient rings; its events tell the rest). Refused (its state was
 * not what our view said): the caller is back at its place, not a miss, and the next candidate is
 * tried at once; the recipient is no candidate until a newer status of theirs arrives.
 * A reply for an offer already over (its outcome came first) is ignored. A caller who hung up
 * meanwhile (rules/hangup.ts) is not offered again: refused, it never rang, so it is abandoned.
 */
export function offerReply(state: QueueState | null, input: OfferReplyInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state || input.accepted || !currentOffer(state, input.session_id, input.offer_id)) return read(state, ctx, null);
  const d = new QueueDraft(state, ctx);
  if (state.sessions.find((x) => x.session_id === input.session_id)?.hung_up) abandon(d, input.session_id, 'refused');
  else endOffer(d, input.session_id, 'refused');
  route(d);
  return d.commit(input, null);
}

/**
 * ring_timeout + grace passed and no outcome came (the recipient's events are late or lost, or the
 * offer never reached it). By now the recipient stopped ringing, but it may have ANSWERED: so the
 * queue asks its status (verify_offer; the answer comes back as a member_status with `verify`) and
 * keeps the offer meanwhile, asking again after each grace. It never offers the caller elsewhere
 * on a guess (that could put one caller in two recipients' hands); if the recipient's side stays
 * silent until the caller's own timeout, the caller times out (or overflows) instead.
 * A caller who hung up while ringing waited for its withdraw's outcome this long: abandoned.
 */
export function offerDeadline(state: QueueState | null, input: OfferDeadlineInput, ctx: QueueMachineContext): QueueTransitionResult {
  const offer = state && currentOffer(state, input.session_id, input.offer_id);
  if (!state || !offer || offer.deadline !== input.deadline) return read(state, ctx, null);
  const d = new QueueDraft(state, ctx);
  const session = d.session(input.session_id)!;
  if (session.hung_up) {
    abandon(d, input.session_id, 'unseen');
    route(d);
    return d.commit(input, null);
  }
  if (ctx.now >= session.deadline) {
    timeOut(d, input.session_id);
    route(d);
    return d.commit(input, null);
  }
  const deadline = ctx.now + OFFER_GRACE_MS;
  session.offer = { ...offer, deadline, checks: offer.checks + 1 };
  d.effect({ type: 'verify_offer', recipient_id: offer.recipient_id, session_id: input.session_id, offer_id: offer.offer_id });
  d.effect({ type: 'arm_timer', key: offerTimerKey(input.session_id), at: deadline, input: { type: 'offer_deadline', session_id: input.session_id, offer_id: offer.offer_id, deadline } });
  return d.commit(input, null);
}
