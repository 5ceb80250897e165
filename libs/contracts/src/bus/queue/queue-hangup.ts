import { sessionIdSchema } from '../../queue/kazoo-message.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * Between workers: the caller of a session in this queue hung up (KAZOO's `delete_session`,
 * taken by any worker, sent on to the queue's shard). The queue lets the caller go `abandoned`; a
 * ringing offer is WITHDRAWN (the recipient's `withdraw`, not a miss). Reply: QueueHangupReply.
 */
export interface QueueHangupCommand extends QueueCommandBase {
  type: 'queue_hangup';
  queue_id: string;
  session_id: string;
}
export const queueHangupCommandSchema = queueCommandSchema('queue_hangup', { queue_id: queueIdSchema, session_id: sessionIdSchema }, ['queue_id', 'session_id']);

/** `removed`: the caller was in the queue (and is not any more). */
export interface QueueHangupReply {
  removed: boolean;
}
export const queueHangupReplySchema = {
  type: 'object',
  required: ['removed'],
  properties: { removed: { type: 'boolean' } },
  additionalProperties: false,
} as const;
