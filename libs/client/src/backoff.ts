/**
 * THE back-off of the retry loops that are not tied to a connection's life (the AMQP
 * connection has its own, libs/transport/src/amqp/connection.ts): shard-count discovery, the
 * simulator's retries of a failed command. Exponential with jitter, so that many clients that
 * failed together do not retry together.
 */

export interface BackoffOptions {
  /** First delay (default 100 ms). */
  initialMs?: number;
  /** Ceiling of the delay (default 5000 ms). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Each delay is spread by ± this fraction of itself (default 0.25; 0 = exact delays). */
  jitter?: number;
  /** [0, 1) (default Math.random): injected by tests for exact delays. */
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private base: number;
  private count = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 100;
    this.maxMs = opts.maxMs ?? 5_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.25;
    this.random = opts.random ?? Math.random;
    if (!(this.initialMs >= 0 && this.maxMs >= this.initialMs && this.factor >= 1 && this.jitter >= 0 && this.jitter < 1)) {
      throw new RangeError('backoff: need 0 <= initialMs <= maxMs, factor >= 1, 0 <= jitter < 1');
    }
    this.base = this.initialMs;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.count;
  }

  /** The delay before the next attempt (then the following one grows). */
  next(): number {
    const base = this.base;
    this.base = Math.min(this.base * this.factor, this.maxMs);
    this.count++;
    return Math.round(base * (1 - this.jitter + 2 * this.jitter * this.random()));
  }

  /** After a success: the next failure starts from initialMs again. */
  reset(): void {
    this.base = this.initialMs;
    this.count = 0;
  }
}

/**
 * Waits `ms` (an unref'd timer: a pending back-off never keeps a process alive); resolves at once
 * when `signal` aborts, so that a stop does not wait out the delay.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });
}
