import { commandSchema, type CommandBase } from './command-base.js';

/** The recipient answered the offered call of `session_id`. Reply: RecipientStatus. */
export interface AnswerCommand extends CommandBase {
  type: 'answer';
  session_id: string;
}
export const answerCommandSchema = commandSchema('answer', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);
