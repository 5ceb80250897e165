import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { WIRETAP_MODES, type WiretapMode } from '../../recipient/availability.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** Start monitoring `target_id` (Pro accounts, monitor permission, both logged in). Reply: RecipientStatus. */
export interface MonitorCommand extends CommandBase {
  type: 'monitor';
  target_id: string;
  mode: WiretapMode;
}
export const monitorCommandSchema = commandSchema(
  'monitor',
  { target_id: { type: 'string', pattern: KAZOO_ID_PATTERN }, mode: { enum: [...WIRETAP_MODES] } },
  ['target_id', 'mode'],
);

/** Reply data: the recipient's status after the command. */
export type MonitorReply = RecipientStatus;
export const monitorReplySchema = recipientStatusSchema;
