import { queueDocReplySchema, type QueueDocReply } from './queue-doc-reply.js';
import { queueWriteDataSchema } from '../../queue/queue-doc.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * Create a queue (PUT /qubicle_queues). `queue` is a write's `data` (older field names accepted):
 * the worker normalises it again (normaliseQueueWrite), so a message from anywhere is held to
 * the same rules as an HTTP body. Reply: QueueDocReply; past MAX_QUEUES_PER_ACCOUNT → invalid_data.
 */
export interface QueueCreateRequest {
  type: 'queue_create';
  account_id: string;
  queue: Record<string, unknown>;
}
export const queueCreateRequestSchema = directorySchema('queue_create', { ...accountIdProperty, queue: queueWriteDataSchema }, ['account_id', 'queue']);

/** Reply data: the document (current field names) and its revision. */
export type QueueCreateReply = QueueDocReply;
export const queueCreateReplySchema = queueDocReplySchema;
