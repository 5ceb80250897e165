import { commandSchema, type CommandBase } from './command-base.js';

/** The recipient rejected the offered call (counts as missed). Reply: RecipientStatus. */
export interface RejectCommand extends CommandBase {
  type: 'reject';
  session_id: string;
}
export const rejectCommandSchema = commandSchema('reject', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);
