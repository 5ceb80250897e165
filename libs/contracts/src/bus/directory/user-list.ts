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
