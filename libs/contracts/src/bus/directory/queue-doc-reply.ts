import type { QueueDoc } from '../../queue/queue-doc.js';

/** Reply of every queue document read/write: the document (current field names) and its revision (Crossbar's `revision`). */
export interface QueueDocReply {
  doc: QueueDoc;
  rev: string;
}
