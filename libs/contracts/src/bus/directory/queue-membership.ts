import { idListMapSchema, type QueueMembership } from '../../queue/queue-roster.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { MAX_BULK_RECIPIENTS } from '../../http/bodies/bulk-status-query.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * Recipients → the queues whose roster names them (POST /qubicle_recipients/queue_membership).
 * With recipient_ids: each of them (one on no queue → []); without: every member of any queue.
 * Reply: QueueMembership.
 */
export interface QueueMembershipRequest {
  type: 'queue_membership';
  account_id: string;
  recipient_ids?: string[];
}
export const queueMembershipRequestSchema = directorySchema(
  'queue_membership',
  { ...accountIdProperty, recipient_ids: { type: 'array', maxItems: MAX_BULK_RECIPIENTS, items: { type: 'string', pattern: KAZOO_ID_PATTERN } } },
  ['account_id'],
);

export type QueueMembershipReply = QueueMembership;
export const queueMembershipReplySchema = idListMapSchema;
