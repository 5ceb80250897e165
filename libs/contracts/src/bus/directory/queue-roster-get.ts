import { queueRosterReplySchema, type QueueRosterReply } from '../../queue/queue-roster.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** One queue's roster (GET /qubicle_queues/{id}/recipients). Reply: QueueRosterReply; unknown queue → not_found. */
export interface QueueRosterGetRequest {
  type: 'queue_roster_get';
  account_id: string;
  queue_id: string;
}
export const queueRosterGetRequestSchema = directorySchema('queue_roster_get', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);

export type QueueRosterGetReply = QueueRosterReply;
export const queueRosterGetReplySchema = queueRosterReplySchema;
