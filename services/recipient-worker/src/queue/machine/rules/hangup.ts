/** A caller leaves before being answered: hung up (abandoned) or taken out by a supervisor (exited). */
import { QueueDraft } from '../draft.js';
import { read } from '../outcomes.js';
import { leave, withdrawOffer } from '../steps.js';
import type { CallerHangupInput, QueueMachineContext, QueueState, QueueTransitionResult, RemoveSessionInput } from '../types.js';

/** Hung up while waiting or ringing: abandoned; a ringing offer is withdrawn (caller_hangup), not a miss. */
export function callerHangup(state: QueueState | null, input: CallerHangupInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state || !state.sessions.some((x) => x.session_id === input.session_id)) return read(state, ctx, { removed: false });
  const d = new QueueDraft(state, ctx);
  const session = d.s.sessions.find((x) => x.session_id === input.session_id)!;
  withdrawOffer(d, input.session_id, 'caller_hangup');
  leave(d, input.session_id, 'abandoned');
  d.effect({ type: 'end_session', session_id: input.session_id, call_id: session.call_id, reason: 'abandoned' });
  return d.commit(input, { removed: true });
}

/** A supervisor takes the caller out (exited); a ringing offer is withdrawn. */
export function removeSession(state: QueueState | null, input: RemoveSessionInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state || !state.sessions.some((x) => x.session_id === input.session_id)) return read(state, ctx, { removed: false });
  const d = new QueueDraft(state, ctx);
  const session = d.s.sessions.find((x) => x.session_id === input.session_id)!;
  withdrawOffer(d, input.session_id, 'other');
  leave(d, input.session_id, 'exited');
  d.effect({ type: 'end_session', session_id: input.session_id, call_id: session.call_id, reason: 'exited' });
  return d.commit(input, { removed: true });
}
