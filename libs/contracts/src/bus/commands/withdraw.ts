import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { commandSchema, type CommandBase } from './command-base.js';

/** The offer is withdrawn: caller hung up or another recipient won. Not a miss. Reply: RecipientStatus. */
export interface WithdrawCommand extends CommandBase {
  type: 'withdraw';
  session_id: string;
  reason?: 'caller_hangup' | 'answered_elsewhere' | 'other';
}
export const withdrawCommandSchema = commandSchema(
  'withdraw',
  {
    session_id: { type: 'string', minLength: 1, maxLength: 128 },
    reason: { enum: ['caller_hangup', 'answered_elsewhere', 'other'] },
  },
  ['session_id'],
);

/** Reply data: the recipient's status after the command. */
export type WithdrawReply = RecipientStatus;
export const withdrawReplySchema = recipientStatusSchema;
