import { KAZOO_ID_PATTERN } from '../../ids.js';
import { bulkStatusDataSchema, type BulkStatusData } from '../../http/responses/recipient-status.js';

/**
 * Shard-level read: the status of several recipients of ONE shard in one message
 * (the gateway groups a bulk status request by shard). Reply: BulkStatusData.
 */
export interface GetStatusManyCommand {
  type: 'get_status_many';
  command_id: string;
  account_id: string;
  recipient_ids: string[];
  shard_count: number;
}
export const getStatusManyCommandSchema = {
  type: 'object',
  required: ['type', 'command_id', 'account_id', 'recipient_ids', 'shard_count'],
  properties: {
    type: { const: 'get_status_many' },
    command_id: { type: 'string', minLength: 8, maxLength: 64 },
    account_id: { type: 'string', pattern: KAZOO_ID_PATTERN },
    recipient_ids: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', pattern: KAZOO_ID_PATTERN } },
    shard_count: { type: 'integer', minimum: 1, maximum: 65536 },
  },
  additionalProperties: false,
};

/** Reply data: recipient id → status, or "not_logged_in" (the reply's `seqs` hold each status's event seq). */
export type GetStatusManyReply = BulkStatusData;
export const getStatusManyReplySchema = bulkStatusDataSchema;
