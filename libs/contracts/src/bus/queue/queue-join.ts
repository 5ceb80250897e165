import { KAZOO_ID_PATTERN } from '../../ids.js';
import { callerPrioritySchema } from '../../queue/caller-priority.js';
import { callIdSchema, sessionIdSchema } from '../../queue/kazoo-message.js';
import { JOIN_REFUSALS, type JoinRefusal } from '../../queue/join-queue.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * Between workers: a caller enters a queue. The worker that took KAZOO's `join_queue` (or a queue
 * redirecting a caller who timed out to its overflow queue) sends it to the queue's shard; the
 * queue's process decides (full, empty, unknown queue) and answers the caller's place.
 * `command_id` is the join's id (KAZOO's Msg-ID when it has one): a redelivered join is answered
 * again, not applied twice. Reply: QueueJoinReply.
 */
export interface QueueJoinCommand extends QueueCommandBase {
  type: 'queue_join';
  queue_id: string;
  session_id: string;
  call_id: string;
  caller_id_name: string;
  caller_id_number: string;
  priority: number;
  /** queues the session already timed out of (overflow loop guard) */
  visited?: string[];
}
export const queueJoinCommandSchema = queueCommandSchema(
  'queue_join',
  {
    queue_id: queueIdSchema,
    session_id: sessionIdSchema,
    call_id: callIdSchema,
    caller_id_name: { type: 'string', maxLength: 256 },
    caller_id_number: { type: 'string', maxLength: 64 },
    priority: callerPrioritySchema,
    visited: { type: 'array', maxItems: 32, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
  },
  ['queue_id', 'session_id', 'call_id', 'caller_id_name', 'caller_id_number', 'priority'],
);

export type QueueJoinReply = { joined: true; position: number; estimated_wait: number } | { joined: false; reason: JoinRefusal; redirected_to?: string };

export const queueJoinReplySchema = {
  type: 'object',
  required: ['joined'],
  properties: {
    joined: { type: 'boolean' },
    position: { type: 'integer', minimum: 1 },
    estimated_wait: { type: 'integer', minimum: 0 },
    reason: { enum: [...JOIN_REFUSALS] },
    redirected_to: { type: 'string', pattern: KAZOO_ID_PATTERN },
  },
  if: { properties: { joined: { const: true } } },
  then: { required: ['position', 'estimated_wait'] },
  else: { required: ['reason'] },
  additionalProperties: false,
} as const;
