/**
 * Readiness of a worker node: it is ready when it is taking part in the cluster, i.e.
 *   - it finished starting and is not stopping,
 *   - the message bus is connected,
 *   - the store answers a ping (within `pingTimeoutMs`),
 *   - it holds at least one shard lease, or it started less than `graceMs` ago (a node that just
 *     joined may wait for leases to be handed over to it),
 *   - none of its shards is suspended (their lease cannot be renewed: the store does not answer
 *     it, so their commands are answered 503; with a SQLite write lock the ping still answers).
 * `readiness()` answers the reasons it is not ready (empty = ready).
 */
import type { Bus } from '@qubicle/transport';
import { createSystemClock, type Clock, type TimerHandle } from './clock.js';
import type { Store } from './store/port.js';

export interface WorkerHealthOptions {
  bus: Pick<Bus, 'isConnected'>;
  store: Pick<Store, 'ping'>;
  /** Number of shards whose lease this node holds. */
  ownedShards(): number;
  /** Number of held shards that are suspended (absent: none). */
  suspendedShards?(): number;
  /** READY_GRACE_MS */
  graceMs: number;
  /** the node's clock (the grace, the ping timeout); default the wall clock */
  clock?: Clock;
  /** default 2000 */
  pingTimeoutMs?: number;
}

export interface WorkerHealth {
  /** Reasons the node is not ready; [] when ready. */
  readiness(): Promise<string[]>;
  /** worker.start() resolved: the start-up grace runs from now. */
  markStarted(): void;
  /** SIGTERM: not ready any more (the node is handing its shards over). */
  markStopping(): void;
}

export function createWorkerHealth(opts: WorkerHealthOptions): WorkerHealth {
  const clock = opts.clock ?? createSystemClock();
  const pingTimeoutMs = opts.pingTimeoutMs ?? 2_000;
  let startedAt: number | null = null;
  let stopping = false;

  async function storeProblem(): Promise<string | null> {
    let timer: TimerHandle | undefined;
    try {
      await Promise.race([
        opts.store.ping(),
        new Promise<never>((_, reject) => {
          timer = clock.setTimer(clock.now() + pingTimeoutMs, () => reject(new Error(`no answer within ${pingTimeoutMs} ms`)));
        }),
      ]);
      return null;
    } catch (err) {
      return `store unreachable: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (timer) clock.clearTimer(timer);
    }
  }

  return {
    async readiness() {
      const reasons: string[] = [];
      if (stopping) reasons.push('stopping: handing shards over');
      else if (startedAt === null) reasons.push('starting');
      if (!opts.bus.isConnected()) reasons.push('message bus not connected');
      const store = await storeProblem();
      if (store) reasons.push(store);
      const suspended = opts.suspendedShards?.() ?? 0;
      if (suspended > 0) reasons.push(`${suspended} shard${suspended === 1 ? '' : 's'} suspended: the store does not answer their lease renewal (commands answered 503)`);
      if (startedAt !== null && !stopping && opts.ownedShards() === 0 && clock.now() - startedAt > opts.graceMs) {
        reasons.push(`no shard lease held (start-up grace of ${opts.graceMs} ms is over)`);
      }
      return reasons;
    },
    markStarted() {
      startedAt ??= clock.now();
    },
    markStopping() {
      stopping = true;
    },
  };
}
