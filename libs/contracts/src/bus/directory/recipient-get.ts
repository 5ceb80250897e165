import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** The recipient configuration = its users document (404 unless qubicle is enabled). Reply: UserDocReply. */
export interface RecipientGetRequest {
  type: 'recipient_get';
  account_id: string;
  recipient_id: string;
}
export const recipientGetRequestSchema = directorySchema(
  'recipient_get',
  { ...accountIdProperty, recipient_id: { type: 'string', pattern: KAZOO_ID_PATTERN } },
  ['account_id', 'recipient_id'],
);

/** Reply data: the users document and its revision. */
export type RecipientGetReply = UserDocReply;
export const recipientGetReplySchema = userDocReplySchema;
