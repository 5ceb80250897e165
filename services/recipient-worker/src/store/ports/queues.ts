/**
 * The queues' aggregate: queue documents (queues.md §2), each queue's roster (the recipients who
 * take its calls) and its per-queue roles (managers). Written and read by the directory handler;
 * the queue process reads a queue's document and roster. A queue's roster and roles live and die
 * with it: deleteQueue removes all three at once.
 *
 * Rosters and managers are answered sorted without duplicates (contracts `normaliseRoster`), the
 * same on every adapter. Bounds (MAX_QUEUE_ROSTER, MAX_QUEUES_PER_ACCOUNT) are the directory's
 * to enforce before writing; the store keeps what it is given.
 */
import type { QueueDoc, QueueMembership, QueueRoles, QueueRosters } from '@qubicle/contracts';

/** A queue document as stored: the document (its `id` is the queue id), its account and revision. */
export interface StoredQueue {
  account_id: string;
  doc: QueueDoc;
  /** CouchDB-style "<generation>-<32 hex>", a new one at every write. */
  rev: string;
  /** ms since epoch */
  created: number;
  modified: number;
}

export interface QueueStore {
  /** Stable order: name (case-insensitive, then exact), then id. */
  listQueues(accountId: string): Promise<StoredQueue[]>;
  getQueue(accountId: string, queueId: string): Promise<StoredQueue | null>;
  countQueues(accountId: string): Promise<number>;
  /** conflict if a queue with this id exists (in any account). rev = "1-<hex>"; no roster, no roles. */
  createQueue(accountId: string, doc: QueueDoc): Promise<StoredQueue>;
  /** not_found: no such queue in the account; expectedRev given and not the stored rev → conflict. Roster and roles are kept. */
  updateQueue(accountId: string, doc: QueueDoc, expectedRev: string | null): Promise<StoredQueue>;
  /** Removes the queue, its roster and its roles in one operation; false if there was none. */
  deleteQueue(accountId: string, queueId: string): Promise<boolean>;

  /** The queue's members (sorted), or null when the queue does not exist. */
  getRoster(accountId: string, queueId: string): Promise<string[] | null>;
  /** Replaces the roster (duplicates count once) and answers it sorted; not_found if the queue does not exist. */
  setRoster(accountId: string, queueId: string, recipientIds: readonly string[]): Promise<string[]>;
  /** Every queue of the account → its members (a queue with none → []). */
  listRosters(accountId: string): Promise<QueueRosters>;
  /**
   * recipient → the queues (sorted) whose roster names them. With `recipientIds`: exactly those
   * (one on no queue → []); without: every recipient on some queue's roster.
   */
  listMembership(accountId: string, recipientIds?: readonly string[]): Promise<QueueMembership>;

  /** The queue's roles (no roles yet → `{managers: []}`), or null when the queue does not exist. */
  getQueueRoles(accountId: string, queueId: string): Promise<QueueRoles | null>;
  /** Replaces the roles (managers sorted, no duplicates); not_found if the queue does not exist. */
  setQueueRoles(accountId: string, queueId: string, roles: QueueRoles): Promise<QueueRoles>;

  /** Takes a user off every roster and manager list of the account's queues (the user was deleted). Idempotent. */
  forgetQueueMember(accountId: string, userId: string): Promise<void>;
}
