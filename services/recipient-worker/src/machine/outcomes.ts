/**
 * Results that change nothing: a refusal (an error reply) and a read (a data reply).
 * Both hand back the very same state object and no effects, so "a refused command
 * changes nothing" holds by construction, and neither is recorded for redelivery
 * (re-evaluating something that changed nothing is harmless).
 */
import { errorReply, okReply, statusOf, type QubicleError, type RecipientState } from '@qubicle/contracts';
import type { MachineContext, MachineInput, TransitionResult } from './types.js';

export function refuse(state: RecipientState | null, error: QubicleError, ctx: MachineContext): TransitionResult {
  return { state, effects: [], reply: errorReply(error, ctx.node) };
}

/** Answers `data`, or the current status when omitted. */
export function read(state: RecipientState | null, ctx: MachineContext, data?: unknown): TransitionResult {
  const reply = okReply(data === undefined ? statusOf(state, ctx.now, ctx.node) : data, ctx.node);
  if (state && reply.ok) reply.seq = state.seq; // the status is that of this seq (the gateway's read model)
  return { state, effects: [], reply };
}

export function notLoggedIn(state: RecipientState | null, input: { recipient_id: string; type: string }, ctx: MachineContext): TransitionResult {
  return refuse(
    state,
    { code: 'not_logged_in', message: `recipient ${input.recipient_id} is not logged in (${input.type} needs a login first)`, recipient_id: input.recipient_id },
    ctx,
  );
}

export function invalidTransition(state: RecipientState, input: MachineInput, ctx: MachineContext, why: string): TransitionResult {
  return refuse(
    state,
    {
      code: 'invalid_transition',
      message: `${input.type} refused in ${state.availability_state}: ${why}`,
      state: state.availability_state,
      command: input.type,
    },
    ctx,
  );
}
