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
  if (state.availability_state === 'Away') {
    // a break that ended while nobody owned the shard fires at once on load (the actor arms past deadlines to now)
    if (state.away_deadline !== null) timers.push({ kind: 'away', input: { type: 'away_end', deadline: state.away_deadline } });
    if (state.away_alert_deadline !== null) timers.push({ kind: 'away_alert', input: { type: 'away_alert', deadline: state.away_alert_deadline } });
  }
  return timers;
}

const KIND_OF: Record<TimerInput['type'], TimerKind> = { offer_timeout: 'offer', wrapup_end: 'wrapup', away_end: 'away', away_alert: 'away_alert' };

/** The kind (the armed-timer slot) of a timer input. */
export function timerKindOf(input: TimerInput): TimerKind {
  return KIND_OF[input.type];
}
