/**
 * Monitor (Callcenter Pro): the acting recipient listens to (eavesdrop), talks to the
 * agent on (whisper) or joins (barge) the target's calls. The media layer does the
 * bridging from the wiretap effect / event; the machine keeps who monitors whom and
 * keeps offers away from a recipient while they monitor.
 */
import { WIRETAP_MODES, type MonitorStopCommand, type RecipientState } from '@qubicle/contracts';
import { Draft } from '../draft.js';
import { invalidTransition, notLoggedIn, read, refuse } from '../outcomes.js';
import { stopWiretap } from '../steps.js';
import type { MachineContext, MonitorInput, MonitorTargetGoneInput, TransitionResult } from '../types.js';

export function monitor(state: RecipientState | null, input: MonitorInput, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  const { context } = input;
  if (!ctx.account.pro) {
    return refuse(state, { code: 'feature_disabled', message: 'monitor needs the Callcenter Pro feature on this account', feature: 'pro' }, ctx);
  }
  if (!context.actor_can_monitor) {
    return refuse(state, { code: 'forbidden', message: `recipient ${input.recipient_id} does not have the monitor permission` }, ctx);
  }
  if (!(WIRETAP_MODES as readonly string[]).includes(input.mode)) {
    return refuse(
      state,
      {
        code: 'invalid_data',
        message: 'invalid data',
        details: { mode: { enum: { message: `Value not found in enumerated list of values: ${WIRETAP_MODES.join(', ')}`, cause: input.mode } } },
      },
      ctx,
    );
  }
  if (input.target_id === input.recipient_id) {
    return refuse(
      state,
      { code: 'invalid_data', message: 'invalid data', details: { target: { not_self: { message: 'a recipient cannot monitor itself', cause: input.target_id } } } },
      ctx,
    );
  }
  if (!context.target_in_account) {
    return refuse(state, { code: 'not_found', message: `recipient ${input.target_id} not found in this account`, cause: 'target' }, ctx);
  }
  if (!context.target_logged_in) {
    return refuse(state, { code: 'not_logged_in', message: `monitor target ${input.target_id} is not logged in`, recipient_id: input.target_id }, ctx);
  }
  if (state.availability_state === 'Call-Offer' || state.availability_state === 'On-A-Call') {
    return invalidTransition(state, input, ctx, 'the recipient is busy with a call of their own');
  }

  const d = new Draft(state, ctx);
  const s = d.s;
  if (s.wiretapping_recipient === input.target_id && s.wiretap_mode === input.mode) return d.commit(input);
  // Switching target or mode: the old bridge goes first.
  if (s.wiretapping_recipient) stopWiretap(d, 'switched');
  s.wiretapping_recipient = input.target_id;
  s.wiretap_mode = input.mode;
  d.effect({ type: 'wiretap', action: 'start', target_id: input.target_id, mode: input.mode });
  d.emit('wiretap', { wiretap: { target_id: input.target_id, mode: input.mode } });
  return d.commit(input);
}

export function monitorStop(state: RecipientState | null, input: MonitorStopCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (!state.wiretapping_recipient) return invalidTransition(state, input, ctx, 'not monitoring anyone');
  const d = new Draft(state, ctx);
  stopWiretap(d, 'requested');
  return d.commit(input);
}

/** The target logged out: the bridge is gone. Ignored if no longer monitoring that target. */
export function monitorTargetGone(state: RecipientState | null, input: MonitorTargetGoneInput, ctx: MachineContext): TransitionResult {
  if (!state || state.wiretapping_recipient !== input.target_id) return read(state, ctx);
  const d = new Draft(state, ctx);
  stopWiretap(d, 'target_logged_out');
  return d.commit(input);
}
