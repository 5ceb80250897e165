import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * Between workers: the queue API deleted this queue (queue_delete), so its running process stops:
 * every caller exits (a ringing offer withdrawn), the queue's `delete` event, its state removed.
 * The queue's process checks the document is really gone before stopping, so a late or repeated
 * message, or one about a queue that still exists, stops nothing. Reply: StopQueueReply.
 */
export interface StopQueueCommand extends QueueCommandBase {
  type: 'stop_queue';
  queue_id: string;
}
export const stopQueueCommandSchema = queueCommandSchema('stop_queue', { queue_id: queueIdSchema }, ['queue_id']);

/** `stopped`: a running process was stopped by this message; otherwise `reason` says why not. */
export type StopQueueReply = { stopped: true } | { stopped: false; reason: 'not_running' | 'queue_exists' };
export const stopQueueReplySchema = {
  type: 'object',
  required: ['stopped'],
  properties: { stopped: { type: 'boolean' }, reason: { enum: ['not_running', 'queue_exists'] } },
  additionalProperties: false,
} as const;
