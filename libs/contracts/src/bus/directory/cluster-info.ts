import { directorySchema } from './directory-base.js';

/** The cluster's fixed shard count and queue type, as recorded in the store. Reply: ClusterInfo. */
export interface ClusterInfoRequest {
  type: 'cluster_info';
}
export const clusterInfoRequestSchema = directorySchema('cluster_info');

export interface ClusterInfo {
  shard_count: number;
}
