import { userDocReplySchema, type UserDocReply } from './user-doc-reply.js';
import { userPatchDataSchema, type UserWrite } from '../../http/bodies/user-write.js';
import { accountIdProperty, directorySchema, userIdProperty } from './directory-base.js';

/** Merge fields into a user (PATCH /users/{id}). Reply: UserDocReply. */
export interface UserPatchRequest {
  type: 'user_patch';
  account_id: string;
  user_id: string;
  patch: Partial<UserWrite>;
}
export const userPatchRequestSchema = directorySchema(
  'user_patch',
  { ...accountIdProperty, ...userIdProperty, patch: userPatchDataSchema },
  ['account_id', 'user_id', 'patch'],
);

/** Reply data: the document as written and its revision. */
export type UserPatchReply = UserDocReply;
export const userPatchReplySchema = userDocReplySchema;
