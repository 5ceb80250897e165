import { AWAY_REASON_NAME_PATTERN, awayReasonFieldsSchema, awayReasonSchema, type AwayReason } from '../../recipient/away-reason.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/**
 * Create, replace or merge one entry of the account's away-reason catalogue (PUT /qubicle_away_reasons,
 * POST / PATCH /qubicle_away_reasons/{name}). Reply: the entry as stored.
 * - create: conflict when the name exists (the built-in missed_calls included); invalid_data
 *   `name.maxItems` past MAX_AWAY_REASONS entries.
 * - update (replace) / patch (merge; `null` removes max_duration_seconds / on_max): not_found for
 *   an unknown name; invalid_data `name.built_in` for missed_calls.
 * The entry that results must be valid (a maximum needs its on_max) or nothing changes (invalid_data).
 */
export interface AwayReasonWriteRequest {
  type: 'away_reason_write';
  account_id: string;
  op: 'create' | 'update' | 'patch';
  name: string;
  fields: AwayReasonFields;
}

/** The writable fields; in a patch any of them, `null` removing an optional one. */
export interface AwayReasonFields {
  label?: string;
  productive?: boolean;
  max_duration_seconds?: number | null;
  on_max?: AwayReason['on_max'] | null;
}

export const awayReasonWriteRequestSchema = directorySchema(
  'away_reason_write',
  {
    ...accountIdProperty,
    op: { enum: ['create', 'update', 'patch'] },
    name: { type: 'string', pattern: AWAY_REASON_NAME_PATTERN },
    fields: {
      type: 'object',
      properties: {
        ...awayReasonFieldsSchema,
        max_duration_seconds: { anyOf: [awayReasonFieldsSchema.max_duration_seconds, { type: 'null' }] },
        on_max: { anyOf: [awayReasonFieldsSchema.on_max, { type: 'null' }] },
      },
      additionalProperties: false,
    },
  },
  ['account_id', 'op', 'name', 'fields'],
);

export type AwayReasonWriteReply = AwayReason;
export const awayReasonWriteReplySchema = awayReasonSchema;
