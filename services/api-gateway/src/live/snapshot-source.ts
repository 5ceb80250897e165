/**
 * Where snapshots come from: the account's recipients (directory `recipient_list`), then the
 * status and seq of the logged-in ones with ONE `get_snapshot` per shard (chunks of 1000 ids),
 * in parallel. Every reply is validated; failures are QubicleFailures (timeout, unavailable, …).
 */
import { randomUUID } from 'node:crypto';
import {
  QubicleFailure,
  shardOf,
  shardQueue,
  validateGetSnapshotReply,
  validateRpcReply,
  type GetSnapshotCommand,
  type GetSnapshotReply,
} from '@qubicle/contracts';
import { isTransportError, type Bus, type Logger } from '@qubicle/transport';
import { failures, transportFailure } from '../crossbar/errors.js';
import type { GatewayRpc } from '../rpc/rpc-client.js';

export interface SnapshotSource {
  /** Ids of the account's recipients (users with qubicle enabled). */
  recipients(accountId: string): Promise<string[]>;
  /** Status + seq of those of `ids` who are logged in (the others are left out). */
  read(accountId: string, ids: readonly string[]): Promise<GetSnapshotReply>;
}

export interface SnapshotSourceOptions {
  bus: Pick<Bus, 'call'>;
  rpc: Pick<GatewayRpc, 'callDirectory' | 'shards'>;
  logger: Logger;
  timeoutMs: number;
}

const CHUNK = 1000;
const GUARD_MS = 250;

export function createSnapshotSource(opts: SnapshotSourceOptions): SnapshotSource {
  const { bus, rpc, logger: log, timeoutMs } = opts;

  async function invoke(queue: string, body: GetSnapshotCommand): Promise<GetSnapshotReply> {
    let raw: unknown;
    let guard: NodeJS.Timeout | undefined;
    try {
      raw = await Promise.race([
        bus.call(queue, body, { timeoutMs }),
        new Promise<never>((_, reject) => {
          guard = setTimeout(() => reject(failures.timeout('no worker answered in time')), timeoutMs + GUARD_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof QubicleFailure) throw err;
      if (isTransportError(err)) throw transportFailure(err);
      throw failures.internal(`get_snapshot failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (guard) clearTimeout(guard);
    }
    const reply = validateRpcReply(raw);
    if (!reply.ok) throw failures.internal('invalid reply from a worker');
    if (!reply.value.ok) throw new QubicleFailure(reply.value.error);
    const data = validateGetSnapshotReply(reply.value.data);
    if (!data.ok) {
      log.error({ queue, details: data.details }, 'invalid get_snapshot reply');
      throw failures.internal('invalid reply from a worker');
    }
    return data.value;
  }

  async function readWith(shardCount: number, accountId: string, ids: readonly string[]): Promise<GetSnapshotReply> {
    const byShard = new Map<number, string[]>();
    for (const id of new Set(ids)) {
      const s = shardOf(accountId, id, shardCount);
      const group = byShard.get(s) ?? [];
      group.push(id);
      byShard.set(s, group);
    }
    const calls: Array<Promise<GetSnapshotReply>> = [];
    for (const [shard, group] of byShard) {
      for (let i = 0; i < group.length; i += CHUNK) {
        calls.push(
          invoke(shardQueue(shard), {
            type: 'get_snapshot',
            command_id: randomUUID(),
            account_id: accountId,
            recipient_ids: group.slice(i, i + CHUNK),
            shard_count: shardCount,
          }),
        );
      }
    }
    return Object.assign({}, ...(await Promise.all(calls))) as GetSnapshotReply;
  }

  return {
    async recipients(accountId) {
      const list = await rpc.callDirectory({ type: 'recipient_list', account_id: accountId });
      return list.map((r) => r.id);
    },
    async read(accountId, ids) {
      if (ids.length === 0) return {};
      const n = await rpc.shards.ensure();
      try {
        return await readWith(n, accountId, ids);
      } catch (err) {
        if (!(err instanceof QubicleFailure) || err.error.code !== 'shard_mismatch') throw err;
        log.warn({ shard_count: n }, 'shard_mismatch on get_snapshot: refreshing the shard count');
        return readWith(await rpc.shards.refresh(), accountId, ids);
      }
    },
  };
}
