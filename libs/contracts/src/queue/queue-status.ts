import { validator } from '../schema.js';
import { queueServiceLevelSchema, type QueueServiceLevel } from './service-level.js';

/**
 * `data` of GET …/qubicle_queues/{id}/status (queues.md §3). The Qubicle fields are exactly
 * `active_recipient_count, available_recipient_count, stats{…7}, node`; `service_level` is ours and
 * sits beside them as one more top-level key of `data`, so a client reading the Qubicle fields
 * (or `stats`, which keeps exactly its seven keys) sees nothing changed.
 */
export interface QueueStatsFigures {
  /** seconds a caller entering now is expected to wait (docs/queues.md: the estimate) */
  estimated_wait: number;
  /** the day's average wait in seconds (one decimal) of the callers who left the queue today */
  average_wait: number;
  /** members configured (the roster) */
  recipient_count: number;
  /** callers waiting or ringing now */
  active_session_count: number;
  /** callers who entered the queue today */
  total_sessions: number;
  /** offers of this queue missed today (rejected, or not answered within ring_timeout) */
  missed_sessions: number;
  /** callers who hung up while waiting or ringing today */
  abandoned_sessions: number;
}

export interface QueueStatus {
  /** members logged in */
  active_recipient_count: number;
  /** members who could take a call of this queue now */
  available_recipient_count: number;
  stats: QueueStatsFigures;
  /** the worker node running the queue's process */
  node: string;
  service_level: QueueServiceLevel;
}

const count = { type: 'integer', minimum: 0 } as const;
const seconds = { type: 'number', minimum: 0 } as const;

export const queueStatsFiguresSchema = {
  type: 'object',
  required: ['estimated_wait', 'average_wait', 'recipient_count', 'active_session_count', 'total_sessions', 'missed_sessions', 'abandoned_sessions'],
  properties: {
    estimated_wait: { type: 'integer', minimum: 0 },
    average_wait: seconds,
    recipient_count: count,
    active_session_count: count,
    total_sessions: count,
    missed_sessions: count,
    abandoned_sessions: count,
  },
  additionalProperties: false,
} as const;

export const queueStatusSchema = {
  type: 'object',
  required: ['active_recipient_count', 'available_recipient_count', 'stats', 'node', 'service_level'],
  properties: {
    active_recipient_count: count,
    available_recipient_count: count,
    stats: queueStatsFiguresSchema,
    node: { type: 'string' },
    service_level: queueServiceLevelSchema,
  },
  additionalProperties: false,
} as const;

export const validateQueueStatus = validator<QueueStatus>(queueStatusSchema);
