import { queueDocReplySchema, type QueueDocReply } from './queue-doc-reply.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** Delete a queue, its roster and its roles (DELETE /qubicle_queues/{id}). Reply: QueueDocReply of the deleted document. */
export interface QueueDeleteRequest {
  type: 'queue_delete';
  account_id: string;
  queue_id: string;
}
export const queueDeleteRequestSchema = directorySchema('queue_delete', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);

/** Reply data: the document (current field names) and its revision. */
export type QueueDeleteReply = QueueDocReply;
export const queueDeleteReplySchema = queueDocReplySchema;
