import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * POST /qubicle_recipients/{id}/enable|disable (Monster UI SDK updateEnable/updateDisable):
 * sets users.qubicle.enabled. Disabling a logged-in recipient logs them out first.
 * Reply: UserDocReply.
 */
export interface RecipientSetEnabledRequest {
  type: 'recipient_set_enabled';
  account_id: string;
  recipient_id: string;
  enabled: boolean;
}
export const recipientSetEnabledRequestSchema = directorySchema(
  'recipient_set_enabled',
  { ...accountIdProperty, recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN }, enabled: { type: 'boolean' } },
  ['account_id', 'recipient_id', 'enabled'],
);

/** Reply data: the document as written and its revision. */
export type RecipientSetEnabledReply = UserDocReply;
export const recipientSetEnabledReplySchema = userDocReplySchema;
