import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { accountIdProperty, directorySchema, userIdProperty } from './directory-base.js';

/** Read one users document. Reply: UserDocReply. */
export interface UserGetRequest {
  type: 'user_get';
  account_id: string;
  user_id: string;
}
export const userGetRequestSchema = directorySchema('user_get', { ...accountIdProperty, ...userIdProperty }, ['account_id', 'user_id']);

/** Reply data: the document and its revision. */
export type UserGetReply = UserDocReply;
export const userGetReplySchema = userDocReplySchema;
