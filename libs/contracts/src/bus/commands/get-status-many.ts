import { bulkStatusDataSchema, type BulkStatusData } from '../../http/responses/recipient-status.js';
import { shardReadSchema, type ShardReadBase } from './command-base.js';

/**
 * Shard-level read: the status of several recipients of ONE shard in one message
 * (the gateway groups a bulk status request by shard). Reply: BulkStatusData.
 */
export interface GetStatusManyCommand extends ShardReadBase {
  type: 'get_status_many';
}
export const getStatusManyCommandSchema = shardReadSchema('get_status_many');

/** Reply data: recipient id → status, or "not_logged_in" (the reply's `seqs` hold each status's event seq). */
export type GetStatusManyReply = BulkStatusData;
export const getStatusManyReplySchema = bulkStatusDataSchema;
