/**
 * A typed client for services that drive recipients over the bus (call queues, media
 * services, the queue simulator), on the shard client (shard-client.ts): it builds each
 * command, sends it to the recipient's shard and returns the validated reply.
 *
 * ```ts
 * const client = new RecipientBusClient({ caller: bus, service: 'my-queue' });
 * const reply = await client.offer(accountId, recipientId, { call, offer_timeout_seconds: 20, wrapup_seconds: 30 });
 * if (reply.accepted) ... else console.log('refused:', reply.reason);
 * ```
 *
 * - An error reply is thrown as a `QubicleFailure` carrying the worker's error (code, message and
 *   fields); a bus failure as a QubicleFailure `timeout` / `unavailable`; `isRetryable(code)` of
 *   the contracts says which are worth re-sending. A reply that does not match its contract is an
 *   `InvalidReplyError`.
 * - Outgoing commands are validated against their contract first (a bad one throws
 *   `QubicleFailure` `invalid_data` and nothing is sent).
 * - The shard count is given, or learnt from the directory (`cluster_info`); on a
 *   `shard_mismatch` reply the same command (same `command_id`: a worker applies a command id at
 *   most once) is re-sent once with the cluster's count.
 * - Pass `commandId` to retry a command after a timeout without risking applying it twice.
 */
import {
  newKazooId,
  type BulkStatusData,
  type CallInfo,
  type CommandBase,
  type DirectoryReplyOf,
  type DirectoryRequest,
  type OfferReply,
  type QueueFence,
  type RecipientCommand,
  type RecipientStatus,
  type ShardReplyOf,
  type WiretapMode,
} from '@qubicle/contracts';
import type { ClientLogger, RpcCaller } from './rpc-caller.js';
import { ShardClient, DEFAULT_TIMEOUT_MS, type SendOptions } from './shard-client.js';

/** What a typed bus client (recipients, queues) is built from: the caller and its defaults. */
export interface BusClientOptions {
  caller: RpcCaller;
  /** The cluster's shard count; omitted = asked from the directory (`cluster_info`). */
  shardCount?: number;
  /** Reply timeout of every call (also the message's expiration); default 5000 ms. */
  timeoutMs?: number;
  /** Put in every command as `by.service` (audit, logs). */
  service?: string;
  /** Command ids (default: fresh 32-hex ids). */
  newCommandId?: () => string;
  logger?: ClientLogger;
}

export type RecipientBusClientOptions = BusClientOptions;

