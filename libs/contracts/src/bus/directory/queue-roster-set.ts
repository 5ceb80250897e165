import { type QueueRosterReply, queueRosterReplySchema, rosterIdsSchema } from '../../queue/queue-roster.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/**
 * Replace one queue's roster (POST /qubicle_queues/{id}/recipients). Every id must be a recipient
 * (a user with qubicle.enabled) of this account, else invalid_data `recipients.unknown_recipient`
 * and nothing changes; a recipient already on MAX_QUEUES_PER_RECIPIENT other queues → invalid_data
 * `recipients.max_queues`. Duplicates count once. Reply: QueueRosterReply.
 */
export interface QueueRosterSetRequest {
  type: 'queue_roster_set';
  account_id: string;
  queue_id: string;
  recipients: string[];
}
export const queueRosterSetRequestSchema = directorySchema(
  'queue_roster_set',
  { ...accountIdProperty, ...queueIdProperty, recipients: rosterIdsSchema },
  ['account_id', 'queue_id', 'recipients'],
);

export type QueueRosterSetReply = QueueRosterReply;
export const queueRosterSetReplySchema = queueRosterReplySchema;
