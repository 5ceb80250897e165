import { queueDocReplySchema, type QueueDocReply } from './queue-doc-reply.js';
import { queueWriteDataSchema } from '../../queue/queue-doc.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/**
 * Replace a queue's document (POST /qubicle_queues/{id}); normalised again by the worker. `rev`
 * given and not the current one → conflict. Reply: QueueDocReply.
 */
export interface QueueUpdateRequest {
  type: 'queue_update';
  account_id: string;
  queue_id: string;
  queue: Record<string, unknown>;
  rev?: string;
}
export const queueUpdateRequestSchema = directorySchema(
  'queue_update',
  { ...accountIdProperty, ...queueIdProperty, queue: queueWriteDataSchema, rev: { type: 'string', minLength: 1, maxLength: 80 } },
  ['account_id', 'queue_id', 'queue'],
);

/** Reply data: the document (current field names) and its revision. */
export type QueueUpdateReply = QueueDocReply;
export const queueUpdateReplySchema = queueDocReplySchema;
