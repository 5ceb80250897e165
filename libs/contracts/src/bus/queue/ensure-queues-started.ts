import { queueCommandSchema, queueIdsSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * Make sure each named queue of ONE shard has its running process (GET …/qubicle_queues/ensure_started:
 * the sender lists the account's queues and groups them by shard). A worker also starts every
 * queue of a shard it takes over by itself; this is the explicit form. Reply: EnsureQueuesStartedReply.
 */
export interface EnsureQueuesStartedCommand extends QueueCommandBase {
  type: 'ensure_queues_started';
  queue_ids: string[];
}
export const ensureQueuesStartedCommandSchema = queueCommandSchema('ensure_queues_started', { queue_ids: queueIdsSchema }, ['queue_ids']);

/** One queue's process: the node running it; `started` = it was started by this message (it was not running). */
export interface QueueProcessEntry {
  node: string;
  started: boolean;
}

/** Reply data: queue id → its process, or `"unknown_queue"` (no such queue document in the account). */
export type EnsureQueuesStartedReply = Record<string, QueueProcessEntry | 'unknown_queue'>;

export const queueProcessEntrySchema = {
  type: 'object',
  required: ['node', 'started'],
  properties: { node: { type: 'string', maxLength: 256 }, started: { type: 'boolean' } },
  additionalProperties: false,
} as const;

export const ensureQueuesStartedReplySchema = {
  type: 'object',
  additionalProperties: { oneOf: [queueProcessEntrySchema, { const: 'unknown_queue' }] },
} as const;
