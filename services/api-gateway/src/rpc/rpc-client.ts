/**
 * The gateway's RPC client over the Bus: recipient commands to their shard queue, directory
 * requests to the directory queue. Every reply is validated; `{ok:false,error}` becomes a thrown
 * QubicleFailure; transport failures become 504 (timeout) or 503 (bus down). A call never takes
 * longer than RPC_TIMEOUT_MS (plus a small guard, in case the bus fails to time out itself).
 */
import { randomUUID } from 'node:crypto';
import {
  DIRECTORY_QUEUE,
  QubicleFailure,
  shardOf,
  shardQueue,
  validateRpcReply,
  type BulkStatusData,
  type CommandBase,
  type DirectoryRequest,
  type GetStatusManyCommand,
  type RecipientStatus,
} from '@qubicle/contracts';
import { isTransportError, type Bus, type Logger } from '@qubicle/transport';
import { failures, transportFailure } from '../crossbar/errors.js';
import type { GatewayMetrics, RpcOutcome } from '../metrics.js';
import type { RecipientReadModel } from '../read-model/read-model.js';
import type { CommandInput, CommandReply, DirectoryReplyOf } from './messages.js';
import { createShardCount, type ShardCount } from './shard-count.js';

/** Per-request context of a call. */
export interface CallContext {
  /** forwarded as the message's x-request-id */
  requestId?: string;
  /** who asked (from the token) */
  by?: CommandBase['by'];
}

export interface GatewayRpc {
  /** One command to one recipient's shard. Resolves with the reply's data (the recipient's status). */
  callShard(accountId: string, recipientId: string, command: CommandInput, call?: CallContext): Promise<CommandReply>;
  /** Statuses of many recipients: ONE get_status_many per shard, in parallel, merged. */
  getStatusMany(accountId: string, recipientIds: readonly string[], call?: CallContext): Promise<BulkStatusData>;
  callDirectory<R extends DirectoryRequest>(request: R, call?: CallContext): Promise<DirectoryReplyOf<R>>;
  readonly shards: ShardCount;
}

export interface RpcClientOptions {
  bus: Pick<Bus, 'call'>;
  logger: Logger;
  timeoutMs: number;
  /** SHARD_COUNT override */
  shardCount?: number | undefined;
  /** RPC duration and outcome by command type (optional). */
  metrics?: Pick<GatewayMetrics, 'rpcRequests' | 'rpcDuration'> | undefined;
  /**
   * The status read model: every command's reply (status + seq) is applied to it before callShard
   * returns, so the route answers after the model holds the write (read your writes).
   */
  readModel?: RecipientReadModel | undefined;
}

/** Extra time given to the bus to report its own timeout before the client gives up on it. */
const GUARD_MS = 250;

