/**
 * A typed client for services that drive recipients over the bus (call queues, media
 * services, the queue simulator): it builds each command, computes the recipient's shard
 * with `shardOf`, sends it as an RPC to that shard's queue and checks the reply.
 *
 * Contracts do no I/O: the RPC itself is done by an INJECTED caller, e.g. a
 * `@qubicle/transport` Bus (`bus.call` has exactly this shape):
 *
 * ```ts
 * const client = new RecipientBusClient({ caller: bus, service: 'my-queue' });
 * const reply = await client.offer(accountId, recipientId, { call, offer_timeout_seconds: 20, wrapup_seconds: 30 });
 * if (reply.accepted) ... else console.log('refused:', reply.reason);
 * ```
 *
 * - Every reply is validated (`validateRpcReply`); an error reply is thrown as a
 *   `QubicleFailure` carrying the worker's error (code, message and fields).
 * - The caller's own failures (a `TransportError`: timeout, unroutable, disconnected...) are
 *   passed through unchanged.
 * - Outgoing commands are validated against their contract first (a bad one throws
 *   `QubicleFailure` `invalid_data` and nothing is sent).
 * - The shard count is given, or learnt once from the directory (`cluster_info`). On a
 *   `shard_mismatch` reply the client adopts the count the worker names and re-sends the
 *   same command (same `command_id`: a worker applies a command id at most once).
 * - Pass `commandId` to retry a command after a timeout without risking applying it twice.
 */
import { QubicleFailure, type QubicleError } from '../errors.js';
import { newKazooId } from '../ids.js';
import { DIRECTORY_QUEUE, shardQueue } from '../names.js';
import { shardOf } from '../shard.js';
import type { WiretapMode } from '../recipient/availability.js';
import type { CallInfo } from '../recipient/call-info.js';
import type { BulkStatusData, RecipientStatus } from '../http/responses/recipient-status.js';
import { validateRpcReply } from './rpc-reply.js';
import type { CommandBase } from './commands/command-base.js';
import type { GetStatusManyCommand } from './commands/get-status-many.js';
import type { OfferReply } from './commands/offer.js';
import { validateShardMessage, type RecipientCommand } from './commands/shard-command.js';
import type { ClusterInfo } from './directory/cluster-info.js';
import { validateDirectoryRequest, type DirectoryRequest } from './directory/directory-request.js';

/** The one thing the client needs from a bus: an RPC to a queue (a transport `Bus` fits). */
export interface RpcCaller {
  call(queue: string, body: unknown, opts: { timeoutMs: number; requestId?: string }): Promise<unknown>;
}

export interface RecipientBusClientOptions {
  caller: RpcCaller;
  /** The cluster's shard count; omitted = asked once from the directory (`cluster_info`). */
  shardCount?: number;
  /** Reply timeout of every call (also the message's expiration); default 5000 ms. */
  timeoutMs?: number;
  /** Put in every command as `by.service` (audit, logs). */
  service?: string;
  /** Command ids (default: fresh 32-hex ids). */
  newCommandId?: () => string;
}

export interface BusCallOptions {
  /** Sent as the message's x-request-id (correlates logs). */
  requestId?: string;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  /** Re-use the id of an earlier attempt to retry a command safely (it is applied at most once). */
  commandId?: string;
}

/** What a queue offers: the call and the queue's offer timeout and wrap-up. */
export interface OfferInput {
  call: CallInfo;
  offer_timeout_seconds: number;
  wrapup_seconds: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A recipient command without the fields the client fills in. */
export type RecipientCommandInput = DistributiveOmit<RecipientCommand, keyof CommandBase>;

export const DEFAULT_BUS_CLIENT_TIMEOUT_MS = 5_000;
/** get_status_many takes at most this many ids per message. */
const STATUS_MANY_CHUNK = 1000;

export class RecipientBusClient {
  private readonly caller: RpcCaller;
  private readonly timeoutMs: number;
  private readonly service: string | undefined;
  private readonly newCommandId: () => string;
  private knownShardCount: number | undefined;
  private learning: Promise<number> | undefined;

  constructor(opts: RecipientBusClientOptions) {
    if (opts.shardCount !== undefined && (!Number.isInteger(opts.shardCount) || opts.shardCount < 1)) {
      throw new RangeError(`shardCount must be a positive integer, got ${opts.shardCount}`);
    }
    this.caller = opts.caller;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_BUS_CLIENT_TIMEOUT_MS;
    this.service = opts.service;
    this.newCommandId = opts.newCommandId ?? newKazooId;
    this.knownShardCount = opts.shardCount;
  }

