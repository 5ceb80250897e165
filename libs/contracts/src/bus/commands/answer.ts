import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** The recipient answered the offered call of `session_id`. Reply: RecipientStatus. */
export interface AnswerCommand extends CommandBase {
  type: 'answer';
  session_id: string;
}
export const answerCommandSchema = commandSchema('answer', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);

/** Reply data: the recipient's status after the command. */
export type AnswerReply = RecipientStatus;
export const answerReplySchema = recipientStatusSchema;
