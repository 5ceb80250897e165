/**
 * Events of a queue's process on EVENTS_EXCHANGE, routing key queueEventKey (queues.md §6):
 * `create` (the queue process started with a fresh state), `delete` (stopped: reason, final
 * stats), `join` (a caller entered: position, estimated wait), `leave` (a caller left: reason,
 * total wait here), `delivered` (a caller was answered, by whom; followed by its `leave`).
 * `seq` is per queue, +1 per event with no holes; every event carries the queue's status after
 * the whole transition, as recipient events do, so a wallboard needs nothing else.
 */
import { KAZOO_ID_PATTERN } from '../ids.js';
import { validator } from '../schema.js';
import { callerPrioritySchema } from './caller-priority.js';
import { callIdSchema, sessionIdSchema } from './kazoo-message.js';
import { queueStatsFiguresSchema, queueStatusSchema, type QueueStatsFigures, type QueueStatus } from './queue-status.js';
import { QUEUE_LEAVE_REASONS, type QueueLeaveReason } from './session-state.js';

export const QUEUE_EVENTS = ['create', 'delete', 'join', 'leave', 'delivered', 'assign'] as const;
export type QueueEventName = (typeof QUEUE_EVENTS)[number];

/** The caller an event is about. */
export interface QueueEventCaller {
  session_id: string;
  call_id: string;
  caller_id_name: string;
  caller_id_number: string;
  priority: number;
  /** unix seconds the caller entered this queue */
  queue_enter_time: number;
}

export interface QueueEvent {
  event: QueueEventName;
  account_id: string;
  queue_id: string;
  seq: number;
  /** ms since epoch (the transition's time) */
  timestamp: number;
  node: string;
  status: QueueStatus;
  /** join, leave, delivered, assign */
  caller?: QueueEventCaller;
  /** join: 1-based place in the queue */
  position?: number;
  /** join: seconds */
  estimated_wait?: number;
  /** leave: why (QueueLeaveReason); delete: why the process stopped */
  reason?: QueueLeaveReason | string;
  /** leave, delivered: seconds waited in this queue (one decimal) */
  wait?: number;
  /** delivered: who answered; assign: who the caller is offered to */
  recipient_id?: string;
  /** assign: the supervisor's user id, when the request named one */
  assigned_by?: string;
  /** leave with reason redirected: the queue that took the caller */
  redirected_to?: string;
  /** delete: the day's figures at the stop */
  final_stats?: QueueStatsFigures;
}

export const queueEventCallerSchema = {
  type: 'object',
  required: ['session_id', 'call_id', 'caller_id_name', 'caller_id_number', 'priority', 'queue_enter_time'],
  properties: {
    session_id: sessionIdSchema,
    call_id: callIdSchema,
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    priority: callerPrioritySchema,
    queue_enter_time: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const queueEventSchema = {
  type: 'object',
  required: ['event', 'account_id', 'queue_id', 'seq', 'timestamp', 'node', 'status'],
  properties: {
    event: { enum: [...QUEUE_EVENTS] },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    seq: { type: 'integer', minimum: 1 },
    timestamp: { type: 'integer', minimum: 0 },
    node: { type: 'string' },
    status: queueStatusSchema,
    caller: queueEventCallerSchema,
    position: { type: 'integer', minimum: 1 },
    estimated_wait: { type: 'integer', minimum: 0 },
    reason: { type: 'string', maxLength: 128 },
    wait: { type: 'number', minimum: 0 },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    redirected_to: { type: 'string', pattern: KAZOO_ID_PATTERN },
    assigned_by: { type: 'string', pattern: KAZOO_ID_PATTERN },
    final_stats: queueStatsFiguresSchema,
  },
  allOf: [
    { if: { properties: { event: { const: 'join' } } }, then: { required: ['caller', 'position', 'estimated_wait'] } },
    { if: { properties: { event: { const: 'leave' } } }, then: { required: ['caller', 'reason', 'wait'], properties: { reason: { enum: [...QUEUE_LEAVE_REASONS] } } } },
    { if: { properties: { event: { const: 'delivered' } } }, then: { required: ['caller', 'recipient_id', 'wait'] } },
    { if: { properties: { event: { const: 'assign' } } }, then: { required: ['caller', 'recipient_id'] } },
    { if: { properties: { event: { const: 'delete' } } }, then: { required: ['reason', 'final_stats'] } },
  ],
  additionalProperties: false,
};

export const validateQueueEvent = validator<QueueEvent>(queueEventSchema);
