/**
 * A supervisor assigns a waiting caller to a member (queue_session_action `assign`).
 *
 * The queue routes on every change, so a member who can take a call never stays free while callers
 * wait: by the time a supervisor looks, the members are ringing, on a call or in wrap-up. An
 * assignment therefore means "this caller goes to that member NEXT": offered at once when the
 * member can take a call now, else the caller waits for them (`assignment`; the router skips it)
 * and is offered to them as soon as they can, before any other caller (steps.ts, serveAssignments).
 *
 * Refused, nothing changed: the caller is not here (unknown_session) or rings already
 * (session_ringing: never two phones at once); the recipient is not on the roster (not_a_member)
 * or is not taking calls of this queue (recipient_unavailable: not logged in, Away, away for this
 * queue, monitoring: their own choices, which a supervisor does not override).
 *
 * The offer is an ordinary offer (the same command, fence, ring_timeout, wrap-up and deadline),
 * marked `pinned`; its outcomes are the usual ones: answered → delivered; rejected / missed → a
 * miss; refused / withdrawn → not one; in each case the caller is back at its old place (its order,
 * priority and entered_at never changed) and normal routing resumes (the assignment is spent).
 * The router is not asked and its state does not move (round robin does not count it).
 */
import { QueueDraft } from '../draft.js';
import { findMember } from '../members.js';
import { read } from '../outcomes.js';
import { canBeAssigned, eventCallerOf, isCandidate } from '../status.js';
import { offer } from '../steps.js';
import type { AssignInput, AssignResult, QueueMachineContext, QueueState, QueueTransitionResult } from '../types.js';

export function assign(state: QueueState | null, input: AssignInput, ctx: QueueMachineContext): QueueTransitionResult {
  const refused = assignRefusal(state, input);
  if (refused) return read(state, ctx, { assigned: false, reason: refused } satisfies AssignResult);
  const d = new QueueDraft(state!, ctx);
  const session = d.session(input.session_id)!;
  const by = input.by ? { by: input.by } : {};
  let offerId: string | undefined;
  if (isCandidate(findMember(d.s, input.recipient_id)!)) {
    delete session.assignment;
    offerId = offer(d, input.session_id, input.recipient_id, by);
  } else {
    // a new assignment of the same caller replaces the last one
    session.assignment = { recipient_id: input.recipient_id, ...by };
  }
  d.emit('assign', { caller: eventCallerOf(session), recipient_id: input.recipient_id, assigned_by: input.by });
  const result: AssignResult = { assigned: true, recipient_id: input.recipient_id, ...(offerId ? { offer_id: offerId } : {}) };
  return d.commit(input, result);
}

/**
 * Why the assignment cannot be made, in the order a supervisor can act on: the caller first (gone,
 * or ringing), then the recipient (not a member, or not taking calls of this queue).
 */
function assignRefusal(state: QueueState | null, input: AssignInput): Extract<AssignResult, { assigned: false }>['reason'] | undefined {
  const session = state?.sessions.find((x) => x.session_id === input.session_id);
  if (!state || !session) return 'unknown_session';
  if (session.offer) return 'session_ringing';
  const member = findMember(state, input.recipient_id);
  // a member taken off the roster while ringing is on its way out: no longer a member
  if (!member || member.removed) return 'not_a_member';
  if (!canBeAssigned(member)) return 'recipient_unavailable';
  return undefined;
}
