/**
 * Queue snapshot reads, batched per account (account-batch.ts) as the recipients' are: the
 * subscribes of one account within a few milliseconds share one read of its queues, and each
 * entry's `data` is serialised once for all of them. A queue entry (contracts
 * live/queue-snapshot.ts) holds the queue's status and callers at its seq; a session entry is one
 * caller of a queue.
 */
import type { LiveQueueSnapshotData, LiveSessionSnapshotData, QueueSessionView } from '@qubicle/contracts';
import { batchPerAccount } from './account-batch.js';
import type { QueueSnapshot, QueueSnapshotSource } from './queue-snapshot-source.js';

export interface QueueSnapshotRead {
  accountId: string;
  /** the account's queues, in the directory's order */
  ids: string[];
  queues: Record<string, QueueSnapshot>;
  /** ms since epoch, when the read completed */
  readAt: number;
  /** The `data` JSON of a queue's snapshot entry (a queue of `queues`). */
  queueDataJson(queueId: string, resync: boolean): string;
  /** The `data` JSON of a session's snapshot entry (one of the queue's `sessions`). */
  sessionDataJson(queueId: string, session: QueueSessionView): string;
}

export interface QueueSnapshotReader {
  read(accountId: string): Promise<QueueSnapshotRead>;
}

export function createQueueSnapshotBatcher(source: QueueSnapshotSource, clock: () => number, windowMs = 10): QueueSnapshotReader {
  async function run(accountId: string): Promise<QueueSnapshotRead> {
    const { ids, queues } = await source.read(accountId);
    const readAt = clock();
    const json = new Map<string, string>();
    const cached = (key: string, build: () => unknown): string => {
      let out = json.get(key);
      if (out === undefined) {
        out = JSON.stringify(build());
        json.set(key, out);
      }
      return out;
    };
    return {
      accountId,
      ids,
      queues,
      readAt,
      queueDataJson: (queueId, resync) =>
        cached(`q/${queueId}/${resync ? 1 : 0}`, () => {
          const q = queues[queueId]!;
          const data: LiveQueueSnapshotData = { event: 'snapshot', account_id: accountId, queue_id: queueId, seq: q.seq, timestamp: readAt, status: q.status, sessions: q.sessions };
          if (resync) data.resync = true;
          return data;
        }),
      sessionDataJson: (queueId, session) =>
        cached(`s/${queueId}/${session.session_id}`, (): LiveSessionSnapshotData => ({ event: 'snapshot', account_id: accountId, seq: 1, timestamp: readAt, queue_id: queueId, ...session })),
    };
  }
  const read = batchPerAccount(windowMs, (accountId) => run(accountId));
  return { read: (accountId) => read(accountId) };
}
