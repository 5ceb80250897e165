import { commandSchema, type CommandBase } from './command-base.js';

/** Log out (deferred while on a call or in wrap-up; withdraws an offer). Reply: RecipientStatus. */
export interface LogoutCommand extends CommandBase {
  type: 'logout';
  reason?: string;
}
export const logoutCommandSchema = commandSchema('logout', { reason: { type: 'string', maxLength: 256 } });
