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
 * ## The outbox
 * Every recipient write carries the events of the change (`events`), and the store records them
 * in the SAME atomic write as the state (SQLite: the same IMMEDIATE transaction, in the `outbox`
 * table; MongoDB: inside the recipient document, one single-document update). The worker's relay
 * (actor/outbox-relay.ts) publishes them, then `deleteOutbox`es them once the broker confirmed; a
 * new owner of a shard publishes what `listOutbox` still holds before it consumes commands. So an
 * acknowledged change's events reach the bus even if the broker (or the node) fails in between
 * (docs/bus.md, Guarantees).
 *
 * ## Logout
 * `logoutRecipient` replaces the state by a tombstone that remembers the recipient's last command
 * ids until `forget_at` (`loadLoggedOut`), so that a replayed command is not applied again after a
 * logout, and keeps the logout's events in the outbox like any other write.
 *
 * ## Auth tokens
 * It also keeps the jti of every auth token deleted before its expiry (revokeToken), which the
 * directory's `token_check` consults.
 */
import type { AccountDoc, RecipientEvent, RecipientState, RecipientStats, StoredUser, UserDoc } from '@qubicle/contracts';

export interface Fence {
  shard: number;
  epoch: number;
  node: string;
}

/** One recipient's new state and the events of the change, written atomically (see "The outbox"). */
export interface RecipientWrite {
  state: RecipientState;
  shard: number;
  /** The change's events, in seq order (all of this recipient). Absent = none. */
  events?: RecipientEvent[];
}

/** A logout: the state goes, a tombstone remembers its command ids, the events and the session are kept. */
export interface RecipientLogout {
  account_id: string;
  recipient_id: string;
  shard: number;
  /** The logout's events (`delete`, and those before it in the same change), in seq order. */
  events: RecipientEvent[];
  /** The session for the history (appendSession's record), written with the logout. */
  session?: SessionRecord;
  /** Command ids to remember after the logout (oldest first), and until when (ms since epoch). */
  recent_commands: string[];
  forget_at: number;
  /** ms since epoch: tombstones of this shard whose forget_at passed are purged by the same write. */
  now: number;
}

/** What is remembered of a recipient after its logout (until forget_at). */
export interface LoggedOutRecipient {
  recent_commands: string[];
  forget_at: number;
}

/** Identifies an outbox event: the recipient and the event's seq. */
export type OutboxKey = Pick<RecipientEvent, 'account_id' | 'recipient_id' | 'seq'>;

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
  /**
   * Calls `listener` when the store, which the adapter itself found unavailable, answers again
   * (SQLite: the lock another process held was released). Returns the unsubscribe. Optional: an
   * adapter that only learns it from the next operation (MongoDB) has none, and the caller's own
   * retries find out.
   */
  onAvailable?(listener: () => void): () => void;

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
   * Upserts, all in one transaction (SQLite) / one ordered batch (MongoDB); fenced. Each write's
   * events go to the outbox atomically with its state (SQLite: same transaction; MongoDB: same
   * document update). Every write's shard must equal fence.shard (RangeError otherwise).
   */
  saveRecipients(writes: RecipientWrite[], fence: Fence): Promise<void>;
  /**
   * Optional: several shards' `saveRecipients` in one go (the worker's write-behind batcher, one
   * store transaction per tick). Each group is written or refused ON ITS OWN, exactly as
   * `saveRecipients(group.writes, group.fence)` would be: a fenced group writes nothing and the
   * others are still written. Resolves with one outcome per group, in order: null = written, or
   * the StoreError that group got. Throws (nothing written) when the store itself failed.
   * Absent: the batcher calls `saveRecipients` once per group.
   */
  saveRecipientGroups?(groups: Array<{ writes: RecipientWrite[]; fence: Fence }>): Promise<Array<StoreError | null>>;
  /**
   * Fenced, atomic like a save: deletes the state (a no-op when there is none), writes the tombstone
   * (replacing an earlier one), records the events in the outbox and, SQLite only, appends the
   * session in the same transaction (MongoDB appends it first, as its own idempotent write: the
   * history may then briefly hold a session whose logout failed; the retry replaces it). Purges
   * the shard's tombstones whose `forget_at` is before `logout.now` and whose events are published.
   */
  logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void>;
  /** The tombstone of a logged-out recipient, unless there is none or its forget_at <= now. */
  loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null>;

  // the outbox (events recorded with the state, not yet confirmed by the broker)
  /** The shard's recorded events, each recipient's in seq order (a new owner publishes them first). */
  listOutbox(shard: number): Promise<RecipientEvent[]>;
  /**
   * The broker confirmed these: removes each one and every earlier (lower seq) event of the same
   * recipient from the outbox. Not fenced (removing what is published is right whoever does it);
   * keys that are not (any more) in the outbox are ignored.
   */
  deleteOutbox(published: readonly OutboxKey[]): Promise<void>;

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
