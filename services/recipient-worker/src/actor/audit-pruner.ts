/**
 * Prunes the audit trail past its retention (AUDIT_RETENTION_DAYS), off the command path: on a
 * timer of its own, in small batches (AUDIT_PRUNE_BATCH entries per store call, at most
 * MAX_BATCHES_PER_RUN per run), each batch its own short store operation, so a big backlog never
 * holds the store (SQLite's write lock) long enough to delay the actors' writes. Every worker runs
 * one; two deleting the same old entries is harmless.
 */
import type { Logger } from '@qubicle/transport';
import type { Clock, TimerHandle } from '../clock.js';
import type { AuditStore } from '../store/port.js';

export const AUDIT_PRUNE_BATCH = 500;
export const MAX_BATCHES_PER_RUN = 100;
/** How often it runs (and how long after the start it runs first). */
export const AUDIT_PRUNE_EVERY_MS = 10 * 60_000;
export const DAY_MS = 86_400_000;

export interface AuditPrunerOptions {
  store: Pick<AuditStore, 'pruneAudit'>;
  clock: Clock;
  logger: Logger;
  /** Entries older than this are deleted; 0 = kept for ever (no pruning). */
  retentionMs: number;
  everyMs?: number;
  batch?: number;
}

export class AuditPruner {
  private timer: TimerHandle | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly opts: AuditPrunerOptions) {}

  start(): void {
    if (this.opts.retentionMs <= 0) return;
    this.schedule();
  }

  /** Stops the timer and waits for a run in progress (it ends after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One run: batches until one is not full (or the run's bound). Answers how many entries went. */
  async runOnce(): Promise<number> {
    const { store, clock, retentionMs } = this.opts;
    const batch = this.opts.batch ?? AUDIT_PRUNE_BATCH;
    const before = clock.now() - retentionMs;
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !this.stopped; i++) {
      const n = await store.pruneAudit(before, batch);
      total += n;
      if (n < batch) break;
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the actors' writes in between
    }
    return total;
  }

  private schedule(): void {
    if (this.stopped) return;
    const { clock, logger } = this.opts;
    this.timer = clock.setTimer(clock.now() + (this.opts.everyMs ?? AUDIT_PRUNE_EVERY_MS), () => {
      this.timer = null;
      this.running = this.runOnce();
      this.running
        .then((n) => {
          if (n > 0) logger.info({ pruned: n }, 'audit entries past retention pruned');
        })
        .catch((err: unknown) => logger.warn({ err }, 'audit prune failed; tried again next run'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    });
  }
}
