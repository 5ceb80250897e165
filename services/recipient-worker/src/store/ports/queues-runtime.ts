/**
 * The durable state of the RUNNING queues (the queue machine's QueueState, one per queue, fenced
 * by the lease of the queue's shard exactly as recipient state is), the queue events recorded with
 * it (the queue outbox: published in order, then deleted), and the caller sessions (the session
 * machine's state, one per call of an account).
 *
 * Fencing: `saveQueue` / `deleteQueue` throw StoreError('fenced') and write nothing unless the
 * fence holds its shard's lease (store/fencing.ts `checkLease`), atomically with the write.
 * Caller sessions are not fenced: a session is created by whichever worker takes `create_session`
 * (insert-if-absent: one session per call), and afterwards written only by the holder of its
 * queue's shard; `saveCallSession` refuses to move a session backwards (an older `seq`, or out of
 * `ended`).
 */
import type { QueueEvent } from '@qubicle/contracts';
import type { MemberView, QueuedSession, QueueState } from '../../queue/machine/types.js';
import type { CallerSessionState } from '../../queue/session/types.js';
import type { Fence } from '../records.js';

export interface StoredQueue {
  state: QueueState;
  shard: number;
  /** the epoch it was last written under */
  epoch: number;
}

export interface QueueWrite {
  state: QueueState;
  shard: number;
  /** the change's queue events, recorded in the same atomic write (the queue outbox) */
  events: QueueEvent[];
  /**
   * What changed since the state the writer loaded or last wrote (queue/runtime/state-changes.ts):
   * an adapter that keeps members and callers as rows writes only these (a queue with 10,000
   * callers would otherwise serialise all of them on every change). A hint: `state` is always the
   * whole truth, and an adapter writes it whole when it has no rows yet or the stored `seq` is not
   * `base_seq` (the changes are not relative to what it holds); absent = write it whole.
   */
  changes?: QueueChanges;
}

/** The members and callers a write changed (new or replaced objects) or removed (ids). */
export interface QueueChanges {
  /** the `seq` of the state these changes are relative to */
  base_seq: number;
  members: RowChanges<MemberView>;
  sessions: RowChanges<QueuedSession>;
}

export interface RowChanges<T> {
  put: T[];
  removed: string[];
}

export interface QueueOutboxKey {
  account_id: string;
  queue_id: string;
  seq: number;
}

export interface QueueRuntimeStore {
  loadQueue(accountId: string, queueId: string): Promise<StoredQueue | null>;
  /** Ordered by account_id, queue_id. */
  listQueuesByShard(shard: number): Promise<StoredQueue[]>;
  /** Fenced upsert of the state with its events. */
  saveQueue(write: QueueWrite, fence: Fence): Promise<void>;
  /** Fenced: the queue was deleted; its last events are recorded. */
  deleteQueue(accountId: string, queueId: string, shard: number, events: QueueEvent[], fence: Fence): Promise<void>;
  /** The shard's unpublished queue events, each queue's in seq order. */
  listQueueOutbox(shard: number): Promise<QueueEvent[]>;
  /** Published: removes each and every earlier event of the same queue. Not fenced. */
  deleteQueueOutbox(published: readonly QueueOutboxKey[]): Promise<void>;

  /** Inserts the session unless the account already has one for that call; returns the stored one. */
  createCallSession(session: CallerSessionState): Promise<CallerSessionState>;
  loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null>;
  /** Upsert; an older seq than the stored one, or a change of an ended session, is ignored (false). */
  saveCallSession(session: CallerSessionState): Promise<boolean>;
}

/** Whether `next` may replace `stored` (sessions only move forward). */
export function sessionMayReplace(stored: CallerSessionState | null | undefined, next: CallerSessionState): boolean {
  if (!stored) return true;
  if (stored.phase === 'ended' && JSON.stringify(stored) !== JSON.stringify(next)) return false;
  return next.seq >= stored.seq;
}

/** The queue outbox order: account, queue, seq. */
export function queueOutboxOrder(a: QueueEvent, b: QueueEvent): number {
  return a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : a.queue_id < b.queue_id ? -1 : a.queue_id > b.queue_id ? 1 : a.seq - b.seq;
}
