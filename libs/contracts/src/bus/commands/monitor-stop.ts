import { commandSchema, type CommandBase } from './command-base.js';

/** Stop monitoring. Reply: RecipientStatus. */
export interface MonitorStopCommand extends CommandBase {
  type: 'monitor_stop';
}
export const monitorStopCommandSchema = commandSchema('monitor_stop');
