import { accountViewSchema, type AccountView } from './account-get.js';
import { directorySchema } from './directory-base.js';

/**
 * Find an account by name (case-insensitive), as `user_auth` does with `account_name`.
 * For trusted services on the bus (e.g. the queue simulator) that are given a name.
 * Reply: AccountView (never the api key); not_found when no account has that name.
 */
export interface AccountFindRequest {
  type: 'account_find';
  name: string;
}
export const accountFindRequestSchema = directorySchema('account_find', { name: { type: 'string', minLength: 1, maxLength: 128 } }, ['name']);

export type AccountFindReply = AccountView;
export const accountFindReplySchema = accountViewSchema;
