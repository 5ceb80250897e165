import { queueDocReplySchema, type QueueDocReply } from './queue-doc-reply.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** Read one queue document (GET /qubicle_queues/{id}). Reply: QueueDocReply; unknown queue → not_found. */
export interface QueueGetRequest {
  type: 'queue_get';
  account_id: string;
  queue_id: string;
}
export const queueGetRequestSchema = directorySchema('queue_get', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);

/** Reply data: the document (current field names) and its revision. */
export type QueueGetReply = QueueDocReply;
export const queueGetReplySchema = queueDocReplySchema;
