/**
 * The service level of a queue (ours: none of the Qubicle figures gives it): how many callers were
 * answered within the queue's `service_level_seconds`, as Asterisk's app_queue reports it, plus
 * the distribution of waits. Shown beside the Qubicle status (`data.service_level`), on queue
 * events and in the wallboard; computed here so that every consumer agrees on the definitions.
 *
 * - answered within = answered after a wait ≤ threshold (inclusive, as Asterisk);
 * - SL  = answered within ÷ answered × 100                                        (Asterisk "SL");
 * - SL2 = (answered within + abandoned within) ÷ (answered + abandoned) × 100       (Asterisk "SL2":
 *   a caller who hung up before the threshold is not held against the queue);
 * - callers who timed out (or were redirected by the timeout) and callers turned away at the door
 *   (queue full / empty) are counted but in neither ratio, as in Asterisk;
 * - a percentage is null while its denominator is 0 (no caller yet is not 0 % service).
 */

/** Upper bounds (seconds, inclusive) of the wait buckets; a last bucket holds longer waits. */
export const WAIT_BUCKET_EDGES_SECONDS = [10, 20, 30, 60, 120, 300, 600] as const;
/** Number of buckets: one per edge plus "longer". */
export const WAIT_BUCKET_COUNT = WAIT_BUCKET_EDGES_SECONDS.length + 1;

/** The callers of one window, by how they left: what the kept counters and the shown window both carry. */
export interface ServiceLevelTotals {
  answered: number;
  answered_within: number;
  abandoned: number;
  abandoned_within: number;
  /** left because of `timeout` (timed out, or redirected to `timeout_redirect`) */
  timed_out: number;
  /** refused at the door: `timeout_if_size_exceeds` / `timeout_immediately_if_empty` */
  turned_away: number;
}

/** The raw counters of one window (what a queue keeps; the ratios are derived). */
export interface ServiceLevelCounts extends ServiceLevelTotals {
  /** waits of answered callers, per bucket (WAIT_BUCKET_COUNT entries) */
  answered_buckets: number[];
  /** waits of abandoned callers, per bucket */
  abandoned_buckets: number[];
}

export interface WaitBucket {
  /** inclusive upper bound in seconds; null = longer than the last edge */
  up_to_seconds: number | null;
  answered: number;
  abandoned: number;
}

/** One window as shown: the counters, the two ratios and the buckets. */
export interface ServiceLevelWindow extends ServiceLevelTotals {
  /** Asterisk SL, percent with one decimal; null before the first answered caller */
  sl_percent: number | null;
  /** Asterisk SL2, percent with one decimal; null before the first answered or abandoned caller */
  sl2_percent: number | null;
  wait_buckets: WaitBucket[];
}

export interface QueueServiceLevel {
  threshold_seconds: number;
  /** since the start of the day (the account's timezone, UTC by default) */
  day: ServiceLevelWindow;
  /** the current minute and the 14 before it (between 14 and 15 minutes of history) */
  last_15_minutes: ServiceLevelWindow;
}

export function emptyServiceLevelCounts(): ServiceLevelCounts {
  return {
    answered: 0,
    answered_within: 0,
    abandoned: 0,
    abandoned_within: 0,
    timed_out: 0,
    turned_away: 0,
    answered_buckets: new Array<number>(WAIT_BUCKET_COUNT).fill(0),
    abandoned_buckets: new Array<number>(WAIT_BUCKET_COUNT).fill(0),
  };
}

/** The bucket of a wait (ms). */
export function waitBucketOf(waitMs: number): number {
  for (let i = 0; i < WAIT_BUCKET_EDGES_SECONDS.length; i++) if (waitMs <= WAIT_BUCKET_EDGES_SECONDS[i]! * 1000) return i;
  return WAIT_BUCKET_EDGES_SECONDS.length;
}

/** Adds `b` into `a` (for summing the minutes of the rolling window). */
export function addServiceLevelCounts(a: ServiceLevelCounts, b: ServiceLevelCounts): ServiceLevelCounts {
  return {
    answered: a.answered + b.answered,
    answered_within: a.answered_within + b.answered_within,
    abandoned: a.abandoned + b.abandoned,
    abandoned_within: a.abandoned_within + b.abandoned_within,
    timed_out: a.timed_out + b.timed_out,
    turned_away: a.turned_away + b.turned_away,
    answered_buckets: a.answered_buckets.map((n, i) => n + (b.answered_buckets[i] ?? 0)),
    abandoned_buckets: a.abandoned_buckets.map((n, i) => n + (b.abandoned_buckets[i] ?? 0)),
  };
}

const percent = (num: number, den: number): number | null => (den === 0 ? null : Math.round((num / den) * 1000) / 10);

export function serviceLevelWindowOf(c: ServiceLevelCounts): ServiceLevelWindow {
  return {
    answered: c.answered,
    answered_within: c.answered_within,
    abandoned: c.abandoned,
    abandoned_within: c.abandoned_within,
    timed_out: c.timed_out,
    turned_away: c.turned_away,
    sl_percent: percent(c.answered_within, c.answered),
    sl2_percent: percent(c.answered_within + c.abandoned_within, c.answered + c.abandoned),
    wait_buckets: Array.from({ length: WAIT_BUCKET_COUNT }, (_, i) => ({
      up_to_seconds: WAIT_BUCKET_EDGES_SECONDS[i] ?? null,
      answered: c.answered_buckets[i] ?? 0,
      abandoned: c.abandoned_buckets[i] ?? 0,
    })),
  };
}

const count = { type: 'integer', minimum: 0 } as const;
const pct = { type: ['number', 'null'], minimum: 0, maximum: 100 } as const;

export const serviceLevelWindowSchema = {
  type: 'object',
  required: ['answered', 'answered_within', 'abandoned', 'abandoned_within', 'timed_out', 'turned_away', 'sl_percent', 'sl2_percent', 'wait_buckets'],
  properties: {
    answered: count,
    answered_within: count,
    abandoned: count,
    abandoned_within: count,
    timed_out: count,
    turned_away: count,
    sl_percent: pct,
    sl2_percent: pct,
    wait_buckets: {
      type: 'array',
      minItems: WAIT_BUCKET_COUNT,
      maxItems: WAIT_BUCKET_COUNT,
      items: {
        type: 'object',
        required: ['up_to_seconds', 'answered', 'abandoned'],
        properties: { up_to_seconds: { type: ['integer', 'null'], minimum: 1 }, answered: count, abandoned: count },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const queueServiceLevelSchema = {
  type: 'object',
  required: ['threshold_seconds', 'day', 'last_15_minutes'],
  properties: {
    threshold_seconds: { type: 'integer', minimum: 1 },
    day: serviceLevelWindowSchema,
    last_15_minutes: serviceLevelWindowSchema,
  },
  additionalProperties: false,
} as const;
