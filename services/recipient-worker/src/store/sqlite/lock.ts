/**
 * Waiting for another process's SQLite lock WITHOUT blocking the event loop.
 *
 * better-sqlite3 is synchronous: SQLite's own busy handler (`busy_timeout`) sleeps in the calling
 * thread, so while another process holds the database's write lock every write stops the whole
 * worker (its other shards, its timers, its broker heartbeats) for up to that timeout. So SQLite
 * itself only waits a few tens of ms (enough for the short transactions of the other workers that
 * share the file), and a longer wait happens here, asynchronously:
 *
 * - the first operation that meets SQLITE_BUSY marks the lock as HELD and waits (a timer, not a
 *   sleep); from then on every WRITE of this connection is turned back at once (`isHeld`: the
 *   adapter checks it before a write statement or BEGIN IMMEDIATE, without asking SQLite), so
 *   that no other operation blocks the thread either. Reads go on: in WAL mode a writer's lock
 *   does not block readers;
 * - one probe at a time asks for the lock without any busy wait (`busy_timeout = 0`, `BEGIN
 *   IMMEDIATE; ROLLBACK`), after 5, 10, 20 and then every 25 ms (a probe costs ~15 us, so the
 *   store answers again within 25 ms of the lock's release, not after a long poll). When it gets
 *   it, the lock is free: the waiting operations are tried again, in the order they came, and the
 *   `onReleased` listeners are told (the shard manager renews its suspended leases at once
 *   instead of at its next retry);
 * - an operation waits at most `waitMs` from its start, and never beyond `waitMs` after the lock
 *   was first seen held: once a lock has lasted that long, a new write fails at once with
 *   StoreError('unavailable', 'sqlite store locked: …') instead of waiting again. The caller
 *   (an actor, a lease renewal) answers 503 well within the RPC timeout.
 *
 * A retried operation is run again whole, which is safe because SQLITE_BUSY means it changed
 * nothing: every operation of the adapter is one statement or one IMMEDIATE transaction (rolled
 * back when a statement in it fails).
 */
import type { Clock, TimerHandle } from '../../clock.js';
import { StoreError } from '../errors.js';

/** How long SQLite's own (thread-blocking) busy handler may wait for a lock, per attempt. */
export const SQLITE_BUSY_TIMEOUT_MS = 20;
const PROBE_FIRST_MS = 5;
const PROBE_MAX_MS = 25;

/**
 * SQLITE_BUSY*: another connection (another process: each worker has one connection) holds a
 * lock this one needs. Not SQLITE_LOCKED*: that is a conflict inside this connection, which no
 * waiting resolves and which another process has nothing to do with.
 */
export function isBusyCode(code: string | undefined): boolean {
  return code !== undefined && /^SQLITE_BUSY/.test(code);
}

/** Thrown by the adapter for a write while the lock is known to be held (no SQLite call made). */
export class LockHeld extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor() {
    super('database is locked (known held: not asked again)');
    this.name = 'LockHeld';
  }
}

interface Held {
  since: number;
  probes: number;
  timer: TimerHandle | null;
  waiters: Set<() => void>;
}

export interface SqliteLockWaitOptions {
  /** Longest wait of one operation (STORE_TIMEOUT_MS). */
  waitMs: number;
  /** Tries to take the write lock without waiting; true when it was free. */
  probe: () => boolean;
  /** The time and the timers (the system clock's timers never keep a process alive). */
  clock: Clock;
}

export class SqliteLockWait {
  private held: Held | null = null;
  private readonly releasedListeners = new Set<() => void>();

  constructor(private readonly opts: SqliteLockWaitOptions) {}

  /** Calls `listener` each time a lock that was known held is found free again. Returns the unsubscribe. */
  onReleased(listener: () => void): () => void {
    this.releasedListeners.add(listener);
    return () => this.releasedListeners.delete(listener);
  }

  /** Is the lock known to be held by another connection (writes are turned back without asking SQLite)? */
  get isHeld(): boolean {
    return this.held !== null;
  }

  /** An operation met a real SQLITE_BUSY: the lock is held (starts probing if it was not known yet). */
  noteHeld(): void {
    if (this.held) return;
    this.held = { since: this.opts.clock.now(), probes: 0, timer: null, waiters: new Set() };
    this.scheduleProbe(this.held);
  }

  /**
   * Waits until the lock is free (resolves: try again) or the operation's deadline has passed
   * (rejects with StoreError unavailable). `startedAt`: when the operation first tried.
   */
  wait(startedAt: number): Promise<void> {
    const held = this.held;
    if (!held) return Promise.resolve();
    const clock = this.opts.clock;
    const now = clock.now();
    const deadline = Math.min(startedAt, held.since) + this.opts.waitMs;
    if (now >= deadline) return Promise.reject(this.lockedError(held, now - startedAt));
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clock.clearTimer(timer);
        held.waiters.delete(done);
        resolve();
      };
      const timer = clock.setTimer(deadline, done);
      held.waiters.add(done);
    });
  }

  /** The store is closing: wake everyone (their retry meets the closed store). */
  close(): void {
    this.releasedListeners.clear();
    this.release();
  }

  private lockedError(held: Held, waitedMs: number): StoreError {
    const seconds = ((this.opts.clock.now() - held.since) / 1000).toFixed(1);
    return new StoreError(
      'unavailable',
      `sqlite store locked: another process has held the database lock for ${seconds} s (gave up after ${Math.max(0, Math.round(waitedMs))} ms)`,
    );
  }

  private scheduleProbe(held: Held): void {
    const delay = Math.min(PROBE_MAX_MS, PROBE_FIRST_MS * 2 ** held.probes++);
    // (a held lock must not keep a process alive that has nothing else to do: the system clock's timers do not)
    held.timer = this.opts.clock.setTimer(this.opts.clock.now() + delay, () => this.runProbe(held));
  }

  private runProbe(held: Held): void {
    if (this.held !== held) return;
    held.timer = null;
    let free: boolean;
    try {
      free = this.opts.probe();
    } catch {
      free = true; // not a lock problem: let the operations meet it themselves
    }
    if (!free) {
      this.scheduleProbe(held);
      return;
    }
    this.release();
    for (const listener of [...this.releasedListeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own; the others are still told
      }
    }
  }

  private release(): void {
    const held = this.held;
    this.held = null;
    if (!held) return;
    if (held.timer) this.opts.clock.clearTimer(held.timer);
    for (const wake of [...held.waiters]) wake();
  }
}
