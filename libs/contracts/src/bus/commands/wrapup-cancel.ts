import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** End wrap-up now; refused outside wrap-up. Reply: RecipientStatus. */
export interface WrapupCancelCommand extends CommandBase {
  type: 'wrapup_cancel';
}
export const wrapupCancelCommandSchema = commandSchema('wrapup_cancel');

/** Reply data: the recipient's status after the command. */
export type WrapupCancelReply = RecipientStatus;
export const wrapupCancelReplySchema = recipientStatusSchema;
