import { queueRolesSchema, type QueueRoles } from '../../queue/queue-roles.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/** A queue's roles (who manages it): what the gateway checks before a non-admin edits a roster. Reply: QueueRoles; unknown queue → not_found. */
export interface QueueRolesGetRequest {
  type: 'queue_roles_get';
  account_id: string;
  queue_id: string;
}
export const queueRolesGetRequestSchema = directorySchema('queue_roles_get', { ...accountIdProperty, ...queueIdProperty }, ['account_id', 'queue_id']);

export type QueueRolesGetReply = QueueRoles;
export const queueRolesGetReplySchema = queueRolesSchema;
