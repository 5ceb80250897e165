/**
 * The caller session machine. Every path ends the session exactly once (event `delete` with how);
 * whatever arrives after the end (a late delivered, a second hangup) changes nothing and answers
 * how it ended. How a session in a queue ends is what that queue decided, whichever of the queue's
 * report and KAZOO's delete_session comes first (a caller answered by a recipient, then hanging up,
 * is `handled`).
 */
import { okReply, type SessionEndReason, type SessionEvent } from '@qubicle/contracts';
import {
  SESSION_RECENT_INPUTS_KEPT,
  type CallerSessionState,
  type CreateSessionInput,
  type DeleteSessionInput,
  type JoinCheck,
  type JoinQueueInput,
  type QueueHangupDoneInput,
  type QueueJoinedInput,
  type SessionDeliveredInput,
  type SessionEffect,
  type SessionEndedInput,
  type SessionInput,
  type SessionMachineContext,
  type SessionTransitionResult,
} from './types.js';

export function sessionTransition(state: CallerSessionState | null, input: SessionInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (state && input.type === 'create_session') {
    const made = state.creates?.find((c) => c.input_id === input.input_id);
    if (made) return unchanged(state, ctx, { session_id: made.session_id });
  }
  // (a join is checked again each time: the queue answers a redelivered one its first reply)
  if (state && 'input_id' in input && input.type !== 'join_queue' && state.recent_inputs.includes(input.input_id)) return unchanged(state, ctx, replyOf(state, input));
  // a report or an answer about an earlier session of the call (it ended; the call has a new one)
  if (state && 'session_id' in input && input.type !== 'join_queue' && input.session_id !== state.session_id) return unchanged(state, ctx, null);
  switch (input.type) {
    case 'create_session':
      return create(state, input, ctx);
    case 'join_queue':
      return joinCheck(state, input, ctx);
    case 'queue_joined':
      return queueJoined(state, input, ctx);
    case 'queue_join_refused':
      return !state || state.joining !== input.queue_id ? unchanged(state, ctx, null) : commit({ ...state, joining: null }, input, ctx, [], [], null);
    case 'session_delivered':
      return delivered(state, input, ctx);
    case 'session_ended':
      return ended(state, input, ctx);
    case 'delete_session':
      return hangup(state, input, ctx);
    case 'queue_hangup_done':
      return hangupDone(state, input, ctx);
    case 'report_overdue':
      return !state || state.phase === 'ended' || !state.hung_up ? unchanged(state, ctx, null) : end(state, input, ctx, 'abandoned', state.queue_id, []);
  }
}

/** One session per call: a second create answers the same id; after the end, the call gets a new session. */
function create(state: CallerSessionState | null, input: CreateSessionInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (state && state.phase !== 'ended') return unchanged(state, ctx, { session_id: state.session_id });
  const sessionId = ctx.newSessionId();
  const fresh: CallerSessionState = {
    account_id: input.account_id,
    call_id: input.call_id,
    session_id: sessionId,
    session_type: input.session_type,
    caller_id_name: input.caller_id_name,
    caller_id_number: input.caller_id_number,
    phase: 'created',
    queue_id: null,
    recipient_id: null,
    end_reason: null,
    created_at: ctx.now,
    ended_at: null,
    seq: 0,
    // the call's earlier inputs stay known: a late redelivery of them is not applied to the new session
    recent_inputs: state?.recent_inputs ?? [],
    hung_up: false,
    creates: [...(state?.creates ?? []), { input_id: input.input_id, session_id: sessionId }].slice(-SESSION_RECENT_INPUTS_KEPT),
  };
  return commit(fresh, input, ctx, [event(fresh, 'create', ctx)], [], { session_id: fresh.session_id });
}

/** May this session join a queue now? (The queue's join then decides full / empty / unknown queue.) */
function joinCheck(state: CallerSessionState | null, input: JoinQueueInput, ctx: SessionMachineContext): SessionTransitionResult {
  const check: JoinCheck =
    !state || state.session_id !== input.session_id
      ? { ok: false, reason: 'unknown_session' }
      : state.hung_up
        ? { ok: false, reason: 'session_ended' }
        : state.phase === 'queued'
          ? state.queue_id === input.queue_id
            ? { ok: true, session_id: state.session_id, queue_id: input.queue_id } // the same join again: the queue answers its place
            : { ok: false, reason: 'already_queued' }
          : state.phase === 'created'
            ? { ok: true, session_id: state.session_id, queue_id: input.queue_id }
            : { ok: false, reason: 'session_ended' };
  // about to be sent to the queue: recorded first, so that a hangup reaches that queue even if its answer is lost
  if (check.ok && state && state.phase === 'created' && state.joining !== input.queue_id) return commit({ ...state, joining: input.queue_id }, input, ctx, [], [], check);
  return unchanged(state, ctx, check);
}

function queueJoined(state: CallerSessionState | null, input: QueueJoinedInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (!state || state.phase === 'ended' || state.phase === 'delivered' || (state.phase === 'queued' && state.queue_id === input.queue_id)) return unchanged(state, ctx, null);
  return commit({ ...state, phase: 'queued', queue_id: input.queue_id, joining: null }, input, ctx, [], [], null);
}

