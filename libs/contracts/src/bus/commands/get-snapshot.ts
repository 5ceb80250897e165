import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { MAX_BULK_RECIPIENTS } from '../../http/bodies/bulk-status-query.js';
import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';

/**
 * Shard-level read for the gateway's live view: the status AND the event sequence number it is
 * at, of several recipients of ONE shard. Each is read through the recipient's mailbox, so the
 * pair is consistent: every event with a seq ≤ `seq` is in `status`, every later one is not.
 * Reply: GetSnapshotReply (recipients who are not logged in are left out).
 */
export interface GetSnapshotCommand {
  type: 'get_snapshot';
  command_id: string;
  account_id: string;
  recipient_ids: string[];
  shard_count: number;
}
export const getSnapshotCommandSchema = {
  type: 'object',
  required: ['type', 'command_id', 'account_id', 'recipient_ids', 'shard_count'],
  properties: {
    type: { const: 'get_snapshot' },
    command_id: { type: 'string', minLength: 8, maxLength: 64 },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    recipient_ids: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    shard_count: { type: 'integer', minimum: 1, maximum: 65536 },
  },
  additionalProperties: false,
};

export interface RecipientSnapshot {
  /** the recipient's last published event seq (the status includes it and everything before) */
  seq: number;
  status: RecipientStatus;
}

/** recipient_id → snapshot, logged-in recipients only. */
export type GetSnapshotReply = Record<string, RecipientSnapshot>;

export const getSnapshotReplySchema = {
  type: 'object',
  maxProperties: MAX_BULK_RECIPIENTS,
  propertyNames: { pattern: KAZOO_ID_PATTERN },
  additionalProperties: {
    type: 'object',
    required: ['seq', 'status'],
    properties: { seq: { type: 'integer', minimum: 0 }, status: recipientStatusSchema },
    additionalProperties: false,
  },
};

export const validateGetSnapshotReply = validator<GetSnapshotReply>(getSnapshotReplySchema);
