import type { AuthNotice } from '@qubicle/contracts';
import type { AuditStore, ClusterStore, DirectoryStore, QueueStore, RecipientStore, SessionStore } from '../store/port.js';
import type { CredentialsApi } from './credentials.js';
import type { QueueProcessNotifier } from './queue-process.js';

/**
 * What the directory handler needs of the store: the directory aggregate, the queues (documents,
 * rosters, roles), whether a recipient is logged in (its state), the session history, and the
 * cluster's meta (shard_count).
 */
export type DirectoryHandlerStore = DirectoryStore &
  QueueStore &
  Pick<RecipientStore, 'loadRecipient'> &
  Pick<SessionStore, 'listSessions'> &
  Pick<AuditStore, 'listAudit'> &
  Pick<ClusterStore, 'getMeta'>;

/** pino-compatible subset (same shape as @qubicle/transport's Logger). */
export interface DirectoryLogger {
  debug(o: object, msg?: string): void;
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

/**
 * The part of the bus the directory uses (same shapes as @qubicle/transport's Bus): an RPC call
 * (logouts), and a publish (auth notices; a bus without one makes the gateways rely on re-checks).
 */
export interface DirectoryBus {
  call(queue: string, body: unknown, opts: { timeoutMs: number; requestId?: string }): Promise<unknown>;
  publish?(exchange: string, routingKey: string, body: unknown, opts?: { requestId?: string }): Promise<void>;
}

/**
 * Asks the recipient's actor to log them out (a user deleted, disabled, or no longer a
 * recipient). Resolves once the actor accepted the logout (on a call or in wrap-up the actor
 * defers it until the call ends, as for any logout) or when the recipient turned out not to be
 * logged in; rejects (QubicleFailure / TransportError) when that could not be established.
 */
export type LogoutRecipient = (
  accountId: string,
  recipientId: string,
  info?: { reason?: string; requestId?: string },
) => Promise<void>;

/** What the cluster_view request reads: the cluster bookkeeping of the store, and the liveness threshold. */
export interface ClusterSource {
  store: Pick<ClusterStore, 'listNodes' | 'listLeases'> & Pick<RecipientStore, 'countRecipientsByShard'>;
  /** A node whose heartbeat is older than this is reported not alive. */
  leaseTtlMs: number;
  /** ms since epoch (default Date.now) */
  now?: () => number;
}

/** What every request handler gets. */
export interface DirectoryContext {
  /** cluster_view's source; absent = that request answers 'unavailable'. */
  cluster?: ClusterSource;
  /** The answering worker's node name, if known. */
  node?: string;
  store: DirectoryHandlerStore;
  logger: DirectoryLogger;
  credentials: CredentialsApi;
  logoutRecipient: LogoutRecipient;
  /** Tells the running queues of a queue write (queue-process.ts); never rejects. */
  queueProcess: QueueProcessNotifier;
  /** Broadcasts an auth notice (after the write it is about); never rejects. */
  notify: AuthNotifier;
  /** ms since epoch (token expiry checks) */
  now(): number;
  /** The shard count this worker was started with (fallback of cluster_info). */
  shardCount: number;
  requestId?: string;
}

/** Sends one auth notice (auth-notices.ts); never rejects. */
export type AuthNotifier = (notice: AuthNotice, requestId?: string) => Promise<void>;
