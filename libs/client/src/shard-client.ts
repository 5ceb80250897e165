/**
 * THE shard client: how anything outside a worker calls the recipients' shards and the
 * directory over the bus. The caller (a Bus) is injected; this package depends on contracts only.
 *
 * - `send`: one RPC. The reply is validated on receipt: the RPC envelope, then the data against
 *   the message's reply schema (contracts: SHARD_REPLY_SCHEMAS / DIRECTORY_REPLY_SCHEMAS); an
 *   invalid reply is an InvalidReplyError, an error reply a QubicleFailure with the worker's
 *   error, a bus failure a QubicleFailure timeout / unavailable (callerFailure). A call never
 *   takes longer than its timeout plus GUARD_MS, even if the bus fails to time out itself.
 * - `toRecipient`: one message to a recipient's shard queue (`shardOf` of the contracts).
 * - `fanOut`: recipient ids grouped by shard, one message per shard (chunks of at most
 *   FAN_OUT_CHUNK ids), in parallel; the replies (id → value) merged.
 * - Both retry ONCE on `shard_mismatch`: the count is asked from the cluster again and the same
 *   message (same command_id) is re-sent with it; a second mismatch is thrown (no loop).
 * - `directory`: a directory request.
 * - The shard count is given, or discovered (ShardCount: cluster_info, with back-off in `start()`).
 */
import {
  DIRECTORY_QUEUE,
  QubicleFailure,
  shardOf,
  shardQueue,
  validateDirectoryReply,
  validateQueueMessage,
  validateQueueReply,
  isQueueMessageType,
  validateDirectoryRequest,
  validateRpcReply,
  validateShardMessage,
  validateShardReply,
  type DirectoryReplyOf,
  type DirectoryRequest,
  type QueueMessage,
  type QueueReplyOf,
  type ShardMessage,
  type ShardReplyOf,
} from '@qubicle/contracts';
import { callerFailure } from './caller-failure.js';
import { InvalidReplyError } from './invalid-reply.js';
import type { ClientLogger, RpcCaller, RpcCallOptions } from './rpc-caller.js';
import { createShardCount, type ShardCount } from './shard-count.js';

export interface ShardClientOptions {
  caller: RpcCaller;
  /** Reply timeout of every call (also the message's expiration); default 5000 ms. */
  timeoutMs?: number;
  /** The cluster's shard count, if known; omitted = asked from the directory (`cluster_info`). */
  shardCount?: number | undefined;
  logger?: ClientLogger | undefined;
  /** After every RPC (each attempt), with its failure if it failed: metrics, logs. */
  onCall?: (call: CallRecord) => void;
}

export interface CallRecord {
  /** the message's type (`get_status`, `cluster_info`, …) */
  type: string;
  queue: string;
  durationMs: number;
  /** what `send` threw, if it did */
  error?: unknown;
}

export interface SendOptions {
  /** Sent as the message's x-request-id. */
  requestId?: string | undefined;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number | undefined;
}

/** An ok reply: its data, validated, and what the worker added (node, event seqs). */
export interface OkReply<T> {
  data: T;
  node?: string;
  /** the recipient's event seq right after the command (a recipient actor's reply) */
  seq?: number;
  /** per recipient, on a reply about several */
  seqs?: Record<string, number>;
}

/** A message about several recipients of one shard. */
type FanOutMessage = Extract<ShardMessage, { recipient_ids: string[] }>;

export const DEFAULT_TIMEOUT_MS = 5_000;
/** Extra time given to the bus to report its own timeout before the client gives up on it. */
export const GUARD_MS = 250;
/** get_status_many / get_snapshot take at most this many ids per message. */
export const FAN_OUT_CHUNK = 1000;

export class ShardClient {
  readonly shards: ShardCount;
  private readonly caller: RpcCaller;
  private readonly timeoutMs: number;
  private readonly log: ClientLogger | undefined;
  private readonly onCall: ((call: CallRecord) => void) | undefined;

  constructor(opts: ShardClientOptions) {
    // one rule for every client built on this one (recipients, queues, the gateway)
    if (opts.shardCount !== undefined && (!Number.isInteger(opts.shardCount) || opts.shardCount < 1)) {
      throw new RangeError(`shardCount must be a positive integer, got ${opts.shardCount}`);
    }
    this.caller = opts.caller;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = opts.logger;
    this.onCall = opts.onCall;
    this.shards = createShardCount({
      logger: opts.logger,
      override: opts.shardCount,
      fetch: async () => (await this.directory({ type: 'cluster_info' })).shard_count,
    });
  }

