import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Log out (deferred while on a call or in wrap-up; withdraws an offer). Reply: RecipientStatus. */
export interface LogoutCommand extends CommandBase {
  type: 'logout';
  reason?: string;
}
export const logoutCommandSchema = commandSchema('logout', { reason: { type: 'string', maxLength: 256 } });

/** Reply data: the recipient's status after the command. */
export type LogoutReply = RecipientStatus;
export const logoutReplySchema = recipientStatusSchema;
