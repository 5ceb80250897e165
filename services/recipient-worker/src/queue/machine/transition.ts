/**
 * The queue machine: transition(state, input, ctx) → { state, effects, reply }.
 * Pure: no clock, no randomness, no I/O (time, ids, the day and the lease epoch come in ctx); the
 * input state is never mutated. A table from input type to rule, as in the recipient machine.
 */
import { okReply, type RpcReply } from '@qubicle/contracts';
import { assign } from './rules/assign.js';
import { callerHangup, removeSession, withdrawReply } from './rules/hangup.js';
import { join } from './rules/join.js';
import { configure, getStatus, roster, start, stop } from './rules/lifecycle.js';
import { memberStatus } from './rules/member.js';
import { offerDeadline, offerReply } from './rules/offer.js';
import { callerTimeout, tick } from './rules/timers.js';
import { queueStatusOf } from './status.js';
import type { QueueInput, QueueInputType, QueueMachineContext, QueueState, QueueTransitionResult, RecentInput } from './types.js';

type Rule<K extends QueueInputType> = (state: QueueState | null, input: Extract<QueueInput, { type: K }>, ctx: QueueMachineContext) => QueueTransitionResult;

export const QUEUE_RULES: { [K in QueueInputType]: Rule<K> } = {
  start,
  configure,
  roster,
  stop,
  join,
  caller_hangup: callerHangup,
  remove_session: removeSession,
  assign,
  member_status: memberStatus,
  offer_reply: offerReply,
  withdraw_reply: withdrawReply,
  caller_timeout: callerTimeout,
  offer_deadline: offerDeadline,
  tick,
  get_status: getStatus,
};

export function transition(state: QueueState | null, input: QueueInput, ctx: QueueMachineContext): QueueTransitionResult {
  // A redelivered input (same input_id) is answered again, never applied twice.
  if (state && 'input_id' in input) {
    const seen = state.recent_inputs.find((r) => r.id === input.input_id);
    if (seen) return { state, effects: [], reply: duplicateReply(state, input, seen, ctx) };
  }
  const rule = QUEUE_RULES[input.type] as Rule<QueueInputType>;
  return rule(state, input as never, ctx);
}

/**
 * The answer to an input applied before: a join's own reply (kept: once the caller left it cannot
 * be re-derived), `{removed: true}` for a hangup or removal (only recorded when it removed the
 * caller; a hangup left waiting for its withdraw's outcome, `pending`, answers `{removed: false}` again), `{assigned: true}` for an assignment (recorded only when made), the current status for the rest.
 */
function duplicateReply(state: QueueState, input: QueueInput, seen: RecentInput, ctx: QueueMachineContext): RpcReply<unknown> {
  if (seen.join) return okReply(seen.join, ctx.node);
  if (input.type === 'caller_hangup' || input.type === 'remove_session') return okReply({ removed: !seen.pending }, ctx.node);
  // only a done assignment is recorded (a refusal changes nothing); its offer, if still out, is named
  if (input.type === 'assign') {
    const offer = state.sessions.find((x) => x.session_id === input.session_id)?.offer;
    const offerId = offer?.pinned && offer.recipient_id === input.recipient_id ? offer.offer_id : undefined;
    return okReply({ assigned: true, recipient_id: input.recipient_id, ...(offerId ? { offer_id: offerId } : {}) }, ctx.node);
  }
  return okReply(queueStatusOf(state, ctx), ctx.node);
}
