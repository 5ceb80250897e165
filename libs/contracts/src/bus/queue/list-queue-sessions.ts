import { KAZOO_ID_PATTERN } from '../../ids.js';
import { callerPrioritySchema } from '../../queue/caller-priority.js';
import { callIdSchema, sessionIdSchema } from '../../queue/kazoo-message.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/** The callers in one queue now (waiting and ringing), in routing order. Reply: ListQueueSessionsReply. */
export interface ListQueueSessionsCommand extends QueueCommandBase {
  type: 'list_queue_sessions';
  queue_id: string;
}
export const listQueueSessionsCommandSchema = queueCommandSchema('list_queue_sessions', { queue_id: queueIdSchema }, ['queue_id']);

/** One caller in the queue. */
export interface QueueSessionView {
  session_id: string;
  call_id: string;
  caller_id_name: string;
  caller_id_number: string;
  priority: number;
  /** `waiting`: no offer out; `ringing`: offered to `recipient_id` now */
  state: 'waiting' | 'ringing';
  /** 1-based place in the routing order (priority, then the time it entered) */
  position: number;
  /** ISO 8601 time it entered this queue */
  entered_at: string;
  /** seconds waited in this queue so far (one decimal) */
  wait: number;
  /** the recipient it rings at (ringing only) */
  recipient_id?: string;
  /** waiting only: the member a supervisor assigned it to, offered to them as soon as they can take it */
  assigned_to?: string;
}

/** Reply data: the sessions in routing order, and the queue's event seq they are consistent with. */
export interface ListQueueSessionsReply {
  queue_id: string;
  sessions: QueueSessionView[];
  seq: number;
}

export const queueSessionViewSchema = {
  type: 'object',
  required: ['session_id', 'call_id', 'caller_id_name', 'caller_id_number', 'priority', 'state', 'position', 'entered_at', 'wait'],
  properties: {
    session_id: sessionIdSchema,
    call_id: callIdSchema,
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    priority: callerPrioritySchema,
    state: { enum: ['waiting', 'ringing'] },
    position: { type: 'integer', minimum: 1 },
    entered_at: { type: 'string', maxLength: 64 },
    wait: { type: 'number', minimum: 0 },
    recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    assigned_to: { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
  additionalProperties: false,
} as const;

export const listQueueSessionsReplySchema = {
  type: 'object',
  required: ['queue_id', 'sessions', 'seq'],
  properties: { queue_id: queueIdSchema, sessions: { type: 'array', items: queueSessionViewSchema }, seq: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
} as const;
