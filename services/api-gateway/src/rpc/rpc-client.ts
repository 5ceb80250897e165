/**
 * The gateway's RPC client: the shard client of @qubicle/client (routing, fan-out and merge, the
 * one shard_mismatch retry, shard-count discovery, reply validation, bus failures as 504 timeout /
 * 503 unavailable, a call never longer than RPC_TIMEOUT_MS plus a small guard) with the gateway's
 * own hooks on top: RPC metrics by message type and outcome, and the read model, which every
 * command reply (status + seq) updates before the route answers (read your writes).
 */
import { randomUUID } from 'node:crypto';
import { QubicleFailure, type BulkStatusData, type CommandBase, type DirectoryRequest, type RecipientCommand, type RecipientStatus } from '@qubicle/contracts';
import { InvalidReplyError, QueueBusClient, ShardClient, type CallRecord, type ShardCount } from '@qubicle/client';
import type { Bus, Logger } from '@qubicle/transport';
import { failures } from '../crossbar/errors.js';
import type { GatewayMetrics, RpcOutcome } from '../metrics.js';
import type { RecipientReadModel } from '../read-model/read-model.js';
import type { CommandInput, CommandReply, DirectoryReplyOf } from './messages.js';

/** Per-request context of a call. */
export interface CallContext {
  /** forwarded as the message's x-request-id */
  requestId?: string;
  /** who asked (from the token) */
  by?: CommandBase['by'];
}

/** What one command of a request carries besides the route's input (routes/write-conditions.ts). */
export interface CommandOptions {
  /** The id derived from the request's Idempotency-Key; a fresh one otherwise. */
  commandId?: string | undefined;
  /** If-Match: apply only at this status revision (checked by the worker). */
  expectedRevision?: number | undefined;
  /** Why (the body's audit_reason): kept in the audit trail. */
  auditReason?: string | undefined;
}

export interface GatewayRpc {
  /** One command to one recipient's shard. Resolves with the reply's data (the recipient's status). */
  callShard(accountId: string, recipientId: string, command: CommandInput, call?: CallContext, options?: CommandOptions): Promise<CommandReply>;
  /** Statuses of many recipients: ONE get_status_many per shard, in parallel, merged. */
  getStatusMany(accountId: string, recipientIds: readonly string[], call?: CallContext): Promise<BulkStatusData>;
  callDirectory<R extends DirectoryRequest>(request: R, call?: CallContext): Promise<DirectoryReplyOf<R>>;
  readonly shards: ShardCount;
  /** The shard client underneath (the live view's snapshots use it too). */
  readonly client: ShardClient;
  /** Messages to running queues (status, sessions, a supervisor's action, ensure_started), on the same shard client. */
  readonly queues: QueueBusClient;
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

export function createRpcClient(opts: RpcClientOptions): GatewayRpc {
  const { logger: log } = opts;

  function onCall(call: CallRecord): void {
    if (call.error instanceof InvalidReplyError) log.error({ queue: call.queue, type: call.type, details: call.error.details }, 'invalid rpc reply');
    else if (call.error !== undefined && !(call.error instanceof QubicleFailure)) log.error({ err: call.error, queue: call.queue }, 'rpc call failed');
    if (opts.metrics) {
      const labels = { command: call.type, outcome: call.error === undefined ? 'ok' : rpcOutcomeOf(call.error) };
      opts.metrics.rpcRequests.inc(labels);
      opts.metrics.rpcDuration.observe(labels, call.durationMs / 1000);
    }
  }

  const client = new ShardClient({ caller: opts.bus, timeoutMs: opts.timeoutMs, shardCount: opts.shardCount, logger: log, onCall });

  const callDirectory = <R extends DirectoryRequest>(request: R, call: CallContext = {}) => internal(client.directory(request, { requestId: call.requestId }));

  async function callShard(accountId: string, recipientId: string, command: CommandInput, call: CallContext = {}, options: CommandOptions = {}): Promise<CommandReply> {
    const commandId = options.commandId ?? randomUUID();
    const conditions = {
      ...(options.expectedRevision !== undefined ? { expected_revision: options.expectedRevision } : {}),
      ...(options.auditReason !== undefined ? { audit_reason: options.auditReason } : {}),
    };
    const model = opts.readModel;
    // the ticket before the call: a reply that raced a model reset is not applied (read-model.ts)
    const ticket = model?.ticket(accountId, recipientId);
    const reply = await internal(
      client.toRecipient(
        accountId,
        recipientId,
        (shardCount) =>
          ({ ...command, command_id: commandId, account_id: accountId, recipient_id: recipientId, shard_count: shardCount, ...conditions, ...(call.by ? { by: call.by } : {}) }) as RecipientCommand,
        { requestId: call.requestId },
      ),
    );
    // every gateway command answers the recipient's status at the reply's seq (an actor's reply)
    const status = reply.data as RecipientStatus;
    if (ticket && reply.seq !== undefined) model!.observe(ticket, reply.seq, status);
    return status;
  }

  async function getStatusMany(accountId: string, recipientIds: readonly string[], call: CallContext = {}) {
    const model = opts.readModel;
    if (model?.isActive) return getStatusManyWithModel(model, accountId, recipientIds, call);
    return getStatusManyRpc(accountId, recipientIds, call);
  }

  /** One get_status_many per shard, in parallel; with a model, each status read refreshes it (reply `seqs`). */
  async function getStatusManyRpc(accountId: string, recipientIds: readonly string[], call: CallContext, model?: RecipientReadModel): Promise<BulkStatusData> {
    // tickets before the calls: a reply that raced a model reset is not applied (read-model.ts)
    const tickets = new Map(model ? recipientIds.map((id) => [id, model.ticket(accountId, id)] as const) : []);
    const all = await internal(
      client.fanOut(
        accountId,
        recipientIds,
        (ids, shardCount) => ({ type: 'get_status_many', command_id: randomUUID(), account_id: accountId, recipient_ids: ids, shard_count: shardCount }),
        { requestId: call.requestId },
        (reply, ids) => {
          for (const id of ids) {
            const ticket = tickets.get(id);
            const seq = reply.seqs?.[id];
            const status = reply.data[id];
            if (ticket && seq !== undefined && isLoggedInStatus(status)) model!.observe(ticket, seq, status);
          }
        },
      ),
    );
    // merge in request order; a recipient missing from a reply or without an actor is "not_logged_in"
    const merged: BulkStatusData = {};
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

  const queues = new QueueBusClient({ caller: opts.bus, shardClient: client, service: 'gateway' });
  return { callShard, getStatusMany, callDirectory, shards: client.shards, client, queues };
}

/** What is not a QubicleFailure (a bug in a caller) is a plain 500 (the call's log line has it). */
async function internal<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof QubicleFailure) throw err;
    throw failures.internal('rpc call failed');
  }
}

/** timeout and unavailable are the transport's (or the worker's own timeout/unavailable reply); anything else is an error reply. */
function rpcOutcomeOf(err: unknown): RpcOutcome {
  if (err instanceof QubicleFailure) {
    if (err.error.code === 'timeout') return 'timeout';
    if (err.error.code === 'unavailable') return 'unavailable';
  }
  return 'error';
}

function isLoggedInStatus(s: unknown): s is RecipientStatus {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as { availability_state?: unknown }).availability_state === 'string' &&
    (s as { availability_state: string }).availability_state !== 'Not-Logged-In'
  );
}
