/**
 * The durable state of every logged-in recipient, fenced by the shard leases, with its outbox and
 * the tombstones of logged-out recipients. Written only by the actors of the shard's owner.
 *
 * ## Fencing
 * Every write of recipient state carries the writer's `Fence` {shard, epoch, node}. A write
 * (`saveRecipients`, `logoutRecipient`) throws StoreError('fenced') and writes nothing when the
 * shard's current lease is owned by someone else (or by nobody), or has an epoch greater than
 * `fence.epoch` (store/fencing.ts, `leaseAllowsWrite`): the writer has lost the shard and must
 * stop. `claimShard` is called by a new owner right after acquiring a lease and before loading;
 * after it, no write with an older epoch can touch that shard's recipients. How each adapter makes
 * the check atomic with the write is said in its fencing.ts (SQLite: the same IMMEDIATE
 * transaction; MongoDB: a multi-document transaction on a replica set, else a per-document epoch
 * stamped by `claimShard`; memory: one synchronous step).
 *
 * ## The outbox
 * Every recipient write carries the events of the change (`events`), and the store records them
 * in the SAME atomic write as the state. The worker's relay (actor/outbox-relay.ts) publishes
 * them, then `deleteOutbox`es them once the broker confirmed; a new owner of a shard publishes
 * what `listOutbox` still holds before it consumes commands. So an acknowledged change's events
 * reach the bus even if the broker (or the node) fails in between (docs/bus.md, Guarantees).
 *
 * ## Logout
 * `logoutRecipient` replaces the state by a tombstone that remembers the recipient's last command
 * ids until `forget_at` (`loadLoggedOut`), so that a replayed command is not applied again after a
 * logout, and keeps the logout's events in the outbox like any other write.
 */
import type { RecipientEvent } from '@qubicle/contracts';
import type { StoreError } from '../errors.js';
import type { Fence, LoggedOutRecipient, OutboxKey, RecipientLogout, RecipientWrite, StoredRecipient } from '../records.js';

export interface RecipientStore {
  // recipient durable state (only logged-in recipients have one)
  loadRecipient(accountId: string, recipientId: string): Promise<StoredRecipient | null>;
  /** Ordered by account_id, recipient_id. */
  listRecipientsByShard(shard: number): Promise<StoredRecipient[]>;
  countRecipientsByShard(): Promise<Map<number, number>>;
  /**
   * Upserts, all or nothing; fenced. Each write's events go to the outbox atomically with its
   * state. Every write's shard must equal fence.shard (RangeError otherwise).
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
   * (replacing an earlier one), records the events in the outbox and appends the session (the
   * SessionStore's record) in the same atomic write — except on a standalone MongoDB server (no
   * transactions), which appends it first as its own idempotent write: the history may then
   * briefly hold a session whose logout failed; the retry replaces it. Purges the shard's
   * tombstones whose `forget_at` is before `logout.now` and whose events are published.
   */
  logoutRecipient(logout: RecipientLogout, fence: Fence): Promise<void>;
  /** The tombstone of a logged-out recipient, unless there is none or its forget_at <= now. */
  loadLoggedOut(accountId: string, recipientId: string, now: number): Promise<LoggedOutRecipient | null>;

  /**
   * Called by a new owner right after acquiring, before loading: makes every later write with
   * an older epoch for that shard fail. StoreError('fenced') if the fence does not hold the lease.
   */
  claimShard(shard: number, fence: Fence): Promise<void>;

  // the outbox (events recorded with the state, not yet confirmed by the broker)
  /** The shard's recorded events, each recipient's in seq order (a new owner publishes them first). */
  listOutbox(shard: number): Promise<RecipientEvent[]>;
  /**
   * The broker confirmed these: removes each one and every earlier (lower seq) event of the same
   * recipient from the outbox. Not fenced (removing what is published is right whoever does it);
   * keys that are not (any more) in the outbox are ignored.
   */
  deleteOutbox(published: readonly OutboxKey[]): Promise<void>;
}