  /** A directory request (`qubicle.directory`); resolves with the reply's data. Checked before it is sent. */
  async directory<R extends DirectoryRequest>(request: R, o: SendOptions = {}): Promise<DirectoryReplyOf<R>> {
    const v = validateDirectoryRequest(request);
    if (!v.ok) throw new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details: v.details });
    return (await this.send(DIRECTORY_QUEUE, request, o)).data as DirectoryReplyOf<R>;
  }

  /** One message to a recipient's shard; `build` makes it for a shard count. */
  toRecipient<M extends ShardMessage>(accountId: string, recipientId: string, build: (shardCount: number) => M, o: SendOptions = {}): Promise<OkReply<ShardReplyOf<M>>> {
    return this.withShardCount((n) => this.send(shardQueue(shardOf(accountId, recipientId, n)), checked(build(n)), o));
  }

  /**
   * `ids` (deduplicated) grouped by shard, one message per group built by `build`, in parallel;
   * the replies merged (each is recipient id → value). `onReply` sees each reply with the ids it
   * answers, as it arrives (the gateway's read model takes their seqs).
   */
  async fanOut<M extends FanOutMessage>(
    accountId: string,
    ids: readonly string[],
    build: (ids: string[], shardCount: number) => M,
    o: SendOptions = {},
    onReply?: (reply: OkReply<ShardReplyOf<M>>, ids: string[]) => void,
  ): Promise<ShardReplyOf<M>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return {} as ShardReplyOf<M>;
    return this.withShardCount(async (n) => {
      const calls: Array<Promise<ShardReplyOf<M>>> = [];
      for (const [shard, group] of groupByShard(accountId, unique, n)) {
        for (let i = 0; i < group.length; i += FAN_OUT_CHUNK) {
          const chunk = group.slice(i, i + FAN_OUT_CHUNK);
          calls.push(
            this.send(shardQueue(shard), checked(build(chunk, n)), o).then((reply) => {
              onReply?.(reply, chunk);
              return reply.data;
            }),
          );
        }
      }
      return Object.assign({}, ...(await Promise.all(calls))) as ShardReplyOf<M>;
    });
  }

  /**
   * One message to a running queue (its shard: `shardOf(account_id, queue_id)`, the same hash as
   * recipients'); `build` makes it for a shard count. Checked before it is sent, reply validated.
   */
  toQueue<M extends QueueMessage>(accountId: string, queueId: string, build: (shardCount: number) => M, o: SendOptions = {}): Promise<OkReply<QueueReplyOf<M>>> {
    return this.toShardOf(accountId, queueId, build, o);
  }

  /** One message to the owner of a caller session (its shard: `shardOf(account_id, call_id)`), as toQueue. */
  toSession<M extends QueueMessage & { call_id: string }>(accountId: string, callId: string, build: (shardCount: number) => M, o: SendOptions = {}): Promise<OkReply<QueueReplyOf<M>>> {
    return this.toShardOf(accountId, callId, build, o);
  }

  private toShardOf<M extends QueueMessage>(accountId: string, key: string, build: (shardCount: number) => M, o: SendOptions): Promise<OkReply<QueueReplyOf<M>>> {
    return this.withShardCount((n) => {
      const body = build(n);
      const v = validateQueueMessage(body);
      if (!v.ok) throw new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details: v.details });
      return this.send(shardQueue(shardOf(accountId, key, n)), body, o);
    });
  }

  /** One RPC: the reply validated (envelope and data). See the file's comment for what it throws. */
  async send<M extends ShardMessage | DirectoryRequest | QueueMessage>(queue: string, body: M, o: SendOptions = {}): Promise<OkReply<ReplyOf<M>>> {
    const started = performance.now();
    try {
      const reply = await this.sendOnce(queue, body, o);
      this.onCall?.({ type: body.type, queue, durationMs: performance.now() - started });
      return reply as OkReply<ReplyOf<M>>;
    } catch (error) {
      this.onCall?.({ type: body.type, queue, durationMs: performance.now() - started, error });
      throw error;
    }
  }

  private async sendOnce(queue: string, body: ShardMessage | DirectoryRequest | QueueMessage, o: SendOptions): Promise<OkReply<unknown>> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    const opts: RpcCallOptions = o.requestId !== undefined ? { timeoutMs, requestId: o.requestId } : { timeoutMs };
    let raw: unknown;
    let guard: ReturnType<typeof setTimeout> | undefined;
    try {
      raw = await Promise.race([
        this.caller.call(queue, body, opts),
        new Promise<never>((_, reject) => {
          guard = setTimeout(() => reject(new QubicleFailure({ code: 'timeout', message: 'no worker answered in time' })), timeoutMs + GUARD_MS);
        }),
      ]);
    } catch (err) {
      throw callerFailure(err);
    } finally {
      if (guard) clearTimeout(guard);
    }
    const reply = validateRpcReply(raw);
    if (!reply.ok) throw new InvalidReplyError(body.type, queue, reply.details);
    if (!reply.value.ok) throw new QubicleFailure(reply.value.error);
    const data =
      queue === DIRECTORY_QUEUE
        ? validateDirectoryReply(body.type, reply.value.data)
        : isQueueMessageType(body.type)
          ? validateQueueReply(body.type, reply.value.data)
          : validateShardReply(body.type, reply.value.data);
    if (!data.ok) throw new InvalidReplyError(body.type, queue, data.details);
    const { ok: _ok, ...rest } = reply.value;
    return rest;
  }

  /** Runs `send(shardCount)`; on `shard_mismatch` asks the cluster for the count and runs it ONCE more. */
  private async withShardCount<T>(send: (shardCount: number) => Promise<T>): Promise<T> {
    const n = await this.shards.ensure();
    try {
      return await send(n);
    } catch (err) {
      if (!(err instanceof QubicleFailure) || err.error.code !== 'shard_mismatch') throw err;
      this.log?.warn({ shard_count: n, worker: err.error }, 'shard_mismatch: refreshing the shard count');
      return send(await this.shards.refresh());
    }
  }
}

type ReplyOf<M> = M extends ShardMessage ? ShardReplyOf<M> : M extends DirectoryRequest ? DirectoryReplyOf<M> : M extends QueueMessage ? QueueReplyOf<M> : never;

/** Recipient ids by shard, in first-seen order. */
export function groupByShard(accountId: string, ids: readonly string[], shardCount: number): Map<number, string[]> {
  const byShard = new Map<number, string[]>();
  for (const id of ids) {
    const s = shardOf(accountId, id, shardCount);
    const group = byShard.get(s);
    if (group) group.push(id);
    else byShard.set(s, [id]);
  }
  return byShard;
}

/** An outgoing message is checked against its contract first: a bad one throws invalid_data and nothing is sent. */
function checked<M extends ShardMessage>(body: M): M {
  const v = validateShardMessage(body);
  if (!v.ok) throw new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details: v.details });
  return body;
}
