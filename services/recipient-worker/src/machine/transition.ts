/**
 * The recipient state machine: transition(state, input, ctx) → { state, effects, reply }.
 * Pure: no clock, no randomness, no I/O (all in ctx), the input state is never mutated.
 * Routing is a table from input type to rule, like Kazoo acdc's FSM callbacks, so that
 * every row of the design's table is one small function in rules/.
 */
import type { RecipientState } from '@qubicle/contracts';
import { setStatus } from './rules/availability.js';
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
};

export function transition(state: RecipientState | null, input: MachineInput, ctx: MachineContext): TransitionResult {
  // A redelivered command (same command_id) is answered again, never applied twice.
  if (state && 'command_id' in input && input.type !== 'get_status') {
    const seen = state.recent_commands.find((c) => c.id === input.command_id);
    if (seen) return { state, effects: [], reply: seen.reply as TransitionResult['reply'] };
  }
  const rule = RULES[input.type] as Rule<MachineInputType>;
  return rule(state, input as never, ctx);
}