/** The queue's recipient answered: delivered; a caller who already hung up was handled, and that is its end. */
function delivered(state: CallerSessionState | null, input: SessionDeliveredInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (!state || state.phase === 'ended' || state.phase === 'delivered') return unchanged(state, ctx, null);
  const next: CallerSessionState = { ...state, phase: 'delivered', queue_id: input.queue_id, recipient_id: input.recipient_id };
  if (state.hung_up) return end(next, input, ctx, 'handled', input.queue_id, []);
  return commit(next, input, ctx, [], [], null);
}

function ended(state: CallerSessionState | null, input: SessionEndedInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (!state || state.phase === 'ended') return unchanged(state, ctx, null);
  return end(state, input, ctx, input.reason, input.queue_id ?? state.queue_id, []);
}

/**
 * The caller hung up. Answered → handled; never joined a queue → abandoned (the caller left). In a
 * queue, the queue decides: the session waits (`hung_up`) while the queue is told (`hangup_in_queue`),
 * whose answer (queue_hangup_done) or report (delivered / ended) ends it.
 */
function hangup(state: CallerSessionState | null, input: DeleteSessionInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (!state) return unchanged(state, ctx, { ok: false, reason: 'unknown_session' });
  if (state.phase === 'ended') return unchanged(state, ctx, replyOf(state, input));
  if (state.phase === 'delivered') return end(state, input, ctx, 'handled', state.queue_id, []);
  const inQueue = state.phase === 'queued' ? state.queue_id : (state.joining ?? null);
  if (inQueue) {
    // a join whose answer was lost counts as in that queue: the queue's answer to the hangup decides
    const tell: SessionEffect[] = [{ type: 'hangup_in_queue', queue_id: inQueue, session_id: state.session_id }];
    return commit({ ...state, hung_up: true, queue_id: inQueue }, input, ctx, [], tell, { session_id: state.session_id, pending: true });
  }
  return end(state, input, ctx, 'abandoned', state.queue_id, []);
}

/** The queue still held the caller: abandoned there. It did not: its report (already sent) decides. */
function hangupDone(state: CallerSessionState | null, input: QueueHangupDoneInput, ctx: SessionMachineContext): SessionTransitionResult {
  if (!state || state.phase === 'ended' || !state.hung_up || !input.removed) return unchanged(state, ctx, null);
  return end(state, input, ctx, 'abandoned', input.queue_id, []);
}

function end(state: CallerSessionState, input: SessionInput, ctx: SessionMachineContext, reason: SessionEndReason, queueId: string | null, more: SessionEffect[]): SessionTransitionResult {
  const next: CallerSessionState = { ...state, phase: 'ended', end_reason: reason, queue_id: queueId, ended_at: ctx.now };
  const ev = event(next, 'delete', ctx, {
    reason,
    ...(queueId ? { queue_id: queueId } : {}),
    ...(reason === 'handled' && next.recipient_id ? { recipient_id: next.recipient_id } : {}),
  });
  return commit(next, input, ctx, [ev], more, { session_id: next.session_id, end_reason: reason });
}

function event(s: CallerSessionState, name: SessionEvent['event'], ctx: SessionMachineContext, extra: Partial<SessionEvent> = {}): SessionEvent {
  return {
    event: name,
    account_id: s.account_id,
    session_id: s.session_id,
    call_id: s.call_id,
    seq: 0, // numbered in commit
    timestamp: ctx.now,
    node: ctx.node,
    session_type: s.session_type,
    caller_id_name: s.caller_id_name,
    caller_id_number: s.caller_id_number,
    ...extra,
  };
}

function commit(next: CallerSessionState, input: SessionInput, ctx: SessionMachineContext, events: SessionEvent[], more: SessionEffect[], data: unknown): SessionTransitionResult {
  let seq = next.seq;
  const publishes: SessionEffect[] = events.map((e) => ({ type: 'publish', event: { ...e, seq: ++seq } }));
  const recent = 'input_id' in input ? [...next.recent_inputs, input.input_id].slice(-SESSION_RECENT_INPUTS_KEPT) : next.recent_inputs;
  const state = { ...next, seq, recent_inputs: recent };
  return { state, effects: [{ type: 'persist' }, ...publishes, ...more], reply: okReply(data, ctx.node) };
}

function unchanged(state: CallerSessionState | null, ctx: SessionMachineContext, data: unknown): SessionTransitionResult {
  return { state, effects: [], reply: okReply(data, ctx.node) };
}

/** What a repeated input answers: the session id, or how it ended (a hangup still waiting for its queue: pending). */
function replyOf(state: CallerSessionState, input: SessionInput): unknown {
  if (input.type === 'create_session') return { session_id: state.session_id };
  if (state.phase === 'ended') return { session_id: state.session_id, end_reason: state.end_reason };
  if (input.type === 'delete_session' && state.hung_up) return { session_id: state.session_id, pending: true };
  return { session_id: state.session_id };
}