  // ---- sessions and availability ------------------------------------------------------------

  /** Not-Logged-In → Away (idempotent). */
  login(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('login', accountId, recipientId, { type: 'login' }, o);
  }

  /** Out at once, or deferred (`next_state`) while on a call or in wrap-up; an offer is withdrawn. */
  logout(accountId: string, recipientId: string, o?: BusCallOptions & { reason?: string }): Promise<RecipientStatus> {
    const cmd: RecipientCommandInput = o?.reason !== undefined ? { type: 'logout', reason: o.reason } : { type: 'logout' };
    return this.statusReply('logout', accountId, recipientId, cmd, o);
  }

  /** ready/away, globally or (with `queueId`) for one queue only. */
  setStatus(accountId: string, recipientId: string, status: 'ready' | 'away', o?: BusCallOptions & { queueId?: string }): Promise<RecipientStatus> {
    const cmd: RecipientCommandInput = o?.queueId !== undefined ? { type: 'set_status', status, queue_id: o.queueId } : { type: 'set_status', status };
    return this.statusReply('set_status', accountId, recipientId, cmd, o);
  }

  /** The status; a recipient who is not logged in answers `availability_state: "Not-Logged-In"`. */
  status(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('get_status', accountId, recipientId, { type: 'get_status' }, o);
  }

  /**
   * Statuses of many recipients: one `get_status_many` per shard, in parallel. Keys follow
   * `recipientIds`; a recipient who is not logged in (or not a recipient) is "not_logged_in".
   */
  async statusMany(accountId: string, recipientIds: readonly string[], o: Omit<BusCallOptions, 'commandId'> = {}): Promise<BulkStatusData> {
    const ids = [...new Set(recipientIds)];
    if (ids.length === 0) return {};
    const all = await this.withShardCount(async (shardCount) => {
      const byShard = new Map<number, string[]>();
      for (const id of ids) {
        const shard = shardOf(accountId, id, shardCount);
        const group = byShard.get(shard) ?? [];
        group.push(id);
        byShard.set(shard, group);
      }
      const messages: Array<{ shard: number; body: GetStatusManyCommand }> = [];
      for (const [shard, group] of byShard) {
        for (let i = 0; i < group.length; i += STATUS_MANY_CHUNK) {
          messages.push({
            shard,
            body: {
              type: 'get_status_many',
              command_id: this.newCommandId(),
              account_id: accountId,
              recipient_ids: group.slice(i, i + STATUS_MANY_CHUNK),
              shard_count: shardCount,
            },
          });
        }
      }
      const replies = await Promise.all(messages.map((m) => this.send(shardQueue(m.shard), checkShardMessage(m.body), o)));
      return Object.assign({}, ...replies.map((r) => (typeof r === 'object' && r !== null ? r : {}))) as Record<string, unknown>;
    });
    const out: BulkStatusData = {};
    for (const id of recipientIds) {
      const s = all[id];
      out[id] =
        typeof s === 'object' && s !== null && (s as RecipientStatus).availability_state !== 'Not-Logged-In' ? (s as RecipientStatus) : 'not_logged_in';
    }
    return out;
  }

  // ---- calls (sent by queue / media services) -----------------------------------------------

  /** Offers a waiting call. A refusal is an answer (`{accepted:false, reason}`), not an error. */
  async offer(accountId: string, recipientId: string, offer: OfferInput, o?: BusCallOptions): Promise<OfferReply> {
    const data = await this.command(accountId, recipientId, { type: 'offer', ...offer }, o);
    if (typeof data !== 'object' || data === null || typeof (data as { accepted?: unknown }).accepted !== 'boolean') {
      throw invalidReply('offer');
    }
    return data as OfferReply;
  }

  /** The recipient answered the offered call `sessionId` (Call-Offer → On-A-Call). */
  answer(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('answer', accountId, recipientId, { type: 'answer', session_id: sessionId }, o);
  }

  /** The recipient rejected the offered call (a missed call). */
  reject(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('reject', accountId, recipientId, { type: 'reject', session_id: sessionId }, o);
  }

  /** The offer is taken back: the caller hung up or another recipient won (not a miss). */
  withdraw(
    accountId: string,
    recipientId: string,
    sessionId: string,
    o?: BusCallOptions & { reason?: 'caller_hangup' | 'answered_elsewhere' | 'other' },
  ): Promise<RecipientStatus> {
    const cmd: RecipientCommandInput =
      o?.reason !== undefined ? { type: 'withdraw', session_id: sessionId, reason: o.reason } : { type: 'withdraw', session_id: sessionId };
    return this.statusReply('withdraw', accountId, recipientId, cmd, o);
  }

