import { KAZOO_ID_PATTERN } from '../../ids.js';
import { userFieldProperties } from '../../directory/user-doc.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** List the users of an account. Reply: UserListItem[] (KAZOO's users summary). */
export interface UserListRequest {
  type: 'user_list';
  account_id: string;
}
export const userListRequestSchema = directorySchema('user_list', accountIdProperty, ['account_id']);

export interface UserListItem {
  id: string;
  first_name: string;
  last_name: string;
  username?: string;
  email?: string;
  priv_level: 'admin' | 'user';
  enabled: boolean;
  qubicle_enabled: boolean;
}

export type UserListReply = UserListItem[];
export const userListReplySchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'first_name', 'last_name', 'priv_level', 'enabled', 'qubicle_enabled'],
    properties: {
      id: { type: 'string', pattern: KAZOO_ID_PATTERN },
      ...userFieldProperties,
      qubicle_enabled: { type: 'boolean' },
    },
  },
} as const;
