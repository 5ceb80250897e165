/**
 * Time in each state: what a login session spent in each availability state and in each away
 * reason. The recipient state keeps it in ms (no rounding drift across many changes); the session
 * history and the daily summary show whole seconds.
 */
import type { AvailabilityState } from './availability.js';

/** The buckets: one per logged-in availability state. */
export const TIME_STATES = ['ready', 'away', 'call_offer', 'on_a_call', 'wrapup_time'] as const;
export type TimeState = (typeof TIME_STATES)[number];
export type StateTimes = Record<TimeState, number>;

const BUCKET_OF: Record<Exclude<AvailabilityState, 'Not-Logged-In'>, TimeState> = {
  Ready: 'ready',
  Away: 'away',
  'Call-Offer': 'call_offer',
  'On-A-Call': 'on_a_call',
  'Wrapup-Time': 'wrapup_time',
};

export function timeBucketOf(state: Exclude<AvailabilityState, 'Not-Logged-In'>): TimeState {
  return BUCKET_OF[state];
}

export function zeroStateTimes(): StateTimes {
  return { ready: 0, away: 0, call_offer: 0, on_a_call: 0, wrapup_time: 0 };
}

/** ms → whole seconds, per bucket (rounded to the nearest: a total of many short stays stays right on average). */
export function secondsOf<K extends string>(ms: Readonly<Record<K, number>>): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(ms).map(([k, v]) => [k, Math.round(v / 1000)])) as Record<K, number>;
}

export const stateTimesSchema = {
  type: 'object',
  required: [...TIME_STATES],
  properties: Object.fromEntries(TIME_STATES.map((k) => [k, { type: 'integer', minimum: 0 }])),
  additionalProperties: false,
} as const;

export const reasonTimesSchema = {
  type: 'object',
  maxProperties: 101,
  additionalProperties: { type: 'integer', minimum: 0 },
} as const;

/**
 * Occupancy, the figure supervisors ask for: (on a call + wrap-up) ÷ (logged in − away), as a
 * fraction 0..1 with 3 decimals; 0 when the recipient was never anything but away.
 */
export function occupancyOf(times: Readonly<StateTimes>): number {
  const loggedIn = TIME_STATES.reduce((sum, k) => sum + times[k], 0);
  const present = loggedIn - times.away;
  if (present <= 0) return 0;
  return Math.round(((times.on_a_call + times.wrapup_time) / present) * 1000) / 1000;
}
