/**
 * Events of a caller session on EVENTS_EXCHANGE, routing key sessionEventKey (queues.md §6):
 * `create` (create_session made it) and `delete` (it ended, exactly once, with how). What happens
 * in between (join, leave, delivered) is on the queue's events, which name the session.
 * `seq` is per session: 1 for create, 2 for delete.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { callIdSchema, sessionIdSchema } from './kazoo-message.js';
import { SESSION_END_REASONS, type SessionEndReason } from './session-state.js';

export const SESSION_EVENTS = ['create', 'delete'] as const;
export type SessionEventName = (typeof SESSION_EVENTS)[number];

export interface SessionEvent {
  event: SessionEventName;
  account_id: string;
  session_id: string;
  call_id: string;
  seq: number;
  /** ms since epoch */
  timestamp: number;
  node: string;
  session_type: string;
  caller_id_name: string;
  caller_id_number: string;
  /** delete: how it ended */
  reason?: SessionEndReason;
  /** delete: the last queue it was in, if any */
  queue_id?: string;
  /** delete with reason handled: who took the call */
  recipient_id?: string;
}

export const sessionEventSchema = {
  type: 'object',
  required: ['event', 'account_id', 'session_id', 'call_id', 'seq', 'timestamp', 'node', 'session_type', 'caller_id_name', 'caller_id_number'],
  properties: {
    event: { enum: [...SESSION_EVENTS] },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    session_id: sessionIdSchema,
    call_id: callIdSchema,
    seq: { type: 'integer', minimum: 1 },
    timestamp: { type: 'integer', minimum: 0 },
    node: { type: 'string' },
    session_type: { type: 'string', maxLength: 64 },
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    reason: { enum: [...SESSION_END_REASONS] },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
  if: { properties: { event: { const: 'delete' } } },
  then: { required: ['reason'] },
  additionalProperties: false,
};

export const validateSessionEvent = validator<SessionEvent>(sessionEventSchema);
