import { recipientListSchema, type RecipientListItem } from '../../http/responses/recipient-list.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** Users of the account with qubicle enabled. Reply: RecipientListItem[]. */
export interface RecipientListRequest {
  type: 'recipient_list';
  account_id: string;
}
export const recipientListRequestSchema = directorySchema('recipient_list', accountIdProperty, ['account_id']);

export type RecipientListReply = RecipientListItem[];
export const recipientListReplySchema = recipientListSchema;
