import { awayReasonSchema, type AwayReason } from '../../recipient/away-reason.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** The account's away-reason catalogue (GET /qubicle_away_reasons), the built-in missed_calls first, then by name. Reply: AwayReason[]. */
export interface AwayReasonListRequest {
  type: 'away_reason_list';
  account_id: string;
}
export const awayReasonListRequestSchema = directorySchema('away_reason_list', { ...accountIdProperty }, ['account_id']);

export type AwayReasonListReply = AwayReason[];
export const awayReasonListReplySchema = { type: 'array', items: awayReasonSchema };
