/**
 * A member's status (a recipient event or a status read): the queue's view of them, and, for the
 * call events of this queue's offers, the outcome: delivered (answered), reject, miss (missed: the
 * caller back at its old place), withdraw (not a miss). Then a delivery round: they may be free.
 */
import type { CallInfo } from '@qubicle/contracts';
import { QueueDraft } from '../draft.js';
import { findMember } from '../members.js';
import { read } from '../outcomes.js';
import { abandon, endOffer, forgetIfRemoved, leave, missOffer, route, withdrawOffer } from '../steps.js';
import type { MemberStatusInput, QueueMachineContext, QueueState, QueueTransitionResult } from '../types.js';

export function memberStatus(state: QueueState | null, input: MemberStatusInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return read(state, ctx, null);
  const member = findMember(state, input.recipient_id);
  const delivered = deliveredSession(state, input);
  // a view only moves forward (a read may repeat the last seq: it is the state after it); a
  // non-member matters only when it answered one of our callers
  const fresh = member !== undefined && (input.seq > member.seq || (input.event === undefined && input.seq === member.seq));
  const verified = fresh ? verifiedOffer(state, input) : undefined;
  if (!fresh && delivered === undefined) return read(state, ctx, null);
  if (!delivered && !verified && input.seq === member?.seq) return read(state, ctx, null);

  const d = new QueueDraft(state, ctx);
  if (fresh) applyView(d, input);
  const call = input.call && input.call.queue_id === state.queue_id ? input.call : undefined;
  if (delivered !== undefined) {
    deliver(d, delivered, input.recipient_id);
  } else if (verified !== undefined) {
    // the check after the deadline: not answered, not ringing: the offer ended unseen (a miss);
    // for a caller who hung up (the check after a refused withdraw): it was not answered, abandoned
    if (d.s.sessions.find((x) => x.session_id === verified)?.hung_up) abandon(d, verified, 'seen');
    else missOffer(d, verified, 'seen');
  } else if (fresh && call && offeredTo(d.s, call, input.recipient_id)) {
    outcome(d, input, call);
  }
  route(d);
  return d.commit(input, null);
}

/**
 * The session whose offer a verify read shows over (the recipient neither rings for it nor has it
 * in hands); undefined when the read checks nothing or the offer goes on. Only a read the queue
 * asked for after the deadline may conclude this: another read may have been served before the
 * offer command reached the recipient.
 */
function verifiedOffer(state: QueueState, input: MemberStatusInput): string | undefined {
  if (input.verify === undefined || input.event !== undefined) return undefined;
  const sessionId = findMember(state, input.recipient_id)?.offered_session;
  const session = sessionId ? state.sessions.find((x) => x.session_id === sessionId) : undefined;
  if (!session || session.offer?.offer_id !== input.verify) return undefined;
  if (input.status.offered_call?.session_id === session.session_id) return undefined;
  if (input.status.handling_call?.session_id === session.session_id) return undefined;
  return session.session_id;
}

/** The member's view from their status (seq already checked). */
function applyView(d: QueueDraft, input: MemberStatusInput): void {
  const m = d.member(input.recipient_id);
  const st = input.status;
  m.seq = input.seq;
  m.availability_state = st.availability_state;
  m.queue_enabled = st.queue_availability?.[d.s.queue_id] !== false;
  m.wiretapping = Boolean(st.wiretapping_recipient);
  if (st.availability_state === 'Ready' && st.stats) m.idle_since = st.stats.last_action_time * 1000;
  if (m.wait_for_seq !== null && input.seq > m.wait_for_seq) m.wait_for_seq = null;
}

/**
 * The session of ours this status says was answered by the recipient: the `delivered` event, or a
 * status read showing the call in their hands (an event lost while the queue moved). Whoever it was
 * offered to: a late answer still reached the caller.
 */
function deliveredSession(state: QueueState, input: MemberStatusInput): string | undefined {
  const answered = input.event === 'delivered' ? input.call : input.event === undefined ? input.status.handling_call : undefined;
  if (!answered || answered.queue_id !== state.queue_id) return undefined;
  return state.sessions.some((x) => x.session_id === answered.session_id) ? answered.session_id : undefined;
}

function offeredTo(state: QueueState, call: CallInfo, recipientId: string): boolean {
  return state.sessions.find((x) => x.session_id === call.session_id)?.offer?.recipient_id === recipientId;
}

/** Answered: the caller leaves the queue, handled by that recipient. */
function deliver(d: QueueDraft, sessionId: string, recipientId: string): void {
  const session = d.s.sessions.find((x) => x.session_id === sessionId)!;
  if (session.offer && session.offer.recipient_id !== recipientId) {
    // offered to someone else meanwhile (the queue never does that while an earlier offer's
    // outcome is unknown; kept for states of other origins): take that one back
    withdrawOffer(d, sessionId, 'answered_elsewhere');
  } else {
    endOffer(d, sessionId, 'seen');
  }
  if (d.hasMember(recipientId)) {
    const m = d.member(recipientId);
    m.handled_calls += 1;
    if (m.offered_session === sessionId) m.offered_session = null;
    forgetIfRemoved(d, recipientId);
  }
  leave(d, sessionId, 'delivered', { recipient_id: recipientId });
  d.effect({ type: 'session_delivered', session_id: sessionId, call_id: session.call_id, recipient_id: recipientId });
}

/**
 * The outcome of our offer to this recipient, told by their event. For a caller who hung up while
 * ringing (rules/hangup.ts), any end of the ring but an answer (withdrawn, rejected, missed: the
 * withdraw and the ring's end crossed) means it was not answered: abandoned, not a miss.
 */
function outcome(d: QueueDraft, input: MemberStatusInput, call: CallInfo): void {
  const ringEnd = input.event === 'withdraw' || input.event === 'reject' || input.event === 'miss';
  if (ringEnd && d.s.sessions.find((x) => x.session_id === call.session_id)?.hung_up) return abandon(d, call.session_id, 'seen');
  switch (input.event) {
    case 'reject':
      missOffer(d, call.session_id, 'seen');
      if (d.s.settings.force_away_on_reject) {
        d.effect({ type: 'set_away', recipient_id: input.recipient_id, reason: 'rejected_offer' });
        // their status still says Ready: no offer until the Away (or any newer status) is seen
        // (a member taken off the roster while ringing is gone by now: nothing to hold)
        if (d.hasMember(input.recipient_id)) d.member(input.recipient_id).wait_for_seq = input.seq;
      }
      return;
    case 'miss':
      return missOffer(d, call.session_id, 'seen');
    case 'withdraw':
      // withdrawn on their side (e.g. they logged out while ringing): not a miss
      return endOffer(d, call.session_id, 'seen');
    default:
      // offer (ringing) and the rest: nothing to decide
      return;
  }
}
