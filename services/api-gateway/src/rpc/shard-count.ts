/**
 * The cluster's shard count, needed to route every recipient command. Learnt at start with a
 * `cluster_info` directory call, retried with backoff until a worker answers (readiness waits
 * for it); `SHARD_COUNT` overrides it; refreshed when a worker answers `shard_mismatch`.
 */
import type { Logger } from '@qubicle/transport';

export interface ShardCountOptions {
  /** Asks the cluster (one directory RPC). */
  fetch: () => Promise<number>;
  logger: Logger;
  /** Configured SHARD_COUNT: known from the start, no discovery. */
  override?: number | undefined;
  initialDelayMs?: number;
  maxDelayMs?: number;
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

export function createShardCount(opts: ShardCountOptions): ShardCount {
  const log = opts.logger;
  const initialDelayMs = opts.initialDelayMs ?? 100;
  const maxDelayMs = opts.maxDelayMs ?? 5000;
  let value: number | undefined = opts.override;
  let inflight: Promise<number> | undefined;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
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
        if (!Number.isInteger(n) || n < 1 || n > MAX_SHARD_COUNT) throw new Error(`invalid shard count from the cluster: ${String(n)}`);
        set(n);
        return n;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  async function discover(): Promise<void> {
    let delay = initialDelayMs;
    let attempt = 0;
    while (running && value === undefined) {
      attempt++;
      try {
        await refresh();
      } catch (err) {
        if (!running) return;
        // the first miss is normal at start-up (bus still connecting, workers starting): quiet until it lasts
        const why = { attempt, err: err instanceof Error ? err.message : String(err) };
        if (attempt === 1) log.info(why, 'shard count not known yet (cluster_info); retrying');
        else if (attempt % 10 === 0) log.warn(why, 'still no answer to cluster_info; retrying');
        await sleep(delay * (0.75 + Math.random() * 0.5));
        delay = Math.min(delay * 2, maxDelayMs);
      }
    }
  }

  return {
    get value() {
      return value;
    },
    start() {
      if (running || value !== undefined) return;
      running = true;
      void discover().finally(() => {
        running = false;
      });
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
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
