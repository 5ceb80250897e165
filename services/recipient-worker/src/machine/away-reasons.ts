/**
 * The away-reason catalogue as the machine applies it: which reasons exist (the worker is the one
 * place that checks them, for HTTP and bus commands alike) and the deadlines a reason and a timed
 * break give an Away stretch.
 */
import { MISSED_CALLS_REASON, type AwayReason, type QubicleError } from '@qubicle/contracts';
import type { MachineContext } from './types.js';

/** The catalogue entry of `name`, or undefined when the account has no such reason. */
export function awayReasonOf(ctx: MachineContext, name: string): Readonly<AwayReason> | undefined {
  const catalogue = ctx.account.away_reasons;
  if (catalogue) return catalogue.get(name);
  return name === MISSED_CALLS_REASON.name ? MISSED_CALLS_REASON : undefined;
}

/** The refusal of a reason the catalogue does not have (400 invalid data, field reason, rule unknown_reason). */
export function unknownReason(name: string): QubicleError {
  return {
    code: 'invalid_data',
    message: 'invalid data',
    details: { reason: { unknown_reason: { message: `No away reason "${name}" in the account's catalogue (qubicle_away_reasons)`, cause: name } } },
  };
}

/**
 * The deadlines of an Away stretch that starts at `now` (ms): `away_deadline` (back to Ready) is
 * the end of the timed break or the reason's maximum when its on_max is ready, whichever comes
 * first; `away_alert_deadline` is the reason's maximum when its on_max is alert.
 */
export function awayDeadlines(
  reason: Readonly<AwayReason> | undefined,
  durationSeconds: number | null,
  now: number,
): { away_deadline: number | null; away_alert_deadline: number | null } {
  const breakEnd = durationSeconds !== null ? now + durationSeconds * 1000 : null;
  const max = reason?.max_duration_seconds !== undefined ? now + reason.max_duration_seconds * 1000 : null;
  if (max !== null && reason?.on_max === 'alert') return { away_deadline: breakEnd, away_alert_deadline: max };
  const ends = [breakEnd, max].filter((t): t is number => t !== null);
  return { away_deadline: ends.length > 0 ? Math.min(...ends) : null, away_alert_deadline: null };
}
