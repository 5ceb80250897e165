import { AVAILABILITY_STATES, NEXT_STATES, WIRETAP_MODES, type AvailabilityState, type NextState, type WiretapMode } from '../../recipient/availability.js';
import { callInfoSchema, type CallInfo } from '../../recipient/call-info.js';
import type { RecipientStats } from '../../recipient/stats.js';
import { MAX_QUEUES_PER_RECIPIENT } from '../../recipient/state.js';

/**
 * `data` of GET /qubicle_recipients/{id}/status. A recipient who is not logged in
 * answers only {available:false, availability_state:"Not-Logged-In"} (no call fields).
 * `next_state` and `away_reason` are our additions (deferred changes, missed-call policy).
 */
export interface RecipientStatus {
  available: boolean;
  availability_state: AvailabilityState;
  queue_availability?: Record<string, boolean>;
  offered_call?: CallInfo;
  handling_call?: CallInfo;
  wiretapping_recipient?: string;
  wiretap_mode?: WiretapMode;
  wrapup_time_seconds?: number;
  next_state?: NextState;
  away_reason?: string;
  /** Away: since when (unix seconds), with this reason. */
  away_since?: number;
  /** Away on a timed break (or a reason whose maximum sends them back): when they will be Ready (unix seconds). */
  away_until?: number;
  stats?: RecipientStats;
  node?: string;
  /**
   * Grows with every applied change (the seq of its last event, so it never repeats across
   * logins); what If-Match names. Absent when not logged in (that is revision 0).
   */
  revision?: number;
}

export const recipientStatsSchema = {
  type: 'object',
  required: ['total_calls', 'missed_calls', 'avg_call_time', 'login_time', 'last_action_time', 'last_handled_time'],
  properties: {
    total_calls: { type: 'integer', minimum: 0 },
    missed_calls: { type: 'integer', minimum: 0 },
    avg_call_time: { type: 'number', minimum: 0 },
    login_time: { type: 'integer', minimum: 0 },
    last_action_time: { type: 'integer', minimum: 0 },
    last_handled_time: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const recipientStatusSchema = {
  type: 'object',
  required: ['available', 'availability_state'],
  properties: {
    available: { type: 'boolean' },
    availability_state: { enum: [...AVAILABILITY_STATES] },
    queue_availability: { type: 'object', maxProperties: MAX_QUEUES_PER_RECIPIENT, additionalProperties: { type: 'boolean' } },
    offered_call: callInfoSchema,
    handling_call: callInfoSchema,
    wiretapping_recipient: { type: 'string' },
    wiretap_mode: { enum: [...WIRETAP_MODES] },
    wrapup_time_seconds: { type: 'integer', minimum: 0 },
    next_state: { enum: [...NEXT_STATES] },
    away_reason: { type: 'string' },
    away_since: { type: 'integer', minimum: 0 },
    away_until: { type: 'integer', minimum: 0 },
    stats: recipientStatsSchema,
    node: { type: 'string' },
    revision: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
  if: { properties: { availability_state: { const: 'Not-Logged-In' } } },
  then: { properties: { available: { const: false } }, maxProperties: 2 },
  else: { required: ['queue_availability', 'wrapup_time_seconds', 'stats', 'node'] },
};

/** `data` of POST /qubicle_recipients/status: each recipient's status or "not_logged_in". */
export type BulkStatusData = Record<string, RecipientStatus | 'not_logged_in'>;
export const bulkStatusDataSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ const: 'not_logged_in' }, recipientStatusSchema] },
};

/** `data` of the bulk set: per recipient, per key ("global" or a queue id) "ok" or "error". */
export type BulkStatusSetData = Record<string, Record<string, 'ok' | 'error'>>;
export const bulkStatusSetDataResponseSchema = {
  type: 'object',
  additionalProperties: { type: 'object', additionalProperties: { enum: ['ok', 'error'] } },
};
