/**
 * Time as a dependency. The actor, the shard leases and the caches read `now()` and arm
 * timers through a Clock, so that tests drive time by hand (ManualClock) and nothing in
 * the worker calls Date.now() or setTimeout directly.
 */

/** Opaque: only the clock that made it can clear it. */
export type TimerHandle = { readonly __timer: true };

export interface Clock {
  /** ms since epoch */
  now(): number;
  /** Calls `fn` once at (or as soon as possible after) `atMs`; a time in the past fires on the next tick. */
  setTimer(atMs: number, fn: () => void): TimerHandle;
  /** Clearing a fired or already cleared timer is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

/** setTimeout refuses delays above 2^31-1 ms (about 24.8 days); longer timers are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface SystemTimer extends TimerHandle {
  timeout: NodeJS.Timeout | null;
}

/**
 * The wall clock. Timers are unref'd: a pending wrap-up must never keep a stopping
 * process alive (deadlines are persisted and re-armed by whoever owns the shard next).
 */
export function createSystemClock(): Clock {
  const arm = (timer: SystemTimer, atMs: number, fn: () => void): void => {
    const delay = Math.max(0, atMs - Date.now());
    timer.timeout = setTimeout(
      () => {
        if (timer.timeout === null) return;
        if (Date.now() < atMs) return arm(timer, atMs, fn); // chained long timer
        timer.timeout = null;
        fn();
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
    timer.timeout.unref();
  };
  return {
    now: () => Date.now(),
    setTimer(atMs, fn) {
      const timer = { __timer: true, timeout: null } as SystemTimer;
      arm(timer, atMs, fn);
      return timer;
    },
    clearTimer(handle) {
      const timer = handle as SystemTimer;
      if (timer.timeout) clearTimeout(timer.timeout);
      timer.timeout = null;
    },
  };
}

interface ManualTimer extends TimerHandle {
  at: number;
  fn: () => void;
  order: number;
  cleared: boolean;
}

/**
 * A clock that only moves when told to. `advance` fires due timers in deadline order
 * (ties in arming order) with `now()` equal to each timer's deadline while it runs.
 * Timer callbacks are synchronous; tests await the consequences (e.g. actor idle).
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: ManualTimer[] = [];
  private armed = 0;

  constructor(startMs = Date.UTC(2024, 0, 1, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    const timer = { __timer: true, at: atMs, fn, order: this.armed++, cleared: false } as ManualTimer;
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as ManualTimer;
    timer.cleared = true;
    this.timers = this.timers.filter((t) => t !== timer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(targetMs: number): void {
    if (targetMs < this.current) throw new RangeError(`ManualClock cannot go back (${targetMs} < ${this.current})`);
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= targetMs)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = targetMs;
  }

  /** Deadlines of the timers still armed, soonest first. */
  pendingTimers(): number[] {
    return this.timers.map((t) => t.at).sort((a, b) => a - b);
  }
}