export function createRpcClient(opts: RpcClientOptions): GatewayRpc {
  const { bus, logger: log, timeoutMs } = opts;

  async function invoke(queue: string, body: unknown, call: CallContext): Promise<unknown> {
    return (await invokeReply(queue, body, call)).data;
  }

  /** The whole ok reply (data, node, seq, seqs); an error reply is thrown as a QubicleFailure. */
  async function invokeReply(queue: string, body: unknown, call: CallContext): Promise<{ data: unknown; seq?: number; seqs?: Record<string, number> }> {
    const started = performance.now();
    let outcome: RpcOutcome = 'error';
    try {
      const reply = await invokeOnce(queue, body, call);
      outcome = 'ok';
      return reply;
    } catch (err) {
      outcome = rpcOutcomeOf(err);
      throw err;
    } finally {
      if (opts.metrics) {
        const type = (body as { type?: unknown }).type;
        const labels = { command: typeof type === 'string' ? type : 'unknown', outcome };
        opts.metrics.rpcRequests.inc(labels);
        opts.metrics.rpcDuration.observe(labels, (performance.now() - started) / 1000);
      }
    }
  }

  async function invokeOnce(queue: string, body: unknown, call: CallContext): Promise<{ data: unknown; seq?: number; seqs?: Record<string, number> }> {
    let raw: unknown;
    let guard: NodeJS.Timeout | undefined;
    try {
      const callOpts = call.requestId !== undefined ? { timeoutMs, requestId: call.requestId } : { timeoutMs };
      raw = await Promise.race([
        bus.call(queue, body, callOpts),
        new Promise<never>((_, reject) => {
          guard = setTimeout(() => reject(failures.timeout('no worker answered in time')), timeoutMs + GUARD_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof QubicleFailure) throw err;
      if (isTransportError(err)) throw transportFailure(err);
      log.error({ err, queue, request_id: call.requestId }, 'rpc call failed');
      throw failures.internal('rpc call failed');
    } finally {
      if (guard) clearTimeout(guard);
    }
    const reply = validateRpcReply(raw);
    if (!reply.ok) {
      log.error({ queue, request_id: call.requestId, details: reply.details }, 'invalid rpc reply');
      throw failures.internal('invalid reply from a worker');
    }
    if (!reply.value.ok) throw new QubicleFailure(reply.value.error);
    return reply.value;
  }

  const callDirectory = <R extends DirectoryRequest>(request: R, call: CallContext = {}) =>
    invoke(DIRECTORY_QUEUE, request, call) as Promise<DirectoryReplyOf<R>>;

  const shards = createShardCount({
    logger: log,
    override: opts.shardCount,
    fetch: async () => (await callDirectory({ type: 'cluster_info' })).shard_count,
  });

  /** Runs `send(shardCount)`; on `shard_mismatch` refreshes the count once and retries. */
  async function withShardCount<T>(send: (shardCount: number) => Promise<T>): Promise<T> {
    const n = await shards.ensure();
    try {
      return await send(n);
    } catch (err) {
      if (!(err instanceof QubicleFailure) || err.error.code !== 'shard_mismatch') throw err;
      log.warn({ shard_count: n, worker: err.error }, 'shard_mismatch: refreshing the shard count');
      return send(await shards.refresh());
    }
  }

  async function callShard(accountId: string, recipientId: string, command: CommandInput, call: CallContext = {}) {
    const commandId = randomUUID();
    return withShardCount(async (shardCount) => {
      const body = {
        ...command,
        command_id: commandId,
        account_id: accountId,
        recipient_id: recipientId,
        shard_count: shardCount,
        ...(call.by ? { by: call.by } : {}),
      };
      const ticket = opts.readModel?.ticket(accountId, recipientId);
      const reply = await invokeReply(shardQueue(shardOf(accountId, recipientId, shardCount)), body, call);
      // every gateway command answers the recipient's status at the reply's seq (an actor's reply)
      if (ticket && reply.seq !== undefined && isStatus(reply.data)) opts.readModel!.observe(ticket, reply.seq, reply.data);
      return reply.data as CommandReply;
    });
  }

  async function getStatusMany(accountId: string, recipientIds: readonly string[], call: CallContext = {}) {
    const model = opts.readModel;
    if (model?.isActive) return getStatusManyWithModel(model, accountId, recipientIds, call);
    return getStatusManyRpc(accountId, recipientIds, call);
  }

  /** One get_status_many per shard, in parallel; with a model, each status read refreshes it (reply `seqs`). */
  async function getStatusManyRpc(accountId: string, recipientIds: readonly string[], call: CallContext, model?: RecipientReadModel): Promise<BulkStatusData> {
    const found = await withShardCount(async (shardCount) => {
      const byShard = new Map<number, string[]>();
      for (const id of recipientIds) {
        const s = shardOf(accountId, id, shardCount);
        const group = byShard.get(s);
        if (group) group.push(id);
        else byShard.set(s, [id]);
      }
      const replies = await Promise.all(
        [...byShard].map(([shard, ids]) => {
          const command: GetStatusManyCommand = {
            type: 'get_status_many',
            command_id: randomUUID(),
            account_id: accountId,
            recipient_ids: ids,
            shard_count: shardCount,
          };
          // tickets before the call: a reply that raced a model reset is not applied (read-model.ts)
          const tickets = model ? ids.map((id) => [id, model.ticket(accountId, id)] as const) : [];
          return invokeReply(shardQueue(shard), command, call).then((reply) => {
            const data = reply.data as Record<string, unknown> | null;
            for (const [id, ticket] of tickets) {
              const seq = reply.seqs?.[id];
              const status = data?.[id];
              if (ticket && seq !== undefined && isLoggedInStatus(status)) model!.observe(ticket, seq, status);
            }
            return reply.data;
          });
        }),
      );
      return replies;
    });
    // merge in request order; a recipient missing from a reply or without an actor is "not_logged_in"
    const merged: BulkStatusData = {};
    const all = Object.assign({}, ...found.map((r) => (typeof r === 'object' && r !== null ? r : {}))) as Record<string, unknown>;
    for (const id of recipientIds) {
      const s = all[id];
      merged[id] = isLoggedInStatus(s) ? s : 'not_logged_in';
    }
    return merged;
  }

  /**
   * Bulk status through the read model: what it can serve, and the rest as before (one
   * get_status_many per shard, in parallel), whose replies (status + seq per recipient) refresh the
   * model: a wallboard polling idle recipients in bulk is served by the model again after one miss,
   * instead of going to the workers every time once their entries passed READ_MODEL_MAX_AGE_MS.
   */
  async function getStatusManyWithModel(model: RecipientReadModel, accountId: string, recipientIds: readonly string[], call: CallContext): Promise<BulkStatusData> {
    const merged: BulkStatusData = {};
    const missing: string[] = [];
    for (const id of recipientIds) {
      if (merged[id] !== undefined) continue;
      const cached = model.get(accountId, id);
      if (cached) merged[id] = cached;
      else {
        merged[id] = 'not_logged_in';
        missing.push(id);
      }
    }
    if (missing.length === 0) return merged;
    const fetched = await getStatusManyRpc(accountId, missing, call, model);
    for (const id of missing) merged[id] = fetched[id] ?? 'not_logged_in';
    return merged;
  }

  return { callShard, getStatusMany, callDirectory, shards };
}

/** timeout and unavailable are the transport's (or the worker's own timeout/unavailable reply); anything else is an error reply. */
function rpcOutcomeOf(err: unknown): RpcOutcome {
  if (err instanceof QubicleFailure) {
    if (err.error.code === 'timeout') return 'timeout';
    if (err.error.code === 'unavailable') return 'unavailable';
  }
  return 'error';
}

function isStatus(s: unknown): s is RecipientStatus {
  return typeof s === 'object' && s !== null && typeof (s as { availability_state?: unknown }).availability_state === 'string';
}

function isLoggedInStatus(s: unknown): s is RecipientStatus {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as { availability_state?: unknown }).availability_state === 'string' &&
    (s as { availability_state: string }).availability_state !== 'Not-Logged-In'
  );
}
