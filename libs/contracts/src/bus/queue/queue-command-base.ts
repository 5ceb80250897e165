import { KAZOO_ID_PATTERN } from '../../ids.js';
import { commandBaseProperties } from '../commands/command-base.js';

/**
 * Fields every message to a running queue carries. Such a message travels on the shard queue of
 * its queue, `shardQueue(shardOf(account_id, queue_id, shard_count))`: the same hash and the same
 * shard queues as recipients, so the same leases and the same fencing (docs/queues.md, "Bus
 * integration"). `shard_count` is the sender's view of the cluster (a worker refuses another one
 * with `shard_mismatch`); `command_id` identifies the message (logs; a read is idempotent anyway,
 * an action is applied once per id).
 */
export interface QueueCommandBase {
  command_id: string;
  account_id: string;
  shard_count: number;
  by?: { user_id?: string; priv_level?: 'admin' | 'user'; service?: string };
}

export const queueIdSchema = { type: 'string', pattern: KAZOO_ID_PATTERN } as const;
/** At most this many queue ids in one message (the sender groups the account's queues by shard). */
export const MAX_QUEUE_IDS = 1000;
export const queueIdsSchema = { type: 'array', minItems: 1, maxItems: MAX_QUEUE_IDS, items: queueIdSchema } as const;

/** Build the schema of one queue message: base fields + its own. */
export function queueCommandSchema(type: string, properties: Record<string, object>, required: string[]): object {
  const { recipient_id: _r, ...base } = commandBaseProperties;
  return {
    type: 'object',
    required: ['type', 'command_id', 'account_id', 'shard_count', ...required],
    properties: { type: { const: type }, ...base, ...properties },
    additionalProperties: false,
  };
}
