import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Log the recipient in (Not-Logged-In → Away); idempotent when already logged in. Reply: RecipientStatus. */
export interface LoginCommand extends CommandBase {
  type: 'login';
}
export const loginCommandSchema = commandSchema('login');

/** Reply data: the recipient's status after the command. */
export type LoginReply = RecipientStatus;
export const loginReplySchema = recipientStatusSchema;
