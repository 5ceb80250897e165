/**
 * The store port of the recipient worker: every directory document (accounts, users),
 * the durable state of every logged-in recipient, the session history, and the cluster's
 * bookkeeping (nodes, shard leases, cluster meta).
 *
 * Two adapters implement it and must behave identically (one contract test suite runs
 * against both): `SqliteStore` (embedded default, several processes may share one file)
 * and `MongoStore` (production cluster).
 *
 * ## Fencing
 * Every write of recipient state carries the writer's `Fence` {shard, epoch, node}. A write
 * (`saveRecipients`, `deleteRecipient`) throws `StoreError('fenced')` and writes nothing when
 * the shard's current lease is owned by someone else (or by nobody), or has an epoch greater
 * than `fence.epoch`: the writer has lost the shard and must stop. `claimShard` is called by a
 * new owner right after acquiring a lease and before loading; after it, no write with an older
 * epoch can touch that shard's recipients. The adapters differ in how they guarantee it (see
 * the comments in each adapter): SQLite checks the lease inside the same IMMEDIATE
 * transaction; MongoDB (no multi-document transactions assumed) checks the lease first and
 * then writes conditionally on a per-document epoch that `claimShard` stamps.
 *
 * It also keeps the jti of every auth token deleted before its expiry (revokeToken), which the
 * directory's `token_check` consults.
 */
import type { AccountDoc, RecipientState, RecipientStats, StoredUser, UserDoc } from '@qubicle/contracts';

export interface Fence {
  shard: number;
  epoch: number;
  node: string;
}

export interface StoredRecipient {
  state: RecipientState;
  shard: number;
  /** Epoch of the lease under which it was last written (or claimed). */
  epoch: number;
  /** ms since epoch of the last write. */
  updated: number;
}

/** Opaque to the store: a 4-hex lookup bucket + a scrypt hash string. Never returned by user reads. */
export interface UserCredentials {
  bucket: string;
  hash: string;
}

/**
 * One finished login session. Keyed by (account_id, recipient_id, login_session_id):
 * appending the same session twice (a redelivered logout) replaces it rather than duplicating it.
 */
export interface SessionRecord {
  account_id: string;
  recipient_id: string;
  login_session_id: string;
  login_time: number;
  logout_time: number;
  stats: RecipientStats;
  node: string;
  reason?: string;
}

export interface Lease {
  shard: number;
  /** null once released. */
  owner: string | null;
  epoch: number;
  /** ms since epoch; 0 once released. */
  expires_at: number;
}

export interface NodeRecord {
  name: string;
  started_at: number;
  heartbeat_at: number;
  info: Record<string, unknown>;
}

