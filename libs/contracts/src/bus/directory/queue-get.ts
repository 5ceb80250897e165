import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** Read one queue document (GET /qubicle_queues/{id}). Reply: QueueDocReply; unknown queue → not_found. */
export interface QueueGetRequest {
  type: 'queue_get';
  account_id: string;
  queue_id: string;
}
export const queueGetRequestSchema = directorySchema('queue_get', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);
