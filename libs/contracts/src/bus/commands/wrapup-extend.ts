import { commandSchema, type CommandBase } from './command-base.js';

/** Reset wrap-up to the full amount of the call's queue; refused outside wrap-up. Reply: RecipientStatus. */
export interface WrapupExtendCommand extends CommandBase {
  type: 'wrapup_extend';
}
export const wrapupExtendCommandSchema = commandSchema('wrapup_extend');
