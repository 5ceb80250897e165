import { commandSchema, type CommandBase } from './command-base.js';

/** The handled call ended: wrap-up for the call's queue starts. Reply: RecipientStatus. */
export interface HangupCommand extends CommandBase {
  type: 'hangup';
  session_id: string;
}
export const hangupCommandSchema = commandSchema('hangup', { session_id: { type: 'string', minLength: 1, maxLength: 128 } }, ['session_id']);
