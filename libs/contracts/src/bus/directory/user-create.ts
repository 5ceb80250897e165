import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { userWriteDataSchema, type UserWrite } from '../../http/bodies/user-write.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** Create a user (PUT /users). Reply: UserDocReply. */
export interface UserCreateRequest {
  type: 'user_create';
  account_id: string;
  user: UserWrite;
}
export const userCreateRequestSchema = directorySchema('user_create', { ...accountIdProperty, user: userWriteDataSchema }, ['account_id', 'user']);

/** Reply data: the created document and its revision. */
export type UserCreateReply = UserDocReply;
export const userCreateReplySchema = userDocReplySchema;
