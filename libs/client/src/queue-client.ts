/**
 * A typed client for what reads or acts on RUNNING queues over the bus (the gateway's queue
 * status and sessions routes, supervisors' tools), on the shard client: a queue lives on the shard
 * `shardOf(account_id, queue_id, shard_count)` (the recipients' hash), so each call goes to that
 * shard's queue; several queue ids are grouped by shard, one message per shard, in parallel.
 *
 * ```ts
 * const queues = new QueueBusClient({ caller: bus, service: 'gateway' });
 * const all = await queues.status(accountId, queueIds); // id → {status, seq} | 'unknown_queue'
 * ```
 * Failures are thrown as for RecipientBusClient (QubicleFailure with the worker's error;
 * InvalidReplyError when a reply does not match its contract).
 */
import {
  newKazooId,
  type EnsureQueuesStartedReply,
  type GetQueueStatusReply,
  type ListQueueSessionsReply,
  type QueueSessionActionReply,
} from '@qubicle/contracts';
import { shardClientOf, type BusClientOptions } from './recipient-client.js';
import { ShardClient, FAN_OUT_CHUNK, groupByShard, type SendOptions } from './shard-client.js';

export interface QueueBusClientOptions extends BusClientOptions {
  /** Share the shard client (and its shard count) of another client instead of making one. */
  shardClient?: ShardClient;
}

export class QueueBusClient {
  readonly shardClient: ShardClient;
  private readonly service: string | undefined;
  private readonly newCommandId: () => string;

  constructor(opts: QueueBusClientOptions) {
    this.shardClient = opts.shardClient ?? shardClientOf(opts);
    this.service = opts.service;
    this.newCommandId = opts.newCommandId ?? newKazooId;
  }

  /** Status + event seq of each queue (grouped by shard); an id the account has no queue for is "unknown_queue". */
  status(accountId: string, queueIds: readonly string[], o: SendOptions = {}): Promise<GetQueueStatusReply> {
    return this.perShard(accountId, queueIds, (ids, n) => ({ type: 'get_queue_status', ...this.base(accountId, n), queue_ids: ids }), o);
  }

  /** Each queue has its running process (started when it had none). */
  ensureStarted(accountId: string, queueIds: readonly string[], o: SendOptions = {}): Promise<EnsureQueuesStartedReply> {
    return this.perShard(accountId, queueIds, (ids, n) => ({ type: 'ensure_queues_started', ...this.base(accountId, n), queue_ids: ids }), o);
  }

  /** The waiting and ringing callers of a queue, in routing order. */
  async sessions(accountId: string, queueId: string, o: SendOptions = {}): Promise<ListQueueSessionsReply> {
    return (await this.shardClient.toQueue(accountId, queueId, (n) => ({ type: 'list_queue_sessions', ...this.base(accountId, n), queue_id: queueId }), o)).data;
  }

  /** A supervisor's action on a caller: `assign` to `recipientId`, or `remove`. Pass `commandId` to retry safely. */
  async sessionAction(
    accountId: string,
    queueId: string,
    sessionId: string,
    action: { action: 'assign'; recipientId: string } | { action: 'remove' },
    o: SendOptions & { commandId?: string; by?: { user_id?: string; priv_level?: 'admin' | 'user' } } = {},
  ): Promise<QueueSessionActionReply> {
    const commandId = o.commandId ?? this.newCommandId();
    const reply = await this.shardClient.toQueue(
      accountId,
      queueId,
      (n) => ({
        type: 'queue_session_action',
        ...this.base(accountId, n, o.by),
        command_id: commandId,
        queue_id: queueId,
        session_id: sessionId,
        ...(action.action === 'assign' ? { action: 'assign' as const, recipient_id: action.recipientId } : { action: 'remove' as const }),
      }),
      o,
    );
    return reply.data;
  }

  private base(accountId: string, shardCount: number, by?: { user_id?: string; priv_level?: 'admin' | 'user' }) {
    const who = { ...(by ?? {}), ...(this.service !== undefined ? { service: this.service } : {}) };
    return { command_id: this.newCommandId(), account_id: accountId, shard_count: shardCount, ...(Object.keys(who).length > 0 ? { by: who } : {}) };
  }

  /** One message per shard (chunks of FAN_OUT_CHUNK ids), in parallel, the id → value replies merged. */
  private async perShard<R extends Record<string, unknown>>(
    accountId: string,
    queueIds: readonly string[],
    build: (ids: string[], shardCount: number) => Parameters<ShardClient['send']>[1] & { type: 'get_queue_status' | 'ensure_queues_started' },
    o: SendOptions,
  ): Promise<R> {
    const unique = [...new Set(queueIds)];
    if (unique.length === 0) return {} as R;
    const n = await this.shardClient.shards.ensure();
    const calls: Array<Promise<unknown>> = [];
    for (const [, group] of groupByShard(accountId, unique, n)) {
      for (let i = 0; i < group.length; i += FAN_OUT_CHUNK) {
        const chunk = group.slice(i, i + FAN_OUT_CHUNK);
        const first = chunk[0] as string;
        calls.push(this.shardClient.toQueue(accountId, first, (count) => build(chunk, count) as never, o).then((r) => r.data));
      }
    }
    return Object.assign({}, ...(await Promise.all(calls))) as R;
  }
}
