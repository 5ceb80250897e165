import { queueDocSchema, type QueueDoc } from '../../queue/queue-doc.js';

/** Reply of every queue document read/write: the document (current field names) and its revision (Crossbar's `revision`). */
export interface QueueDocReply {
  doc: QueueDoc;
  rev: string;
}

/** The reply's schema: the normalised document (current names only) and its revision. */
export const queueDocReplySchema = {
  type: 'object',
  required: ['doc', 'rev'],
  properties: { doc: queueDocSchema, rev: { type: 'string', minLength: 1 } },
} as const;
