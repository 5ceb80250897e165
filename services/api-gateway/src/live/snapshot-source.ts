/**
 * Where snapshots come from: the account's recipients (directory `recipient_list`), then the
 * status and seq of the logged-in ones with ONE `get_snapshot` per shard (chunks of 1000 ids),
 * in parallel: the shard client's fan-out (@qubicle/client), which validates every reply and
 * retries once on shard_mismatch. Failures are QubicleFailures (timeout, unavailable, …).
 */
import { randomUUID } from 'node:crypto';
import { QubicleFailure, type GetSnapshotReply } from '@qubicle/contracts';
import type { GatewayRpc } from '../rpc/rpc-client.js';
import { failures } from '../crossbar/errors.js';

export interface SnapshotSource {
  /** Ids of the account's recipients (users with qubicle enabled). */
  recipients(accountId: string): Promise<string[]>;
  /** Status + seq of those of `ids` who are logged in (the others are left out). */
  read(accountId: string, ids: readonly string[]): Promise<GetSnapshotReply>;
}

export interface SnapshotSourceOptions {
  rpc: Pick<GatewayRpc, 'callDirectory' | 'client'>;
}

export function createSnapshotSource(opts: SnapshotSourceOptions): SnapshotSource {
  const { rpc } = opts;
  return {
    async recipients(accountId) {
      const list = await rpc.callDirectory({ type: 'recipient_list', account_id: accountId });
      return list.map((r) => r.id);
    },
    async read(accountId, ids) {
      try {
        return await rpc.client.fanOut(accountId, ids, (group, shardCount) => ({
          type: 'get_snapshot',
          command_id: randomUUID(),
          account_id: accountId,
          recipient_ids: group,
          shard_count: shardCount,
        }));
      } catch (err) {
        if (err instanceof QubicleFailure) throw err;
        throw failures.internal(`get_snapshot failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
