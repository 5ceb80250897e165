/** The timers of an Away stretch: the end of a timed break (or a reason's maximum, on_max ready) and a reason's alert. */
import type { RecipientState } from '@qubicle/contracts';
import { Draft } from '../draft.js';
import { read } from '../outcomes.js';
import { goReady } from '../steps.js';
import type { AwayAlertInput, AwayEndInput, MachineContext, TransitionResult } from '../types.js';

/** Back to Ready (event `ready`, reason `away_ended`); a stale timer (the stretch ended or changed) is ignored. */
export function awayEnd(state: RecipientState | null, input: AwayEndInput, ctx: MachineContext): TransitionResult {
  if (!state || state.availability_state !== 'Away' || state.away_deadline !== input.deadline) return read(state, ctx);
  const d = new Draft(state, ctx);
  // a break that ends is not a choice to come back: the missed-call streak is left as it is
  goReady(d, 'away_ended');
  return d.commit(input);
}

/** The reason's maximum is reached: the recipient stays Away, `away_alert` (with the reason) tells supervisors. Once per stretch. */
export function awayAlert(state: RecipientState | null, input: AwayAlertInput, ctx: MachineContext): TransitionResult {
  if (!state || state.availability_state !== 'Away' || state.away_alert_deadline !== input.deadline) return read(state, ctx);
  const d = new Draft(state, ctx);
  d.s.away_alert_deadline = null;
  d.emit('away_alert', d.s.away_reason !== null ? { reason: d.s.away_reason } : {});
  return d.commit(input);
}
