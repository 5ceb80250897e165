/**
 * Snapshot reads, batched per account: the subscribes (and resyncs) of one account that arrive
 * within a few milliseconds share ONE read — one `recipient_list` and one `get_snapshot` per shard
 * for the whole account — and each snapshot entry is serialised once for all of them. A thousand
 * wallboards reconnecting after a deploy cost the workers a handful of reads, not thousands.
 *
 * Correct for every joiner because a socket starts holding live events BEFORE it asks for a
 * snapshot, and a batch is sent only after its last joiner asked: the read is never older than
 * any of its sockets' held events.
 */
import type { GetSnapshotReply, LiveSnapshotData } from '@qubicle/contracts';
import { eventMessageJson, textFrame, type SubscriptionKeys } from './prepared-event.js';
import type { SnapshotSource } from './snapshot-source.js';

export interface SnapshotRead {
  accountId: string;
  /** the account's recipients, in the directory's order */
  ids: string[];
  /** the logged-in ones among `ids` and the extra ids asked for */
  read: GetSnapshotReply;
  /** ms since epoch, when the read completed */
  readAt: number;
  /** The websocket frame of the snapshot entry of a recipient in `read`, built once per batch and key pair. */
  entryFrame(keys: SubscriptionKeys, recipientId: string, resync: boolean): Buffer;
}

export interface SnapshotReader {
  /** A read of the whole account (plus `extraIds`, e.g. resumed recipients no longer listed). */
  read(accountId: string, extraIds?: readonly string[]): Promise<SnapshotRead>;
}

interface Batch {
  extra: Set<string>;
  waiters: Array<{ resolve: (r: SnapshotRead) => void; reject: (err: unknown) => void }>;
}

export function createSnapshotBatcher(source: SnapshotSource, clock: () => number, windowMs = 10): SnapshotReader {
  const pending = new Map<string, Batch>();

  async function run(accountId: string, batch: Batch): Promise<SnapshotRead> {
    const ids = await source.recipients(accountId);
    const all = [...new Set([...ids, ...batch.extra])];
    const read = await source.read(accountId, all);
    const readAt = clock();
    const json = new Map<string, string>();
    const frames = new Map<string, Buffer>();
    const dataJson = (recipientId: string, resync: boolean): string => {
      const key = `${recipientId}/${resync ? 1 : 0}`;
      let out = json.get(key);
      if (out === undefined) {
        const snap = read[recipientId]!;
        const data: LiveSnapshotData = { event: 'snapshot', account_id: accountId, recipient_id: recipientId, seq: snap.seq, timestamp: readAt, status: snap.status };
        if (resync) data.resync = true;
        out = JSON.stringify(data);
        json.set(key, out);
      }
      return out;
    };
    return {
      accountId,
      ids,
      read,
      readAt,
      entryFrame(keys, recipientId, resync) {
        const key = `${keys.id}\n${recipientId}/${resync ? 1 : 0}`;
        let frame = frames.get(key);
        if (!frame) {
          frame = textFrame(eventMessageJson(keys, 'snapshot', `qubicle.recipient.${accountId}.${recipientId}.snapshot`, dataJson(recipientId, resync)));
          frames.set(key, frame);
        }
        return frame;
      },
    };
  }

  return {
    read(accountId, extraIds = []) {
      return new Promise((resolve, reject) => {
        let batch = pending.get(accountId);
        if (!batch) {
          const fresh: Batch = { extra: new Set(), waiters: [] };
          batch = fresh;
          pending.set(accountId, fresh);
          setTimeout(() => {
            pending.delete(accountId); // later askers start the next batch
            run(accountId, fresh).then(
              (r) => fresh.waiters.forEach((w) => w.resolve(r)),
              (err: unknown) => fresh.waiters.forEach((w) => w.reject(err)),
            );
          }, windowMs);
        }
        for (const id of extraIds) batch.extra.add(id);
        batch.waiters.push({ resolve, reject });
      });
    },
  };
}
