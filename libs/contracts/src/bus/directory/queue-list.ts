import { KAZOO_ID_PATTERN } from '../../ids.js';
import { accountIdProperty, directorySchema } from './directory-base.js';

/** List the queues of an account (GET /qubicle_queues). Reply: QueueListItem[], by name then id. */
export interface QueueListRequest {
  type: 'queue_list';
  account_id: string;
}
export const queueListRequestSchema = directorySchema('queue_list', accountIdProperty, ['account_id']);

/** KAZOO's summary of a queue: `[{id, name}]`. */
export interface QueueListItem {
  id: string;
  name: string;
}

/** Reply data: the account's queues, by name then id. */
export type QueueListReply = QueueListItem[];
export const queueListReplySchema = { type: 'array', items: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string', pattern: KAZOO_ID_PATTERN }, name: { type: 'string' } } } } as const;
