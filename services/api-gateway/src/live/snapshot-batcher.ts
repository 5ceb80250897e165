/**
 * Snapshot reads, batched per account (account-batch.ts): the subscribes (and resyncs) of one
 * account that arrive within a few milliseconds share ONE read — one `recipient_list` and one
 * `get_snapshot` per shard for the whole account — and each snapshot entry is serialised once for
 * all of them. A thousand wallboards reconnecting after a deploy cost the workers a handful of
 * reads, not thousands.
 */
import type { GetSnapshotReply, LiveSnapshotData } from '@qubicle/contracts';
import { batchPerAccount } from './account-batch.js';
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

export function createSnapshotBatcher(source: SnapshotSource, clock: () => number, windowMs = 10): SnapshotReader {
  async function run(accountId: string, extra: ReadonlySet<string>): Promise<SnapshotRead> {
    const ids = await source.recipients(accountId);
    const all = [...new Set([...ids, ...extra])];
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

  return { read: batchPerAccount(windowMs, run) };
}
