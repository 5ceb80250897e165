import { AWAY_REASON_NAME_PATTERN, awayReasonSchema, type AwayReason } from '../../recipient/away-reason.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * Remove an entry of the account's away-reason catalogue (DELETE /qubicle_away_reasons/{name}).
 * Reply: the deleted entry. not_found for an unknown name; invalid_data `name.built_in` for
 * missed_calls. Recipients Away with it stay so (their stretch ends as it would have).
 */
export interface AwayReasonDeleteRequest {
  type: 'away_reason_delete';
  account_id: string;
  name: string;
}
export const awayReasonDeleteRequestSchema = directorySchema(
  'away_reason_delete',
  { ...accountIdProperty, name: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN } },
  ['account_id', 'name'],
);

export type AwayReasonDeleteReply = AwayReason;
export const awayReasonDeleteReplySchema = awayReasonSchema;
