/**
 * The handler of the `qubicle.directory` queue (served by every worker): users/accounts
 * documents and auth look-ups, answered from the store. The gateway never opens the store.
 *
 * Every message is validated against the directory contract first (invalid → `invalid_message`
 * with Crossbar-style details, which never echo a secret field's value: the contracts mark those
 * fields `secret`), then dispatched through DIRECTORY_ROUTES.
 * Errors are replies, never exceptions: the consumer never crashes and never requeues.
 *
 * Nothing here logs a request body: bodies carry passwords, md5 credentials and api keys.
 */
import {
  errorReply,
  okReply,
  validateDirectoryRequest,
  type DirectoryRequest,
  type QubicleError,
  type RpcReply,
  type ShardQueueType,
} from '@qubicle/contracts';
import { DIRECTORY_SENDERS, senderRefusal, type SenderRoles } from '../handlers/senders.js';
import { busAuthNotifier, type AuthNotifier } from './auth-notices.js';
import { defaultCredentialsApi, type CredentialsApi } from './credentials.js';
import { errorOf } from './errors.js';
import { busLogoutRecipient } from './logout.js';
import { busQueueProcess, type QueueProcessNotifier } from './queue-process.js';
import { DIRECTORY_ROUTES, type DirectoryRoute } from './requests/index.js';
import type { ClusterSource, DirectoryBus, DirectoryContext, DirectoryLogger, DirectoryHandlerStore, LogoutRecipient } from './types.js';

export interface DirectoryHandlerOptions {
  store: DirectoryHandlerStore;
  /** Used by the default logoutRecipient only. */
  bus: DirectoryBus;
  logger: DirectoryLogger;
  /** This worker's shard count: routes logout commands; cluster_info's fallback. */
  shardCount: number;
  /** Accepted for symmetry with the worker's options; the directory does not need it (RPC calls need no queue arguments). */
  shardQueueType?: ShardQueueType;
  /** Default: a `logout` command to the recipient's shard queue over `bus` (see logout.ts). */
  logoutRecipient?: LogoutRecipient;
  /** Default: ensure_queues_started / stop_queue to the queue's shard over `bus` (see queue-process.ts). */
  queueProcess?: QueueProcessNotifier;
  /** Node name put in every reply (RpcReply.node), if given. */
  node?: string;
  /** Test seam: the credential functions (default: the real scrypt ones). */
  credentials?: CredentialsApi;
  /** What cluster_view reads; absent = cluster_view answers 'unavailable'. */
  cluster?: ClusterSource;
  /** BUS_SENDERS: answer each request only to a user_id whose role may send it (handlers/senders.ts); absent = anyone */
  senders?: SenderRoles;
  /** Default: auth notices published on AUTH_EXCHANGE over `bus` (see auth-notices.ts). */
  notify?: AuthNotifier;
  /** ms since epoch (default Date.now) */
  clock?: () => number;
}

export interface DirectoryMessage {
  body: unknown;
  requestId?: string;
  /** the AMQP user_id the sender set (validated by the broker) */
  userId?: string;
}

export type DirectoryHandler = (msg: DirectoryMessage) => Promise<RpcReply<unknown>>;

export function createDirectoryHandler(options: DirectoryHandlerOptions): DirectoryHandler {
  const { store, bus, logger, shardCount, node } = options;
  const logoutRecipient = options.logoutRecipient ?? busLogoutRecipient(bus, shardCount);
  const queueProcess = options.queueProcess ?? busQueueProcess(bus, shardCount, logger);
  const credentials = options.credentials ?? defaultCredentialsApi;
  const notify = options.notify ?? busAuthNotifier(bus, logger);
  const now = options.clock ?? Date.now;

  return async (msg) => {
    if (options.senders) {
      const refusal = senderRefusal(options.senders, DIRECTORY_SENDERS, msg.userId, msg.body);
      if (refusal !== undefined) {
        logger.warn({ request_id: msg.requestId, userId: msg.userId?.slice(0, 64), reason: refusal }, 'directory: request refused, sender not allowed');
        return errorReply({ code: 'forbidden', message: refusal }, node);
      }
    }
    const validation = validateDirectoryRequest(msg.body);
    if (!validation.ok) {
      const details = validation.details;
      const type = (msg.body as { type?: unknown } | null)?.type;
      logger.warn(
        { request_id: msg.requestId, type: typeof type === 'string' ? type.slice(0, 64) : undefined, fields: Object.keys(details) },
        'directory: invalid request',
      );
      // QubicleError's invalid_message has no `details` member yet; the wire carries it anyway.
      const error = { code: 'invalid_message', message: 'invalid directory request', details } as QubicleError;
      return errorReply(error, node);
    }
    const request: DirectoryRequest = validation.value;
    const ctx: DirectoryContext = { store, logger, credentials, logoutRecipient, queueProcess, notify, now, shardCount };
    if (msg.requestId !== undefined) ctx.requestId = msg.requestId;
    if (options.cluster) ctx.cluster = options.cluster;
    if (node !== undefined) ctx.node = node;
    const route = DIRECTORY_ROUTES[request.type] as DirectoryRoute<DirectoryRequest['type']>;
    try {
      return okReply(await route(request, ctx), node);
    } catch (err) {
      return errorReply(errorOf(err, logger, { request_id: msg.requestId, type: request.type }), node);
    }
  };
}
