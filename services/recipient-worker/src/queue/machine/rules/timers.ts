/** The caller's timeout and the delivery round (tick). */
import { QueueDraft } from '../draft.js';
import { read } from '../outcomes.js';
import { route, timeOut } from '../steps.js';
import { TICK_TIMER, type CallerTimeoutInput, type QueueMachineContext, type QueueState, type QueueTransitionResult, type TickInput } from '../types.js';

/**
 * The caller waited `timeout`: to the overflow queue (keeping the session) or timed out. A caller
 * being rung then keeps ringing: answered, it is served; otherwise it times out as soon as the
 * ring is over (route() does it), so the caller never rings in two places at once.
 */
export function callerTimeout(state: QueueState | null, input: CallerTimeoutInput, ctx: QueueMachineContext): QueueTransitionResult {
  const session = state?.sessions.find((x) => x.session_id === input.session_id);
  if (!state || !session || session.deadline !== input.deadline || session.offer) return read(state, ctx, null);
  const d = new QueueDraft(state, ctx);
  timeOut(d, input.session_id);
  route(d);
  return d.commit(input, null);
}

/**
 * A delivery round. Routing already happens on every change (a join, a member becoming free, an
 * outcome); the round is the queue's heartbeat while callers are in it, re-armed each time. A round
 * that offers nothing changes nothing (no write).
 */
export function tick(state: QueueState | null, input: TickInput, ctx: QueueMachineContext): QueueTransitionResult {
  if (!state || state.sessions.length === 0) return read(state, ctx, null);
  const at = ctx.now + state.settings.tick_time;
  const rearm = { type: 'arm_timer' as const, key: TICK_TIMER, at, input: { type: 'tick' as const, at } };
  const d = new QueueDraft(state, ctx);
  route(d);
  const offered = d.s.sessions.some((x, i) => x.offer !== state.sessions[i]?.offer);
  if (!offered && d.s.stats === state.stats) return read(state, ctx, null, [rearm]);
  d.effect(rearm);
  return d.commit(input, null);
}