export type StoreErrorKind = 'conflict' | 'not_found' | 'fenced' | 'unavailable';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export function isStoreError(err: unknown, kind?: StoreErrorKind): err is StoreError {
  return err instanceof StoreError && (kind === undefined || err.kind === kind);
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  /** Create tables / indexes; idempotent; safe when several processes do it at once. */
  init(): Promise<void>;
  /** Throws StoreError('unavailable') when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // cluster meta (e.g. shard_count)
  /** Returns the value already stored, or stores and returns `value` (the first writer wins). */
  getOrSetMeta<T>(key: string, value: T): Promise<T>;
  getMeta<T>(key: string): Promise<T | undefined>;

  // accounts
  /** StoreError('conflict') if the name (case-insensitive), the api_key or the id exists. */
  createAccount(doc: AccountDoc): Promise<void>;
  getAccount(id: string): Promise<AccountDoc | null>;
  /** Case-insensitive. */
  getAccountByName(name: string): Promise<AccountDoc | null>;
  getAccountByApiKey(apiKey: string): Promise<AccountDoc | null>;
  /** not_found if the id does not exist; conflict if the new name/api_key belongs to another account. */
  updateAccount(doc: AccountDoc): Promise<void>;

  // users (KAZOO users documents)
  /** Stable order: by last_name, first_name (case-insensitive, then exact), then id. */
  listUsers(accountId: string, filter?: { qubicleOnly?: boolean }): Promise<StoredUser[]>;
  getUser(accountId: string, userId: string): Promise<StoredUser | null>;
  /** Case-insensitive; an empty username never matches. */
  getUserByUsername(accountId: string, username: string): Promise<StoredUser | null>;
  /**
   * conflict: the id exists, or the username is taken in that account (case-insensitive).
   * An empty username means "no username" and never conflicts. rev = "1-<hex>".
   */
  createUser(doc: UserDoc, creds: UserCredentials | null): Promise<StoredUser>;
  /**
   * expectedRev given and different from the stored rev → conflict; no such user in
   * doc.account_id → not_found; username taken → conflict. creds: undefined = keep,
   * null = clear. The new rev is "N+1-<hex>"; `created` is kept.
   */
  updateUser(doc: UserDoc, expectedRev: string | null, creds?: UserCredentials | null): Promise<StoredUser>;
  deleteUser(accountId: string, userId: string): Promise<boolean>;
  findUsersByCredentialBucket(accountId: string, bucket: string): Promise<Array<{ user: StoredUser; hash: string }>>;

  // recipient durable state (only logged-in recipients have one)
  loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null>;
  /** Ordered by account_id, recipient_id. */
  listRecipientsByShard(shard: number): Promise<StoredRecipient[]>;
  countRecipientsByShard(): Promise<Map<number, number>>;
  /**
   * Upserts, all in one transaction (SQLite) / one ordered batch (MongoDB); fenced.
   * Every write's shard must equal fence.shard (RangeError otherwise).
   */
  saveRecipients(writes: Array<{ state: RecipientState; shard: number }>, fence: Fence): Promise<void>;
  /**
   * Optional: several shards' `saveRecipients` in one go (the worker's write-behind batcher, one
   * store transaction per tick). Each group is written or refused ON ITS OWN, exactly as
   * `saveRecipients(group.writes, group.fence)` would be: a fenced group writes nothing and the
   * others are still written. Resolves with one outcome per group, in order: null = written, or
   * the StoreError that group got. Throws (nothing written) when the store itself failed.
   * Absent: the batcher calls `saveRecipients` once per group.
   */
  saveRecipientGroups?(groups: Array<{ writes: Array<{ state: RecipientState; shard: number }>; fence: Fence }>): Promise<Array<StoreError | null>>;
  /** Fenced; deleting a recipient that has no state is a no-op. */
  deleteRecipient(accountId: string, recipientId: string, shard: number, fence: Fence): Promise<void>;

  // session history
  appendSession(rec: SessionRecord): Promise<void>;
  /** Newest first (by logout_time); `before` = logout_time exclusive, for paging. */
  listSessions(accountId: string, recipientId: string, opts: { limit: number; before?: number }): Promise<SessionRecord[]>;

  // nodes and shard leases
  /** Registers the node (started_at = now the first time) or refreshes heartbeat_at and info. */
  heartbeatNode(name: string, info: Record<string, unknown>, now: number): Promise<void>;
  listNodes(): Promise<NodeRecord[]>;
  removeNode(name: string): Promise<void>;
  /**
   * Succeeds if the lease is free (never taken or released), expired, or already owned by
   * `node` (then it is a renew, same epoch). The epoch increments on every change of owner
   * (including re-taking after expiry or release). Atomic under races between processes.
   * Returns null when another node holds a valid lease.
   */
  tryAcquireLease(shard: number, node: string, ttlMs: number, now: number): Promise<Lease | null>;
  /** false if `node` is not the owner or the epoch changed. */
  renewLease(shard: number, node: string, epoch: number, ttlMs: number, now: number): Promise<boolean>;
  /** owner = null, keeps the epoch so that the next acquire bumps it. No-op if not owner/epoch. */
  releaseLease(shard: number, node: string, epoch: number): Promise<void>;
  /** Ordered by shard. */
  listLeases(): Promise<Lease[]>;
  /**
   * Called by a new owner right after acquiring, before loading: makes every later write with
   * an older epoch for that shard fail. StoreError('fenced') if the fence does not hold the lease.
   */
  claimShard(shard: number, fence: Fence): Promise<void>;

  // deleted auth tokens (DELETE /v2/token_auth): kept until the token would have expired anyway
  /**
   * Records that the token with this jti was deleted, until `expiresAt` (the token's exp, ms since
   * epoch). Idempotent; recording it again keeps the later expiry. Records already expired at
   * `now` may be purged by the same call (the store never grows past the live tokens).
   */
  revokeToken(tokenId: string, expiresAt: number, now: number): Promise<void>;
  /** true while a record of revokeToken for this jti has not expired at `now`. */
  isTokenRevoked(tokenId: string, now: number): Promise<boolean>;
}
