/** The end of a handled call and the wrap-up after it. */
import type { HangupCommand, RecipientState, WrapupCancelCommand, WrapupExtendCommand } from '@qubicle/contracts';
import { Draft } from '../draft.js';
import { invalidTransition, notLoggedIn, read } from '../outcomes.js';
import { settle } from '../steps.js';
import type { MachineContext, TransitionResult, WrapupEndInput } from '../types.js';

/**
 * Average talk time in seconds with one decimal (e.g. 42.5): whole seconds would hide
 * the difference between short calls, more decimals are noise.
 */
export function averageCallTime(totalTalkMs: number, calls: number): number {
  if (calls <= 0) return 0;
  return Math.round(totalTalkMs / calls / 100) / 10;
}

/** On-A-Call (same session) → Wrapup-Time for the call's queue wrap-up (0 = straight to the next state). */
export function hangup(state: RecipientState | null, input: HangupCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (state.availability_state !== 'On-A-Call' || state.handling_call?.session_id !== input.session_id) {
    return invalidTransition(state, input, ctx, `session ${input.session_id} is not being handled by this recipient`);
  }
  const d = new Draft(state, ctx);
  const s = d.s;
  const call = s.handling_call!;
  s.total_talk_ms += Math.max(0, ctx.now - (s.answered_at ?? ctx.now));
  // total_calls counted this call at answer and nothing else is in progress: it is the number of finished calls.
  s.stats.avg_call_time = averageCallTime(s.total_talk_ms, s.stats.total_calls);
  s.handling_call = null;
  s.answered_at = null;
  d.emit('hangup', { call: { ...call } });
  if (s.wrapup_seconds > 0) {
    d.enter('Wrapup-Time');
    startWrapup(d);
  } else {
    settle(d);
  }
  return d.commit(input);
}

function startWrapup(d: Draft): void {
  const s = d.s;
  s.wrapup_deadline = d.ctx.now + s.wrapup_seconds * 1000;
  d.armTimer('wrapup', { type: 'wrapup_end', deadline: s.wrapup_deadline });
  d.emit('wrapup');
}

function endWrapup(d: Draft, reason: 'timer' | 'cancelled'): void {
  d.s.wrapup_deadline = null;
  d.emit('wrapup_end', { reason });
  settle(d);
}

/** The wrap-up timer; stale ones (deadline moved by an extend, or wrap-up over) are ignored. */
export function wrapupEnd(state: RecipientState | null, input: WrapupEndInput, ctx: MachineContext): TransitionResult {
  if (!state || state.availability_state !== 'Wrapup-Time' || state.wrapup_deadline !== input.deadline) return read(state, ctx);
  const d = new Draft(state, ctx);
  endWrapup(d, 'timer');
  return d.commit(input);
}

export function wrapupCancel(state: RecipientState | null, input: WrapupCancelCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (state.availability_state !== 'Wrapup-Time') return invalidTransition(state, input, ctx, 'not in wrap-up');
  const d = new Draft(state, ctx);
  d.cancelTimer('wrapup');
  endWrapup(d, 'cancelled');
  return d.commit(input);
}

/** Resets the time left to the full wrap-up of the call's queue (not added to what is left). */
export function wrapupExtend(state: RecipientState | null, input: WrapupExtendCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (state.availability_state !== 'Wrapup-Time') return invalidTransition(state, input, ctx, 'not in wrap-up');
  const d = new Draft(state, ctx);
  startWrapup(d);
  return d.commit(input);
}
