import { KAZOO_ID_PATTERN } from '../../ids.js';
import { reasonTimesSchema, stateTimesSchema, type StateTimes } from '../../recipient/time-in-state.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** A calendar day, UTC: YYYY-MM-DD. */
export const SUMMARY_DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

/**
 * One recipient's day (GET /qubicle_recipients/{id}/summary?date=YYYY-MM-DD): the sums of the
 * finished login sessions that ENDED that day (UTC), with occupancy. Reply: RecipientSummary.
 */
export interface RecipientSummaryRequest {
  type: 'recipient_summary';
  account_id: string;
  recipient_id: string;
  date: string;
}
export const recipientSummaryRequestSchema = directorySchema(
  'recipient_summary',
  { ...accountIdProperty, recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN }, date: { type: 'string', pattern: SUMMARY_DATE_PATTERN } },
  ['account_id', 'recipient_id', 'date'],
);

export interface RecipientSummary {
  date: string;
  /** finished sessions counted */
  sessions: number;
  /** seconds logged in (the sum of the sessions' logout − login) */
  logged_in_seconds: number;
  time_in_state: StateTimes;
  time_in_reason: Record<string, number>;
  /** seconds away with a reason the catalogue marks productive */
  productive_away_seconds: number;
  total_calls: number;
  missed_calls: number;
  /** (on a call + wrap-up) ÷ (logged in − away), 0..1 with 3 decimals; 0 with no time present */
  occupancy: number;
}
export const recipientSummaryReplySchema = {
  type: 'object',
  required: ['date', 'sessions', 'logged_in_seconds', 'time_in_state', 'time_in_reason', 'productive_away_seconds', 'total_calls', 'missed_calls', 'occupancy'],
  properties: {
    date: { type: 'string', pattern: SUMMARY_DATE_PATTERN },
    sessions: { type: 'integer', minimum: 0 },
    logged_in_seconds: { type: 'integer', minimum: 0 },
    time_in_state: stateTimesSchema,
    time_in_reason: { ...reasonTimesSchema, maxProperties: 10_000 },
    productive_away_seconds: { type: 'integer', minimum: 0 },
    total_calls: { type: 'integer', minimum: 0 },
    missed_calls: { type: 'integer', minimum: 0 },
    occupancy: { type: 'number', minimum: 0, maximum: 1 },
  },
  additionalProperties: false,
};
