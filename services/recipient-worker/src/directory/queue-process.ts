/**
 * How the directory's queue writes reach the running queues (docs/queues.md, "Where the documents
 * come from"): after a queue is created, updated, patched or its roster set or cleared, its process
 * is told to read its document and roster again (`ensure_queues_started`, which also starts a queue
 * that was not running); after a delete, to stop (`stop_queue`: callers exit, the queue's `delete`
 * event). Both go to the queue's shard, whichever worker holds it.
 *
 * The store write is what counts and is already made when this runs: a process that cannot be told
 * (no worker holds the shard, a timeout) is logged, not a failed request — a client retrying a
 * write that succeeded would only write it twice. A changed queue catches up when its shard is next
 * taken (every queue restarts from its current document) or on the next ensure_started; a deleted
 * one that missed its stop_queue keeps running until a stop_queue reaches it (docs/queues.md).
 */
import { QueueBusClient } from '@qubicle/client';
import { newKazooId } from '@qubicle/contracts';
import type { DirectoryBus, DirectoryLogger } from './types.js';

/** How long a write waits for the queue's process to confirm (a healthy one answers in ms). */
export const QUEUE_PROCESS_TIMEOUT_MS = 3_000;

export interface QueueProcessNotifier {
  /** The queues' documents or rosters changed (or they were created): their processes read them again. Never rejects. */
  changed(accountId: string, queueIds: readonly string[], requestId?: string): Promise<void>;
  /** The queue was deleted: its process stops. Never rejects. */
  deleted(accountId: string, queueId: string, requestId?: string): Promise<void>;
}

export function busQueueProcess(bus: DirectoryBus, shardCount: number, logger: DirectoryLogger): QueueProcessNotifier {
  const client = new QueueBusClient({ caller: bus, shardCount, timeoutMs: QUEUE_PROCESS_TIMEOUT_MS, service: 'qubicle.directory' });
  return {
    async changed(accountId, queueIds, requestId) {
      if (queueIds.length === 0) return;
      try {
        await client.ensureStarted(accountId, queueIds, requestId !== undefined ? { requestId } : {});
      } catch (err) {
        logger.warn({ err, account_id: accountId, queue_ids: queueIds.slice(0, 10), request_id: requestId }, 'queue process not told of the change (it reads it when its shard is next taken)');
      }
    },
    async deleted(accountId, queueId, requestId) {
      try {
        await client.shardClient.toQueue(
          accountId,
          queueId,
          (n) => ({ type: 'stop_queue', command_id: newKazooId(), account_id: accountId, shard_count: n, queue_id: queueId, by: { service: 'qubicle.directory' } }),
          requestId !== undefined ? { requestId } : {},
        );
      } catch (err) {
        logger.warn({ err, account_id: accountId, queue_id: queueId, request_id: requestId }, 'queue process not told of the delete');
      }
    },
  };
}
