import { queueDocReplySchema, type QueueDocReply } from './queue-doc-reply.js';
import { queueWriteDataSchema } from '../../queue/queue-doc.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/**
 * Merge fields into a queue (PATCH /qubicle_queues/{id}): applied by the worker to the stored
 * document with patchQueueDoc (older names accepted, null clears an optional field, the result
 * validated whole). Reply: QueueDocReply.
 */
export interface QueuePatchRequest {
  type: 'queue_patch';
  account_id: string;
  queue_id: string;
  patch: Record<string, unknown>;
}
export const queuePatchRequestSchema = directorySchema(
  'queue_patch',
  { ...accountIdProperty, ...queueIdProperty, patch: queueWriteDataSchema },
  ['account_id', 'queue_id', 'patch'],
);

/** Reply data: the document (current field names) and its revision. */
export type QueuePatchReply = QueueDocReply;
export const queuePatchReplySchema = queueDocReplySchema;
