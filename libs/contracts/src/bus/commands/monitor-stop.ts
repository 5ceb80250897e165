import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Stop monitoring. Reply: RecipientStatus. */
export interface MonitorStopCommand extends CommandBase {
  type: 'monitor_stop';
}
export const monitorStopCommandSchema = commandSchema('monitor_stop');

/** Reply data: the recipient's status after the command. */
export type MonitorStopReply = RecipientStatus;
export const monitorStopReplySchema = recipientStatusSchema;
