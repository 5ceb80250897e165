/** Login, logout and the status read. */
import { freshRecipientState, type GetStatusCommand, type LoginCommand, type LogoutCommand, type RecipientState } from '@qubicle/contracts';
import { Draft, isBusy, toSeconds } from '../draft.js';
import { read } from '../outcomes.js';
import { logoutNow, withdrawOffer } from '../steps.js';
import type { MachineContext, TransitionResult } from '../types.js';

/**
 * Not-Logged-In → Away with a fresh session. Logged in already: idempotent success,
 * except that a logout deferred until the end of a call is called off.
 */
export function login(state: RecipientState | null, input: LoginCommand, ctx: MachineContext): TransitionResult {
  if (state) {
    const d = new Draft(state, ctx);
    if (d.s.next_state === 'Not-Logged-In') {
      d.s.next_state = null;
      d.emit('next_state');
    }
    return d.commit(input);
  }
  const d = new Draft(freshSession(input, ctx), ctx);
  d.emit('create');
  return d.commit(input);
}

/**
 * Per-login event numbering starts at now (ms) × 1000: the numbers of a new login are
 * above those of every earlier one (unless a session emitted more than 1000 events per
 * millisecond it lasted), without having to remember anything after logout.
 */
export function firstSeqOfSession(nowMs: number): number {
  return nowMs * 1000;
}

function freshSession(input: LoginCommand, ctx: MachineContext): RecipientState {
  const state = freshRecipientState({
    account_id: input.account_id,
    recipient_id: input.recipient_id,
    login_session_id: ctx.newSessionId(),
    loginTime: toSeconds(ctx.now),
    seq: firstSeqOfSession(ctx.now),
  });
  // the previous session's ids, so that its commands replayed after this login are still duplicates
  if (ctx.rememberedCommands) state.recent_commands = [...ctx.rememberedCommands];
  return state;
}

/**
 * Away/Ready: out at once. Call-Offer: the offer is withdrawn (not a miss) and the
 * recipient is out at once — nobody should be left ringing for an agent who left.
 * On-A-Call/Wrapup-Time: deferred as next_state, applied when the call/wrap-up ends.
 * Not logged in: idempotent success (a redelivered logout must not turn into an error).
 */
export function logout(state: RecipientState | null, input: LogoutCommand, ctx: MachineContext): TransitionResult {
  if (!state) return read(state, ctx);
  const d = new Draft(state, ctx);
  if (d.s.availability_state === 'Call-Offer') {
    withdrawOffer(d, 'logout');
    logoutNow(d, input.reason);
  } else if (isBusy(d.s.availability_state)) {
    if (d.s.next_state !== 'Not-Logged-In') {
      d.s.next_state = 'Not-Logged-In';
      d.emit('next_state', input.reason ? { reason: input.reason } : {});
    }
  } else {
    logoutNow(d, input.reason);
  }
  return d.commit(input);
}

/** Never recorded, never changes anything. */
export function getStatus(state: RecipientState | null, _input: GetStatusCommand, ctx: MachineContext): TransitionResult {
  return read(state, ctx);
}
