import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { KAZOO_ID_PATTERN } from '../../ids.js';
import { AWAY_REASON_NAME_PATTERN, MAX_AWAY_SECONDS, awayOnlyRule } from '../../recipient/away-reason.js';
import { commandSchema, type CommandBase } from './command-base.js';

/**
 * ready/away, globally or for one queue. Reply: RecipientStatus. With away: `reason` (a name of the
 * account's away-reason catalogue; the worker refuses an unknown one with invalid_data) and, not
 * per queue, `duration_seconds` (a timed break: back to Ready at its end).
 */
export interface SetStatusCommand extends CommandBase {
  type: 'set_status';
  status: 'ready' | 'away';
  queue_id?: string;
  reason?: string;
  duration_seconds?: number;
}
export const setStatusCommandSchema = {
  ...commandSchema(
    'set_status',
    {
      status: { enum: ['ready', 'away'] },
      queue_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
      reason: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN },
      duration_seconds: { type: 'integer', minimum: 1, maximum: MAX_AWAY_SECONDS },
    },
    ['status'],
  ),
  ...awayOnlyRule,
};

/** Reply data: the recipient's status after the command. */
export type SetStatusReply = RecipientStatus;
export const setStatusReplySchema = recipientStatusSchema;
