/**
 * Steps shared by several rules: routing (offers), ending an offer, a caller leaving the queue.
 * Each mutates the draft and adds the effects and events of exactly what it did.
 */
import type { QueueLeaveReason } from '@qubicle/contracts';
import { routerOf } from '../routers/index.js';
import type { QueueDraft } from './draft.js';
import { findMember } from './members.js';
import { noteLeave, noteMissed } from './stats.js';
import { callInfoOf, canBeAssigned, candidatesOf, eventCallerOf, isCandidate, waitSeconds } from './status.js';
import { MAX_REDIRECTS, OFFER_GRACE_MS, callerTimerKey, offerTimerKey, type QueuedSession, type WithdrawReason } from './types.js';

/**
 * A delivery round: callers in order (priority, then FIFO), each waiting one offered to the
 * router's first pick among the candidates left; one recipient per caller, one caller per
 * recipient. Stops when no candidate is left.
 */
export function route(d: QueueDraft): void {
  const s = d.s;
  // a caller whose timeout came while ringing times out once the ring is over (as Asterisk checks
  // its timeout between rings): never while a recipient may still answer
  const now = d.ctx.now;
  if (s.sessions.some((x) => !x.offer && x.deadline <= now)) {
    for (const x of s.sessions.filter((y) => !y.offer && y.deadline <= now)) timeOut(d, x.session_id);
  }
  serveAssignments(d);
  let candidates = candidatesOf(s);
  if (candidates.length === 0) return;
  const router = routerOf(s.settings.queue_router);
  // by index over the current array: offering copies sessions (draft.ts)
  for (let i = 0; i < d.s.sessions.length; i++) {
    if (candidates.length === 0) return;
    const waiting = d.s.sessions[i]!;
    // a caller assigned to a member waits for that member (serveAssignments), not the router
    if (waiting.offer || waiting.assignment) continue;
    const { order, state } = router.route(candidates, { session_id: waiting.session_id, priority: waiting.priority, entered_at: waiting.entered_at }, s.router_state);
    const pick = order[0];
    // a router may only pick a candidate; one that picks none leaves this caller for the next round
    if (pick === undefined || !candidates.some((c) => c.recipient_id === pick)) continue;
    s.router_state = state;
    offer(d, waiting.session_id, pick);
    candidates = candidates.filter((c) => c.recipient_id !== pick);
  }
}

/**
 * Callers a supervisor assigned to a busy member (rules/assign.ts), in queue order: offered to that
 * member once they can take a call, before the router's round; the assignment dropped (the caller
 * routed as any other) once the member cannot be assigned any more (logged out, Away, away for
 * this queue, off the roster). Two callers assigned to one member go to them one after the other.
 */
function serveAssignments(d: QueueDraft): void {
  if (!d.s.sessions.some((x) => x.assignment)) return;
  for (let i = 0; i < d.s.sessions.length; i++) {
    const waiting = d.s.sessions[i]!;
    if (!waiting.assignment || waiting.offer) continue;
    const { recipient_id, by } = waiting.assignment;
    const m = findMember(d.s, recipient_id);
    if (m && canBeAssigned(m) && !isCandidate(m)) continue;
    delete d.session(waiting.session_id)!.assignment;
    if (m && isCandidate(m)) offer(d, waiting.session_id, recipient_id, by ? { by } : {});
  }
}

/**
 * Offers the session to the recipient: offer command (with the lease epoch), the queue's deadline.
 * The router's pick, or a supervisor's (`pin`: the assign rule); both the same offer from here on.
 * Returns the offer id.
 */
export function offer(d: QueueDraft, sessionId: string, recipientId: string, pin?: { by?: string }): string {
  const { ctx } = d;
  const settings = d.s.settings;
  const session = d.session(sessionId)!;
  const offerId = ctx.newId();
  const deadline = ctx.now + settings.ring_timeout * 1000 + OFFER_GRACE_MS;
  session.offer = { recipient_id: recipientId, offer_id: offerId, deadline, checks: 0, ...(pin ? { pinned: true as const, ...(pin.by ? { assigned_by: pin.by } : {}) } : {}) };
  const m = d.member(recipientId);
  m.offered_session = sessionId;
  m.offers += 1;
  d.effect({
    type: 'offer',
    recipient_id: recipientId,
    offer_id: offerId,
    call: callInfoOf(d.s, session),
    offer_timeout_seconds: settings.ring_timeout,
    wrapup_seconds: settings.agent_wrapup_time,
    epoch: ctx.epoch,
    ...(pin ? { pinned: true as const } : {}),
  });
  d.effect({ type: 'arm_timer', key: offerTimerKey(sessionId), at: deadline, input: { type: 'offer_deadline', session_id: sessionId, offer_id: offerId, deadline } });
  return offerId;
}

/**
 * How an offer ended, for the bookkeeping:
 * - `seen`: the recipient's own event told us (reject, miss, withdraw) and its status is current;
 * - `unseen`: it ended without the recipient telling (refused, withdrawn by us, our deadline): the
 *   member is no candidate until a newer status arrives;
 * - `refused`: unseen, and the recipient never had it: it does not count as an offer received.
 */
