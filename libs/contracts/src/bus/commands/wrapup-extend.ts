import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Reset wrap-up to the full amount of the call's queue; refused outside wrap-up. Reply: RecipientStatus. */
export interface WrapupExtendCommand extends CommandBase {
  type: 'wrapup_extend';
}
export const wrapupExtendCommandSchema = commandSchema('wrapup_extend');

/** Reply data: the recipient's status after the command. */
export type WrapupExtendReply = RecipientStatus;
export const wrapupExtendReplySchema = recipientStatusSchema;
