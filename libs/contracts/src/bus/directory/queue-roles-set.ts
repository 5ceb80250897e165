import { type QueueRoles, queueRolesSchema } from '../../queue/queue-roles.js';
import { accountIdProperty, directorySchema, queueIdProperty } from './directory-base.js';

/**
 * Replace a queue's roles (POST /qubicle_queues/{id}/roles). Every manager must be a user of this
 * account, else invalid_data `managers.unknown_user` and nothing changes. Reply: QueueRoles.
 */
export interface QueueRolesSetRequest {
  type: 'queue_roles_set';
  account_id: string;
  queue_id: string;
  roles: QueueRoles;
}
export const queueRolesSetRequestSchema = directorySchema(
  'queue_roles_set',
  { ...accountIdProperty, ...queueIdProperty, roles: queueRolesSchema },
  ['account_id', 'queue_id', 'roles'],
);

export type QueueRolesSetReply = QueueRoles;
export const queueRolesSetReplySchema = queueRolesSchema;
