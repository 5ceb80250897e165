import { commandSchema, type CommandBase } from './command-base.js';

/** Log the recipient in (Not-Logged-In → Away); idempotent when already logged in. Reply: RecipientStatus. */
export interface LoginCommand extends CommandBase {
  type: 'login';
}
export const loginCommandSchema = commandSchema('login');
