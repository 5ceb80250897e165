import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** ready/away, globally or for one queue. Reply: RecipientStatus. */
export interface SetStatusCommand extends CommandBase {
  type: 'set_status';
  status: 'ready' | 'away';
  queue_id?: string;
}
export const setStatusCommandSchema = commandSchema(
  'set_status',
  { status: { enum: ['ready', 'away'] }, queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN } },
  ['status'],
);

/** Reply data: the recipient's status after the command. */
export type SetStatusReply = RecipientStatus;
export const setStatusReplySchema = recipientStatusSchema;