  /** The handled call `sessionId` ended: wrap-up of its queue starts. */
  hangup(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('hangup', accountId, recipientId, { type: 'hangup', session_id: sessionId }, o);
  }

  /** Wrap-up back to the full amount of the call's queue (refused outside wrap-up). */
  wrapupExtend(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('wrapup_extend', accountId, recipientId, { type: 'wrapup_extend' }, o);
  }

  /** Ends wrap-up now (refused outside wrap-up). */
  wrapupCancel(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('wrapup_cancel', accountId, recipientId, { type: 'wrapup_cancel' }, o);
  }

  /** `recipientId` starts monitoring `targetId` (Pro accounts, monitor permission). */
  monitor(accountId: string, recipientId: string, targetId: string, mode: WiretapMode = 'eavesdrop', o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('monitor', accountId, recipientId, { type: 'monitor', target_id: targetId, mode }, o);
  }

  monitorStop(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.statusReply('monitor_stop', accountId, recipientId, { type: 'monitor_stop' }, o);
  }

  // ---- lower level ----------------------------------------------------------------------------

  /** Any recipient command; resolves with the reply's data. */
  async command(accountId: string, recipientId: string, input: RecipientCommandInput, o: BusCallOptions = {}): Promise<unknown> {
    const commandId = o.commandId ?? this.newCommandId();
    return this.withShardCount(async (shardCount) => {
      const body: Record<string, unknown> = { ...input, command_id: commandId, account_id: accountId, recipient_id: recipientId, shard_count: shardCount };
      if (this.service !== undefined) body['by'] = { service: this.service };
      return this.send(shardQueue(shardOf(accountId, recipientId, shardCount)), checkShardMessage(body), o);
    });
  }

  /** A directory request (`qubicle.directory`); resolves with the reply's data. */
  async directory<T = unknown>(request: DirectoryRequest, o: Omit<BusCallOptions, 'commandId'> = {}): Promise<T> {
    const v = validateDirectoryRequest(request);
    if (!v.ok) throw new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details: v.details });
    return (await this.send(DIRECTORY_QUEUE, request, o)) as T;
  }

  /** The shard count in use (learnt from the directory if it was not given). */
  async shardCount(): Promise<number> {
    if (this.knownShardCount !== undefined) return this.knownShardCount;
    this.learning ??= this.directory<ClusterInfo>({ type: 'cluster_info' })
      .then((info) => {
        if (!Number.isInteger(info?.shard_count) || info.shard_count < 1) throw invalidReply('cluster_info');
        this.knownShardCount = info.shard_count;
        return info.shard_count;
      })
      .finally(() => {
        this.learning = undefined;
      });
    return this.learning;
  }

  private async statusReply(what: string, accountId: string, recipientId: string, input: RecipientCommandInput, o?: BusCallOptions): Promise<RecipientStatus> {
    const data = await this.command(accountId, recipientId, input, o);
    if (typeof data !== 'object' || data === null || typeof (data as { availability_state?: unknown }).availability_state !== 'string') {
      throw invalidReply(what);
    }
    return data as RecipientStatus;
  }

  /** Runs `send(count)`; on shard_mismatch adopts the worker's count and runs it once more. */
  private async withShardCount<T>(send: (shardCount: number) => Promise<T>): Promise<T> {
    const count = await this.shardCount();
    try {
      return await send(count);
    } catch (err) {
      if (!(err instanceof QubicleFailure) || err.error.code !== 'shard_mismatch') throw err;
      this.knownShardCount = err.error.expected;
      return send(err.error.expected);
    }
  }

  private async send(queue: string, body: unknown, o: Omit<BusCallOptions, 'commandId'>): Promise<unknown> {
    const opts: { timeoutMs: number; requestId?: string } = { timeoutMs: o.timeoutMs ?? this.timeoutMs };
    if (o.requestId !== undefined) opts.requestId = o.requestId;
    const raw = await this.caller.call(queue, body, opts);
    const reply = validateRpcReply(raw);
    if (!reply.ok) throw invalidReply(queue);
    if (!reply.value.ok) throw new QubicleFailure(reply.value.error);
    return reply.value.data;
  }
}

function checkShardMessage<T>(body: T): T {
  const v = validateShardMessage(body);
  if (!v.ok) throw new QubicleFailure({ code: 'invalid_data', message: 'invalid data', details: v.details });
  return body;
}

function invalidReply(what: string): QubicleFailure {
  const error: QubicleError = { code: 'internal', message: `invalid reply to ${what}` };
  return new QubicleFailure(error);
}
