import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** The handled call ended: wrap-up for the call's queue starts. Reply: RecipientStatus. */
export interface HangupCommand extends CommandBase {
  type: 'hangup';
  session_id: string;
}
export const hangupCommandSchema = commandSchema('hangup', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);

/** Reply data: the recipient's status after the command. */
export type HangupReply = RecipientStatus;
export const hangupReplySchema = recipientStatusSchema;
