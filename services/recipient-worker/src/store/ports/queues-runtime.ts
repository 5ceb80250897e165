/**
 * The durable state of the RUNNING queues (the queue machine's QueueState, one per queue, fenced
 * by the lease of the queue's shard exactly as recipient state is), the queue events recorded with
 * it (the queue outbox: published in order, then deleted), and the caller sessions (the session
 * machine's state, one per call of an account).
 *
 * Fencing: `saveQueue` / `deleteQueue` throw StoreError('fenced') and write nothing unless the
 * fence holds its shard's lease (store/fencing.ts `checkLease`), atomically with the write.
 * Caller sessions belong to a shard too, `shardOf(account_id, call_id)`, and are written only by
 * that shard's owner (the session host), fenced the same way: `saveCallSession` writes the session
 * with its session events (the shard's session outbox) in one atomic write, or throws
 * StoreError('fenced') and writes nothing. One session per call at a time: a new session of the
 * call (created after the previous one ended) replaces the ended one; its unpublished events stay
 * in the outbox.
 */
import type { QueueEvent, SessionEvent } from '@qubicle/contracts';
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
  /**
   * the change's queue events, recorded in the same atomic write (the queue outbox); an event may
   * carry extra fields (the session report riding on a `leave`: queue/runtime/queue-outbox.ts),
   * kept as written and listed back with it
   */
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

  /** The call's session (the current one: a newer session of the call replaced an ended one). */
  loadCallSession(accountId: string, callId: string): Promise<CallerSessionState | null>;
  /** Fenced upsert of the call's session with its events (the session outbox), one atomic write. */
  saveCallSession(write: CallSessionWrite, fence: Fence): Promise<void>;
  /** The shard's unpublished session events, each session's in seq order. */
  listSessionOutbox(shard: number): Promise<SessionEvent[]>;
  /** Published: removes each and every earlier event of the same session. Not fenced. */
  deleteSessionOutbox(published: readonly SessionOutboxKey[]): Promise<void>;
}

export interface CallSessionWrite {
  session: CallerSessionState;
  /** the session's shard, shardOf(account_id, call_id) */
  shard: number;
  /** the change's session events, recorded in the same atomic write (the session outbox) */
  events: SessionEvent[];
}

export interface SessionOutboxKey {
  account_id: string;
  session_id: string;
  seq: number;
}

/** The session outbox order: account, session, seq. */
export function sessionOutboxOrder(a: SessionEvent, b: SessionEvent): number {
  return a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : a.seq - b.seq;
}

/** The queue outbox order: account, queue, seq. */
export function queueOutboxOrder(a: QueueEvent, b: QueueEvent): number {
  return a.account_id < b.account_id ? -1 : a.account_id > b.account_id ? 1 : a.queue_id < b.queue_id ? -1 : a.queue_id > b.queue_id ? 1 : a.seq - b.seq;
}
