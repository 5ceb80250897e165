import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { userWriteDataSchema, type UserWrite } from '../../http/bodies/user-write.js';
import { accountIdProperty, directorySchema, userIdProperty } from './directory-base.js';

/** Replace a user (POST /users/{id}); `rev` given = must match. Reply: UserDocReply. */
export interface UserUpdateRequest {
  type: 'user_update';
  account_id: string;
  user_id: string;
  user: UserWrite;
  rev?: string;
}
export const userUpdateRequestSchema = directorySchema(
  'user_update',
  { ...accountIdProperty, ...userIdProperty, user: userWriteDataSchema, rev: { type: 'string', maxLength: 80 } },
  ['account_id', 'user_id', 'user'],
);

/** Reply data: the document as written and its revision. */
export type UserUpdateReply = UserDocReply;
export const userUpdateReplySchema = userDocReplySchema;