/** The shard client a typed client sends through (the shard count checked there). */
export function shardClientOf(opts: BusClientOptions): ShardClient {
  return new ShardClient({ caller: opts.caller, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, shardCount: opts.shardCount, logger: opts.logger });
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
  /** a queue process's lease of its shard: a zombie queue's offer is refused (stale_queue) */
  queue_fence?: QueueFence;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A recipient command without the fields the client fills in. */
export type RecipientCommandInput = DistributiveOmit<RecipientCommand, keyof CommandBase>;

export const DEFAULT_BUS_CLIENT_TIMEOUT_MS = DEFAULT_TIMEOUT_MS;

export class RecipientBusClient {
  /** The shard client underneath (its `shards` is the shard count in use). */
  readonly shardClient: ShardClient;
  private readonly service: string | undefined;
  private readonly newCommandId: () => string;

  constructor(opts: RecipientBusClientOptions) {
    this.shardClient = shardClientOf(opts);
    this.service = opts.service;
    this.newCommandId = opts.newCommandId ?? newKazooId;
  }

  // ---- sessions and availability ------------------------------------------------------------

  /** Not-Logged-In → Away (idempotent). */
  login(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'login' }, o);
  }

  /** Out at once, or deferred (`next_state`) while on a call or in wrap-up; an offer is withdrawn. */
  logout(accountId: string, recipientId: string, o?: BusCallOptions & { reason?: string }): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, o?.reason !== undefined ? { type: 'logout', reason: o.reason } : { type: 'logout' }, o);
  }

  /**
   * ready/away, globally or (with `queueId`) for one queue only. With away: `reason` (a name of the
   * account's away-reason catalogue; unknown → invalid_data) and, globally, `durationSeconds` (a
   * timed break: back to Ready at its end).
   */
  setStatus(
    accountId: string,
    recipientId: string,
    status: 'ready' | 'away',
    o?: BusCallOptions & { queueId?: string; reason?: string; durationSeconds?: number },
  ): Promise<RecipientStatus> {
    return this.command(
      accountId,
      recipientId,
      {
        type: 'set_status',
        status,
        ...(o?.queueId !== undefined ? { queue_id: o.queueId } : {}),
        ...(o?.reason !== undefined ? { reason: o.reason } : {}),
        ...(o?.durationSeconds !== undefined ? { duration_seconds: o.durationSeconds } : {}),
      },
      o,
    );
  }

  /** The status; a recipient who is not logged in answers `availability_state: "Not-Logged-In"`. */
  status(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'get_status' }, o);
  }

  /**
   * Statuses of many recipients: one `get_status_many` per shard, in parallel. Keys follow
   * `recipientIds`; a recipient who is not logged in (or not a recipient) is "not_logged_in".
   */
  async statusMany(accountId: string, recipientIds: readonly string[], o: Omit<BusCallOptions, 'commandId'> = {}): Promise<BulkStatusData> {
    const all = await this.shardClient.fanOut(
      accountId,
      recipientIds,
      (ids, shardCount) => ({ type: 'get_status_many', command_id: this.newCommandId(), account_id: accountId, recipient_ids: ids, shard_count: shardCount }),
      o,
    );
    const out: BulkStatusData = {};
    for (const id of recipientIds) {
      const s = all[id];
      out[id] = s !== undefined && s !== 'not_logged_in' && s.availability_state !== 'Not-Logged-In' ? s : 'not_logged_in';
    }
    return out;
  }

  // ---- calls (sent by queue / media services) -----------------------------------------------

  /** Offers a waiting call. A refusal is an answer (`{accepted:false, reason}`), not an error. */
  offer(accountId: string, recipientId: string, offer: OfferInput, o?: BusCallOptions): Promise<OfferReply> {
    return this.command(accountId, recipientId, { type: 'offer', ...offer }, o);
  }

  /** The recipient answered the offered call `sessionId` (Call-Offer → On-A-Call). */
  answer(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'answer', session_id: sessionId }, o);
  }

  /** The recipient rejected the offered call (a missed call). */
  reject(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'reject', session_id: sessionId }, o);
  }

  /** The offer is taken back: the caller hung up or another recipient won (not a miss). */
  withdraw(
    accountId: string,
    recipientId: string,
    sessionId: string,
    o?: BusCallOptions & { reason?: 'caller_hangup' | 'answered_elsewhere' | 'other' },
  ): Promise<RecipientStatus> {
    return this.command(
      accountId,
      recipientId,
      o?.reason !== undefined ? { type: 'withdraw', session_id: sessionId, reason: o.reason } : { type: 'withdraw', session_id: sessionId },
      o,
    );
  }

  /** The handled call `sessionId` ended: wrap-up of its queue starts. */
  hangup(accountId: string, recipientId: string, sessionId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'hangup', session_id: sessionId }, o);
  }

  /** Wrap-up back to the full amount of the call's queue (refused outside wrap-up). */
  wrapupExtend(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'wrapup_extend' }, o);
  }

  /** Ends wrap-up now (refused outside wrap-up). */
  wrapupCancel(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'wrapup_cancel' }, o);
  }

  /** `recipientId` starts monitoring `targetId` (Pro accounts, monitor permission). */
  monitor(accountId: string, recipientId: string, targetId: string, mode: WiretapMode = 'eavesdrop', o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'monitor', target_id: targetId, mode }, o);
  }

  monitorStop(accountId: string, recipientId: string, o?: BusCallOptions): Promise<RecipientStatus> {
    return this.command(accountId, recipientId, { type: 'monitor_stop' }, o);
  }

  // ---- lower level ----------------------------------------------------------------------------

  /** Any recipient command; resolves with the reply's data (validated against the command's reply schema). */
  async command<I extends RecipientCommandInput>(accountId: string, recipientId: string, input: I, o: BusCallOptions = {}): Promise<ShardReplyOf<I & CommandBase>> {
    const commandId = o.commandId ?? this.newCommandId();
    const by = this.service !== undefined ? { by: { service: this.service } } : {};
    const reply = await this.shardClient.toRecipient(
      accountId,
      recipientId,
      (shardCount) => ({ ...input, command_id: commandId, account_id: accountId, recipient_id: recipientId, shard_count: shardCount, ...by }) as unknown as RecipientCommand,
      o,
    );
    return reply.data as ShardReplyOf<I & CommandBase>;
  }

  /** A directory request (`qubicle.directory`); resolves with the reply's data. */
  directory<R extends DirectoryRequest>(request: R, o: Omit<BusCallOptions, 'commandId'> = {}): Promise<DirectoryReplyOf<R>> {
    return this.shardClient.directory(request, o);
  }

  /** The shard count in use (learnt from the directory if it was not given). */
  shardCount(): Promise<number> {
    return this.shardClient.shards.ensure();
  }
}
