/**
 * The recipient state machine: transition(state, input, ctx) → { state, effects, reply }.
 * Pure: no clock, no randomness, no I/O (all in ctx), the input state is never mutated.
 * Routing is a table from input type to rule, like Kazoo acdc's FSM callbacks, so that
 * every row of the design's table is one small function in rules/.
 */
import { isReusedIdempotencyKey, okReply, recentCommandId, statusOf, type OfferReply, type RecipientState, type RpcReply } from '@qubicle/contracts';
import { refuse } from './outcomes.js';
import { setStatus } from './rules/availability.js';
import { awayAlert, awayEnd } from './rules/away.js';
import { hangup, wrapupCancel, wrapupEnd, wrapupExtend } from './rules/call.js';
import { monitor, monitorStop, monitorTargetGone } from './rules/monitor.js';
import { answer, offer, offerTimeout, reject, withdraw } from './rules/offer.js';
import { getStatus, login, logout } from './rules/session.js';
import type { MachineContext, MachineInput, MachineInputType, TransitionResult } from './types.js';

type Rule<K extends MachineInputType> = (state: RecipientState | null, input: Extract<MachineInput, { type: K }>, ctx: MachineContext) => TransitionResult;

export const RULES: { [K in MachineInputType]: Rule<K> } = {
  login,
  logout,
  set_status: setStatus,
  wrapup_extend: wrapupExtend,
  wrapup_cancel: wrapupCancel,
  monitor,
  monitor_stop: monitorStop,
  get_status: getStatus,
  offer,
  answer,
  reject,
  withdraw,
  hangup,
  offer_timeout: offerTimeout,
  wrapup_end: wrapupEnd,
  monitor_target_gone: monitorTargetGone,
  away_end: awayEnd,
  away_alert: awayAlert,
};

export function transition(state: RecipientState | null, input: MachineInput, ctx: MachineContext): TransitionResult {
  // A redelivered command (same command_id) is answered again, never applied twice: also after a
  // logout (the ids the store remembers) and after a new login (which inherited them).
  if ('command_id' in input && input.type !== 'get_status') {
    const seen = state
      ? state.recent_commands.find((c) => recentCommandId(c) === input.command_id)
      : ctx.rememberedCommands?.find((id) => id === input.command_id);
    if (seen !== undefined) return { state, effects: [], reply: duplicateReply(state, input, seen, ctx) };
    const refusal = preconditionRefusal(state, input, ctx);
    if (refusal) return refusal;
  }
  const rule = RULES[input.type] as Rule<MachineInputType>;
  return rule(state, input as never, ctx);
}

/**
 * The answer to a command applied before. Only accepted offers and status-answering commands are
 * ever recorded (refusals and reads change nothing and are not), so it is re-derived rather than
 * stored: `{accepted: true}` for an offer, the CURRENT status for the others (what the recipient is
 * now, which is what a caller retrying wants to know). Entries of earlier versions kept the reply.
 */
function duplicateReply(state: RecipientState | null, input: MachineInput, seen: RecipientState['recent_commands'][number], ctx: MachineContext): RpcReply<unknown> {
  if (typeof seen !== 'string' && seen.reply !== undefined) return seen.reply as RpcReply<unknown>;
  const reply: RpcReply<unknown> = input.type === 'offer' ? okReply<OfferReply>({ accepted: true }, ctx.node) : okReply(statusOf(state, ctx.now, ctx.node), ctx.node);
  if (reply.ok && state) reply.seq = state.seq;
  return reply;
}

/**
 * Checks of a command's own conditions, before any rule and after the duplicate check (a retry of
 * an applied command is answered even though the revision moved on since):
 * - an Idempotency-Key used before with another body (same scope, other body part of the id);
 * - `expected_revision` (HTTP If-Match) that is not the current revision: the seq of the last
 *   change, 0 when not logged in. Checked here, against the state the command would apply to.
 */
function preconditionRefusal(state: RecipientState | null, input: MachineInput & { command_id: string }, ctx: MachineContext): TransitionResult | null {
  const ids = state ? state.recent_commands.map(recentCommandId) : (ctx.rememberedCommands ?? []);
  if (ids.some((id) => isReusedIdempotencyKey(input.command_id, id))) {
    return refuse(state, { code: 'idempotency_key_reused', message: 'this Idempotency-Key was used with another request body' }, ctx);
  }
  const expected = 'expected_revision' in input ? input.expected_revision : undefined;
  const current = state?.seq ?? 0;
  if (expected !== undefined && expected !== current) {
    return refuse(state, { code: 'conflict', message: `revision ${expected} is stale (the recipient is at revision ${current})`, cause: String(current) }, ctx);
  }
  return null;
}
