import type { RecipientStatus } from '../http/responses/recipient-status.js';
import { awayUntil, type RecipientState } from './state.js';

/** The status of a recipient who is not logged in (no actor, no call fields). */
export const NOT_LOGGED_IN_STATUS: RecipientStatus = Object.freeze({
  available: false,
  availability_state: 'Not-Logged-In',
}) as RecipientStatus;

/**
 * Project a recipient's durable state to the API's status `data` at time `now` (ms).
 * Pure: the worker answers with it and the gateway's read model can compute it too.
 */
export function statusOf(state: RecipientState | null, now: number, node: string): RecipientStatus {
  if (!state) return { ...NOT_LOGGED_IN_STATUS };
  const status: RecipientStatus = {
    available: state.availability_state === 'Ready',
    availability_state: state.availability_state,
    queue_availability: { ...state.queue_availability },
    wrapup_time_seconds:
      state.availability_state === 'Wrapup-Time' && state.wrapup_deadline !== null
        ? Math.max(0, Math.ceil((state.wrapup_deadline - now) / 1000))
        : 0,
    stats: { ...state.stats },
    node,
    revision: state.seq,
  };
  if (state.offered_call) status.offered_call = { ...state.offered_call };
  if (state.handling_call) status.handling_call = { ...state.handling_call };
  if (state.wiretapping_recipient) status.wiretapping_recipient = state.wiretapping_recipient;
  if (state.wiretap_mode) status.wiretap_mode = state.wiretap_mode;
  if (state.next_state) status.next_state = state.next_state;
  if (state.away_reason) status.away_reason = state.away_reason;
  if (state.availability_state === 'Away') {
    if (state.away_since !== null) status.away_since = state.away_since;
    const until = awayUntil(state);
    if (until !== null) status.away_until = Math.ceil(until / 1000);
  }
  return status;
}
