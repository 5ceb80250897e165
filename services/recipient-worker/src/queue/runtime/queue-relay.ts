/**
 * Publishes the queue events of committed changes on the topic exchange, in order per shard (one
 * chain per shard: a queue's events never overtake each other), retrying through broker faults,
 * then removes them from the store's queue outbox. A new owner publishes a shard's leftovers first
 * (`adopt`), so nothing recorded is lost and the order holds across a failover.
 */
import { EVENTS_EXCHANGE, queueEventKey, type QueueEvent } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock } from '../../clock.js';
import type { QueueRuntimeStore } from '../../store/ports/queues-runtime.js';

export class QueueEventRelay {
  private readonly chains = new Map<number, Promise<void>>();
  private readonly dropped = new Set<number>();

  constructor(
    private readonly opts: { bus: Pick<Bus, 'publish'>; store: Pick<QueueRuntimeStore, 'deleteQueueOutbox'>; clock: Clock; logger: Logger; retryMs?: number },
  ) {}

  /** Never rejects; resolves once these events are published (or the shard was dropped). */
  add(shard: number, events: QueueEvent[]): Promise<void> {
    this.dropped.delete(shard);
    const next = (this.chains.get(shard) ?? Promise.resolve()).then(() => this.publishAll(shard, events));
    this.chains.set(shard, next);
    return next;
  }

  /** The shard is gone: stop retrying its events (they stay in the store for the next owner). */
  drop(shard: number): void {
    this.dropped.add(shard);
  }

  /** Resolves when the shard's events so far are published. */
  drain(shard: number): Promise<void> {
    return this.chains.get(shard) ?? Promise.resolve();
  }

  private async publishAll(shard: number, events: QueueEvent[]): Promise<void> {
    for (const e of events) {
      for (let attempt = 0; ; attempt++) {
        if (this.dropped.has(shard)) return;
        try {
          await this.opts.bus.publish(EVENTS_EXCHANGE, queueEventKey(e.account_id, e.queue_id, e.event), e);
          break;
        } catch (err) {
          if (attempt === 0) this.opts.logger.warn({ err, shard, queue_id: e.queue_id, seq: e.seq }, 'queue event publish failed; retrying');
          await new Promise<void>((r) => this.opts.clock.setTimer(this.opts.clock.now() + Math.min(5000, (this.opts.retryMs ?? 100) * 2 ** attempt), r));
        }
      }
    }
    const last = events.at(-1);
    if (last) await this.opts.store.deleteQueueOutbox(events.map((e) => ({ account_id: e.account_id, queue_id: e.queue_id, seq: e.seq }))).catch(() => undefined);
  }
}
