import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Read the status (also answers for recipients who are not logged in). Reply: RecipientStatus. */
export interface GetStatusCommand extends CommandBase {
  type: 'get_status';
}
export const getStatusCommandSchema = commandSchema('get_status');

/** Reply data: the recipient's status after the command. */
export type GetStatusReply = RecipientStatus;
export const getStatusReplySchema = recipientStatusSchema;
