/** A caller enters: placed by priority then FIFO, or timed out at the door (full, empty). */
import { QueueDraft } from '../draft.js';
import { read } from '../outcomes.js';
import { noteJoined, noteTurnedAway } from '../stats.js';
import { estimatedWaitMs, eventCallerOf, isCandidate, isLoggedIn, positionOf, wholeSeconds } from '../status.js';
import { redirectTarget, route } from '../steps.js';
import { callerTimerKey, type JoinInput, type JoinResult, type QueuedSession, type QueueMachineContext, type QueueState, type QueueTransitionResult } from '../types.js';
import { sessionOrder } from '../session-order.js';

export function join(state: QueueState | null, input: JoinInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state) return read(state, ctx, { joined: false, reason: 'unknown_queue' } satisfies JoinResult);
  // the same session again (another input id): where it is now, nothing applied twice
  const position = positionOf(state, input.session_id);
  if (position > 0) return read(state, ctx, { joined: true, position, estimated_wait: estimateFor(state, ctx) } satisfies JoinResult);

  const d = new QueueDraft(state, ctx);
  const s = d.s;
  const visited = input.visited ?? [];
  const refusal = doorRefusal(s);
  if (refusal) {
    // "times out at once": counted as turned away, to the overflow queue when there is one
    noteTurnedAway(d.stats(), ctx.now);
    const target = redirectTarget(d, visited);
    const result: JoinResult = target ? { joined: false, reason: refusal, redirected_to: target } : { joined: false, reason: refusal };
    if (target) {
      d.effect({
        type: 'redirect_session',
        session_id: input.session_id,
        call_id: input.call_id,
        to_queue_id: target,
        join: {
          session_id: input.session_id,
          call_id: input.call_id,
          caller_id_name: input.caller_id_name,
          caller_id_number: input.caller_id_number,
          priority: input.priority,
          visited: [...visited, s.queue_id],
        },
      });
    }
    return d.commit(input, result, result);
  }

  const estimate = estimateFor(s, ctx);
  const session: QueuedSession = {
    session_id: input.session_id,
    call_id: input.call_id,
    caller_id_name: input.caller_id_name,
    caller_id_number: input.caller_id_number,
    priority: input.priority,
    order: s.next_order,
    entered_at: ctx.now,
    deadline: ctx.now + s.settings.timeout * 1000,
    visited,
    offer: null,
  };
  s.next_order += 1;
  const list = d.sessions();
  const at = insertionIndex(list, session);
  list.splice(at, 0, session);
  d.ownsSession(session.session_id);
  noteJoined(d.stats());
  d.effect({ type: 'arm_timer', key: callerTimerKey(session.session_id), at: session.deadline, input: { type: 'caller_timeout', session_id: session.session_id, deadline: session.deadline } });
  d.emit('join', { caller: eventCallerOf(session), position: at + 1, estimated_wait: estimate });
  route(d);
  const result: JoinResult = { joined: true, position: at + 1, estimated_wait: estimate };
  return d.commit(input, result, result);
}

/** Why the door is closed to a new caller, or null. */
function doorRefusal(s: QueueState): 'full' | 'empty' | null {
  const limit = s.settings.timeout_if_size_exceeds;
  if (limit > 0 && s.sessions.length >= limit) return 'full';
  if (s.settings.timeout_immediately_if_empty && !s.members.some(isLoggedIn)) return 'empty';
  return null;
}

function estimateFor(s: QueueState, ctx: QueueMachineContext): number {
  let available = 0;
  for (const m of s.members) if (isCandidate(m)) available++;
  return wholeSeconds(estimatedWaitMs(s, ctx.now, available));
}

/** Where a session goes: after every caller of a higher or equal priority (FIFO), before lower ones. */
export function insertionIndex(list: readonly QueuedSession[], session: QueuedSession): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const other = list[mid]!;
    if (sessionOrder(other, session) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
