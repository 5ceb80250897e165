import { sessionIdSchema } from '../../queue/kazoo-message.js';
import { queueCommandSchema, queueIdSchema, type QueueCommandBase } from './queue-command-base.js';

/**
 * Between workers: the caller of a session in this queue hung up (KAZOO's `delete_session`,
 * taken by any worker, sent on to the queue's shard). A waiting caller leaves `abandoned`; a
 * ringing offer is WITHDRAWN (the recipient's `withdraw`, not a miss) and that caller leaves with
 * the withdraw's outcome (abandoned, or delivered when the recipient had answered first), told to
 * the session by the queue's report. Reply: QueueHangupReply.
 */
export interface QueueHangupCommand extends QueueCommandBase {
  type: 'queue_hangup';
  queue_id: string;
  session_id: string;
}
export const queueHangupCommandSchema = queueCommandSchema('queue_hangup', { queue_id: queueIdSchema, session_id: sessionIdSchema }, ['queue_id', 'session_id']);

/**
 * `removed`: the caller was waiting in the queue and left abandoned. false: it was not there, or
 * it rang and the queue's report (session_report) tells how it left.
 */
export interface QueueHangupReply {
  removed: boolean;
}
export const queueHangupReplySchema = {
  type: 'object',
  required: ['removed'],
  properties: { removed: { type: 'boolean' } },
  additionalProperties: false,
} as const;
