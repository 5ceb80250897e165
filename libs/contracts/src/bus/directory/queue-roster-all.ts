import { idListMapSchema, type QueueRosters } from '../../queue/queue-roster.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** The roster of every queue of the account (GET /qubicle_queues/recipients). Reply: QueueRosters (queue id → members; a queue with none → []). */
export interface QueueRosterAllRequest {
  type: 'queue_roster_all';
  account_id: string;
}
export const queueRosterAllRequestSchema = directorySchema('queue_roster_all', accountIdProperty, ['account_id']);

export type QueueRosterAllReply = QueueRosters;
export const queueRosterAllReplySchema = idListMapSchema;
