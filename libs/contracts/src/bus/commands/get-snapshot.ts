import { KAZOO_ID_PATTERN } from '../../ids.js';
import { validator } from '../../schema.js';
import { MAX_BULK_RECIPIENTS } from '../../http/bodies/bulk-status-query.js';
import { recipientStatusSchema, type RecipientStatus } from '../../http/responses/recipient-status.js';
import { shardReadSchema, type ShardReadBase } from './command-base.js';

/**
 * Shard-level read for the gateway's live view: the status AND the event sequence number it is
 * at, of several recipients of ONE shard. Each is read through the recipient's mailbox, so the
 * pair is consistent: every event with a seq ≤ `seq` is in `status`, every later one is not.
 * Reply: GetSnapshotReply (recipients who are not logged in are left out).
 */
export interface GetSnapshotCommand extends ShardReadBase {
  type: 'get_snapshot';
}
export const getSnapshotCommandSchema = shardReadSchema('get_snapshot');

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
