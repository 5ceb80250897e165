/**
 * Where queue snapshots come from: the account's queues (directory `queue_list`), each running
 * queue's status and seq (`get_queue_status`, one message per shard) and its callers
 * (`list_queue_sessions`, one per queue, in parallel), through @qubicle/client's QueueBusClient.
 *
 * The status and the callers are two reads of the queue's mailbox: an event may fall between them.
 * Both replies carry the seq they are consistent with, so a queue's entry is kept only when the two
 * seqs are equal; the older side is read again (up to QUEUE_SNAPSHOT_ATTEMPTS rounds) until they
 * are. A queue deleted in between is left out. Failures are QubicleFailures (timeout, unavailable).
 */
import { QubicleFailure, type QueueSessionView, type QueueStatus, type QueueStatusEntry } from '@qubicle/contracts';
import type { GatewayRpc } from '../rpc/rpc-client.js';
import { failures } from '../crossbar/errors.js';

/** Rounds of re-reading a queue whose status and callers came at different seqs. */
export const QUEUE_SNAPSHOT_ATTEMPTS = 5;

export interface QueueSnapshot {
  status: QueueStatus;
  sessions: QueueSessionView[];
  /** the queue's event seq both are at */
  seq: number;
}

export interface QueueSnapshots {
  /** the account's queues, in the directory's order */
  ids: string[];
  /** the running ones among them (a queue deleted while read is missing) */
  queues: Record<string, QueueSnapshot>;
}

export interface QueueSnapshotSource {
  read(accountId: string): Promise<QueueSnapshots>;
}

export function createQueueSnapshotSource(opts: { rpc: Pick<GatewayRpc, 'callDirectory' | 'queues'> }): QueueSnapshotSource {
  const { rpc } = opts;
  const statusOf = async (accountId: string, id: string): Promise<QueueStatusEntry | undefined> => {
    const entry = (await rpc.queues.status(accountId, [id]))[id];
    return entry === 'unknown_queue' ? undefined : entry;
  };
  const sessionsOf = async (accountId: string, id: string) => {
    try {
      return await rpc.queues.sessions(accountId, id);
    } catch (err) {
      if (err instanceof QubicleFailure && err.error.code === 'not_found') return undefined; // deleted meanwhile
      throw err;
    }
  };
  return {
    async read(accountId) {
      try {
        const ids = (await rpc.callDirectory({ type: 'queue_list', account_id: accountId })).map((q) => q.id);
        const all = await rpc.queues.status(accountId, ids);
        const queues: Record<string, QueueSnapshot> = {};
        await Promise.all(
          ids.map(async (id) => {
            const first = all[id];
            let status = first === 'unknown_queue' ? undefined : first;
            let list = status ? await sessionsOf(accountId, id) : undefined;
            for (let round = 1; status && list && list.seq !== status.seq; round++) {
              if (round >= QUEUE_SNAPSHOT_ATTEMPTS) throw failures.unavailable(`queue ${id} kept changing while its snapshot was read; retry`);
              if (list.seq < status.seq) list = await sessionsOf(accountId, id);
              else status = await statusOf(accountId, id);
            }
            if (status && list) queues[id] = { status: status.status, sessions: list.sessions, seq: status.seq };
          }),
        );
        return { ids, queues };
      } catch (err) {
        if (err instanceof QubicleFailure) throw err;
        throw failures.internal(`queue snapshot failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
