/**
 * The timers a state needs, derived from its persisted deadlines. Used by the actor when
 * it (re)loads a recipient (after a restart or a shard move): the same inputs that the
 * arm_timer effects carried while the state was live.
 */
import type { RecipientState } from '@qubicle/contracts';
import type { TimerInput, TimerKind } from './types.js';

export function timersOf(state: RecipientState | null): Array<{ kind: TimerKind; input: TimerInput }> {
  if (!state) return [];
  const timers: Array<{ kind: TimerKind; input: TimerInput }> = [];
  if (state.availability_state === 'Call-Offer' && state.offer_deadline !== null && state.offered_call) {
    timers.push({ kind: 'offer', input: { type: 'offer_timeout', session_id: state.offered_call.session_id, deadline: state.offer_deadline } });
  }
  if (state.availability_state === 'Wrapup-Time' && state.wrapup_deadline !== null) {
    timers.push({ kind: 'wrapup', input: { type: 'wrapup_end', deadline: state.wrapup_deadline } });
  }
  return timers;
}
