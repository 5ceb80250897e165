import { directorySchema } from './directory-base.js';

/** The cluster's fixed shard count and queue type, as recorded in the store. Reply: ClusterInfo. */
export interface ClusterInfoRequest {
  type: 'cluster_info';
}
export const clusterInfoRequestSchema = directorySchema('cluster_info');

export interface ClusterInfo {
  shard_count: number;
}

export type ClusterInfoReply = ClusterInfo;
export const clusterInfoReplySchema = {
  type: 'object',
  required: ['shard_count'],
  properties: { shard_count: { type: 'integer', minimum: 1, maximum: 65536 } },
} as const;
