/** ready / away, globally or for one queue. */
import { MAX_QUEUES_PER_RECIPIENT, type RecipientState, type SetStatusCommand } from '@qubicle/contracts';
import { Draft, isBusy } from '../draft.js';
import { notLoggedIn, refuse } from '../outcomes.js';
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
  const d = new Draft(state, ctx);
  const s = d.s;
  const ready = input.status === 'ready';

  if (input.queue_id !== undefined) {
    // Only that queue's flag; allowed in every state because it only affects future offers.
    if (s.queue_availability[input.queue_id] !== ready) {
      s.queue_availability[input.queue_id] = ready;
      d.emit('queue_status', { queue_id: input.queue_id });
    }
    return d.commit(input);
  }

  const target = ready ? 'Ready' : 'Away';
  if (isBusy(s.availability_state)) {
    // Deferred; the last request wins (a ready/away after a deferred logout replaces it).
    if (s.next_state !== target) {
      s.next_state = target;
      d.emit('next_state');
    }
    return d.commit(input);
  }

  const unchanged = s.availability_state === target && (target === 'Ready' || s.away_reason === null);
  if (!unchanged) {
    // Away → Away with a system reason: the recipient now chose it, so the reason goes.
    if (ready) {
      // Coming back by choice starts a fresh missed-call streak.
      d.s.consecutive_misses = 0;
      goReady(d);
    } else goAway(d, null);
  }
  return d.commit(input);
}
