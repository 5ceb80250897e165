import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { accountIdProperty, directorySchema, userIdProperty } from './directory-base.js';

/** Delete a user (a logged-in recipient is logged out first). Reply: UserDocReply of the deleted doc. */
export interface UserDeleteRequest {
  type: 'user_delete';
  account_id: string;
  user_id: string;
}
export const userDeleteRequestSchema = directorySchema('user_delete', { ...accountIdProperty, ...userIdProperty }, ['account_id', 'user_id']);

/** Reply data: the deleted document and its revision. */
export type UserDeleteReply = UserDocReply;
export const userDeleteReplySchema = userDocReplySchema;
