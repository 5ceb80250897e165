/**
 * The cluster's shard count, needed to route every recipient command: THE shard-count discovery.
 * Given (SHARD_COUNT, a test's fixed count), or learnt with a `cluster_info` directory call;
 * `start()` keeps asking with back-off until a worker answers (a gateway's readiness waits for
 * it); `refresh()` asks again (after a `shard_mismatch`).
 */
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import type { ClientLogger } from './rpc-caller.js';

export interface ShardCountOptions {
  /** Asks the cluster (one directory RPC). */
  fetch: () => Promise<number>;
  logger?: ClientLogger | undefined;
  /** A count known from the start (configured): no discovery until a refresh. */
  override?: number | undefined;
  /** Back-off of the background discovery (default 100 ms doubling to 5 s, ± 25 %). */
  backoff?: BackoffOptions;
  /** How a back-off delay is waited (default `sleep`; tests record the delays). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ShardCount {
  /** The count, if known. */
  readonly value: number | undefined;
  /** Starts background discovery (no-op when known). */
  start(): void;
  /** Stops background discovery. */
  stop(): void;
  /** The count now: known, or asked for once (throws what the fetch threw). */
  ensure(): Promise<number>;
  /** Asks the cluster again (concurrent callers share one request). */
  refresh(): Promise<number>;
  /** Resolves when the count is known. */
  whenKnown(): Promise<number>;
}

export const MAX_SHARD_COUNT = 65536;

const quiet: ClientLogger = { info: () => {}, warn: () => {} };

export function createShardCount(opts: ShardCountOptions): ShardCount {
  const log = opts.logger ?? quiet;
  if (opts.override !== undefined && !isShardCount(opts.override)) {
    throw new RangeError(`shardCount must be an integer from 1 to ${MAX_SHARD_COUNT}, got ${opts.override}`);
  }
  let value: number | undefined = opts.override;
  let inflight: Promise<number> | undefined;
  let stopping: AbortController | undefined;
  const waiters: Array<(n: number) => void> = [];

  function set(n: number): void {
    if (value !== undefined && value !== n) log.warn({ from: value, to: n }, 'shard count changed');
    if (value === undefined) log.info({ shard_count: n }, 'shard count known');
    value = n;
    for (const w of waiters.splice(0)) w(n);
  }

  function refresh(): Promise<number> {
    inflight ??= (async () => {
      try {
        const n = await opts.fetch();
        if (!isShardCount(n)) throw new Error(`invalid shard count from the cluster: ${String(n)}`);
        set(n);
        return n;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  async function discover(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(opts.backoff);
    while (!signal.aborted && value === undefined) {
      try {
        await refresh();
      } catch (err) {
        if (signal.aborted) return;
        // the first miss is normal at start-up (bus still connecting, workers starting): quiet until it lasts
        const attempt = backoff.attempts + 1;
        const why = { attempt, err: err instanceof Error ? err.message : String(err) };
        if (attempt === 1) log.info(why, 'shard count not known yet (cluster_info); retrying');
        else if (attempt % 10 === 0) log.warn(why, 'still no answer to cluster_info; retrying');
        await (opts.sleep ?? sleep)(backoff.next(), signal);
      }
    }
  }

  return {
    get value() {
      return value;
    },
    start() {
      if (stopping || value !== undefined) return;
      const running = new AbortController();
      stopping = running;
      void discover(running.signal).finally(() => {
        if (stopping === running) stopping = undefined;
      });
    },
    stop() {
      stopping?.abort();
      stopping = undefined;
    },
    ensure() {
      return value !== undefined ? Promise.resolve(value) : refresh();
    },
    refresh,
    whenKnown() {
      return value !== undefined ? Promise.resolve(value) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

function isShardCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_SHARD_COUNT;
}
