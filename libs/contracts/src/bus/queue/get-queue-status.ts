import { queueStatusSchema, type QueueStatus } from '../../queue/queue-status.js';
import { queueCommandSchema, queueIdsSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * The live status of one or several queues of ONE shard (the sender groups queue ids by shard,
 * as get_status_many does for recipients). Reply: GetQueueStatusReply.
 */
export interface GetQueueStatusCommand extends QueueCommandBase {
  type: 'get_queue_status';
  queue_ids: string[];
}
export const getQueueStatusCommandSchema = queueCommandSchema('get_queue_status', { queue_ids: queueIdsSchema }, ['queue_ids']);

/** One running queue's status and the `seq` of its last queue event (a live view resumes from it). */
export interface QueueStatusEntry {
  status: QueueStatus;
  seq: number;
}

/**
 * Reply data: queue id → its status and seq, or `"unknown_queue"` when the account has no such
 * queue (a queue document that exists always has a running process: it is started on demand).
 */
export type GetQueueStatusReply = Record<string, QueueStatusEntry | 'unknown_queue'>;

export const queueStatusEntrySchema = {
  type: 'object',
  required: ['status', 'seq'],
  properties: { status: queueStatusSchema, seq: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
} as const;

export const getQueueStatusReplySchema = {
  type: 'object',
  additionalProperties: { oneOf: [queueStatusEntrySchema, { const: 'unknown_queue' }] },
} as const;