export type OfferEnd = 'seen' | 'unseen' | 'refused';

/** The session's offer is over: the caller is back at its place (or about to leave), the member free of it. */
export function endOffer(d: QueueDraft, sessionId: string, how: OfferEnd): void {
  const session = d.session(sessionId);
  const offered = session?.offer;
  if (!session || !offered) return;
  session.offer = null;
  d.effect({ type: 'cancel_timer', key: offerTimerKey(sessionId) });
  if (!d.hasMember(offered.recipient_id)) return;
  const m = d.member(offered.recipient_id);
  if (m.offered_session === sessionId) m.offered_session = null;
  if (how !== 'seen') m.wait_for_seq = m.seq;
  if (how === 'refused') m.offers = Math.max(0, m.offers - 1);
  forgetIfRemoved(d, offered.recipient_id);
}

/** A member taken off the roster while ringing goes once that ring is over. */
export function forgetIfRemoved(d: QueueDraft, recipientId: string): void {
  const m = findMember(d.s, recipientId);
  if (m?.removed && m.offered_session === null) d.removeMember(recipientId);
}

/** Withdraws the session's outstanding offer (caller gone, answered elsewhere, timed out, member removed). */
export function withdrawOffer(d: QueueDraft, sessionId: string, reason: WithdrawReason): void {
  const offered = d.s.sessions.find((x) => x.session_id === sessionId)?.offer;
  if (!offered) return;
  d.effect({ type: 'withdraw', recipient_id: offered.recipient_id, session_id: sessionId, offer_id: offered.offer_id, reason });
  endOffer(d, sessionId, 'unseen');
}

/**
 * The caller who hung up leaves abandoned (its offer, if any, ended `how`): the `leave` event and
 * the session's end. The one place a hangup ends a caller: at once while waiting, or once the
 * withdraw of its ringing offer has an outcome (rules/hangup.ts).
 */
export function abandon(d: QueueDraft, sessionId: string, how: OfferEnd): void {
  const session = d.s.sessions.find((x) => x.session_id === sessionId);
  if (!session) return;
  endOffer(d, sessionId, how);
  leave(d, sessionId, 'abandoned');
  d.effect({ type: 'end_session', session_id: sessionId, call_id: session.call_id, reason: 'abandoned' });
}

/** A missed offer (rejected, not answered in time): counted, the caller back at its old place. */
export function missOffer(d: QueueDraft, sessionId: string, how: OfferEnd): void {
  noteMissed(d.stats());
  endOffer(d, sessionId, how);
}

/**
 * The caller leaves the queue: stats, timers, the `leave` event and what happens to the session.
 * Its offer must be over already. Returns the session as it was.
 */
export function leave(d: QueueDraft, sessionId: string, reason: QueueLeaveReason, extra: { recipient_id?: string; redirected_to?: string } = {}): QueuedSession | undefined {
  const list = d.sessions();
  const i = list.findIndex((x) => x.session_id === sessionId);
  if (i < 0) return undefined;
  const session = list[i]!;
  list.splice(i, 1);
  const { now } = d.ctx;
  noteLeave(d.stats(), session, reason, now, d.s.settings.service_level_seconds);
  d.effect({ type: 'cancel_timer', key: callerTimerKey(sessionId) });
  const wait = waitSeconds(now - session.entered_at);
  const caller = eventCallerOf(session);
  if (reason === 'delivered') d.emit('delivered', { caller, recipient_id: extra.recipient_id, wait });
  d.emit('leave', { caller, reason, wait, redirected_to: extra.redirected_to });
  return session;
}

/** The overflow queue a caller timing out here goes to, or undefined (none, itself, a loop, too many hops). */
export function redirectTarget(d: QueueDraft, visited: readonly string[]): string | undefined {
  const target = d.s.settings.timeout_redirect;
  if (!target || target === d.s.queue_id || visited.includes(target) || visited.length >= MAX_REDIRECTS) return undefined;
  return target;
}

/** Times the caller out here: to the overflow queue when there is one, else the session ends timed out. */
export function timeOut(d: QueueDraft, sessionId: string): void {
  withdrawOffer(d, sessionId, 'other');
  const session = d.s.sessions.find((x) => x.session_id === sessionId);
  if (!session) return;
  const target = redirectTarget(d, session.visited);
  if (target) {
    leave(d, sessionId, 'redirected', { redirected_to: target });
    d.effect({
      type: 'redirect_session',
      session_id: sessionId,
      call_id: session.call_id,
      to_queue_id: target,
      join: {
        session_id: session.session_id,
        call_id: session.call_id,
        caller_id_name: session.caller_id_name,
        caller_id_number: session.caller_id_number,
        priority: session.priority,
        visited: [...session.visited, d.s.queue_id],
      },
    });
  } else {
    leave(d, sessionId, 'timed_out');
    d.effect({ type: 'end_session', session_id: sessionId, call_id: session.call_id, reason: 'timed_out' });
  }
}
