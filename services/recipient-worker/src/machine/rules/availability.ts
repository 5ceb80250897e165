/** ready / away, globally or for one queue. */
import { MAX_QUEUES_PER_RECIPIENT, type RecipientState, type SetStatusCommand } from '@qubicle/contracts';
import { Draft, isBusy } from '../draft.js';
import { notLoggedIn, refuse } from '../outcomes.js';
import { awayReasonOf, unknownReason } from '../away-reasons.js';
import { goAway, goReady } from '../steps.js';
import type { MachineContext, TransitionResult } from '../types.js';

export function setStatus(state: RecipientState | null, input: SetStatusCommand, ctx: MachineContext): TransitionResult {
  if (!state) return notLoggedIn(state, input, ctx);
  if (input.queue_id !== undefined && !Object.hasOwn(state.queue_availability, input.queue_id) && Object.keys(state.queue_availability).length >= MAX_QUEUES_PER_RECIPIENT) {
    // the flags travel in every status and event: a client cannot grow them without bound
    return refuse(
      state,
      {
        code: 'invalid_data',
        message: 'invalid data',
        details: { queue_id: { maxItems: { message: `A recipient has at most ${MAX_QUEUES_PER_RECIPIENT} queue flags`, target: MAX_QUEUES_PER_RECIPIENT } } },
      },
      ctx,
    );
  }
  // the worker is the one place a reason is checked (HTTP and bus commands alike): nothing changes for an unknown one
  if (input.reason !== undefined && !awayReasonOf(ctx, input.reason)) return refuse(state, unknownReason(input.reason), ctx);
  const d = new Draft(state, ctx);
  const s = d.s;
  const ready = input.status === 'ready';
  const reason = input.reason ?? null;
  const duration = input.duration_seconds ?? null;

  if (input.queue_id !== undefined) {
    // Only that queue's flag; allowed in every state because it only affects future offers.
    // A reason is told with the flag's event (a per-queue flag has no timer and keeps no reason).
    if (s.queue_availability[input.queue_id] !== ready) {
      s.queue_availability[input.queue_id] = ready;
      d.emit('queue_status', reason !== null ? { queue_id: input.queue_id, reason } : { queue_id: input.queue_id });
    }
    return d.commit(input);
  }

  const target = ready ? 'Ready' : 'Away';
  if (isBusy(s.availability_state)) {
    // Deferred; the last request wins (a ready/away after a deferred logout replaces it). A deferred
    // away keeps its reason and break, applied (the break counted) from when the call ends.
    const pending = ready ? null : { reason, duration_seconds: duration };
    const samePending = (s.pending_away?.reason ?? null) === (pending?.reason ?? null) && (s.pending_away?.duration_seconds ?? null) === (pending?.duration_seconds ?? null);
    if (s.next_state !== target || !samePending) {
      s.next_state = target;
      s.pending_away = pending;
      d.emit('next_state', reason !== null ? { reason } : {});
    }
    return d.commit(input);
  }

  // the same again changes nothing; a new reason or a new break starts a new Away stretch (and
  // Away → Away without a reason clears the system's missed_calls: the recipient now chose it)
  const unchanged = s.availability_state === target && (target === 'Ready' || (s.away_reason === reason && duration === null));
  if (!unchanged) {
    if (ready) {
      // Coming back by choice starts a fresh missed-call streak.
      d.s.consecutive_misses = 0;
      goReady(d);
    } else goAway(d, reason, duration);
  }
  return d.commit(input);
}
