import { queueRosterReplySchema, type QueueRosterReply } from '../../queue/queue-roster.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** Empty one queue's roster (DELETE /qubicle_queues/{id}/recipients). Reply: QueueRosterReply (no recipients). */
export interface QueueRosterClearRequest {
  type: 'queue_roster_clear';
  account_id: string;
  queue_id: string;
}
export const queueRosterClearRequestSchema = directorySchema('queue_roster_clear', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);

export type QueueRosterClearReply = QueueRosterReply;
export const queueRosterClearReplySchema = queueRosterReplySchema;
