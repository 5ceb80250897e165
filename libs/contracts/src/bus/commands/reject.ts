import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** The recipient rejected the offered call (counts as missed). Reply: RecipientStatus. */
export interface RejectCommand extends CommandBase {
  type: 'reject';
  session_id: string;
}
export const rejectCommandSchema = commandSchema('reject', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);

/** Reply data: the recipient's status after the command. */
export type RejectReply = RecipientStatus;
export const rejectReplySchema = recipientStatusSchema;
