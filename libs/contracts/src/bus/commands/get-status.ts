import { commandSchema, type CommandBase } from './command-base.js';

/** Read the status (also answers for recipients who are not logged in). Reply: RecipientStatus. */
export interface GetStatusCommand extends CommandBase {
  type: 'get_status';
}
export const getStatusCommandSchema = commandSchema('get_status');
