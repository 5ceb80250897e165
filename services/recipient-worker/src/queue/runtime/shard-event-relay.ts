/**
 * Publishes the events of committed changes on the topic exchange, in order per shard (one chain
 * per shard: the events of one queue or one session never overtake each other), retrying through
 * broker faults, then removes them from the store's outbox they were recorded in. A new owner
 * publishes a shard's leftovers first (`add` before anything newer), so nothing recorded is lost
 * and the order holds across a failover. One relay per outbox: the queue events
 * (queue-relay.ts) and the caller sessions' events (session-relay.ts).
 */
import { EVENTS_EXCHANGE } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock } from '../../clock.js';

export interface ShardEventRelayOptions<E> {
  bus: Pick<Bus, 'publish'>;
  clock: Clock;
  logger: Logger;
  retryMs?: number;
  /** its routing key on EVENTS_EXCHANGE */
  routingKey(event: E): string;
  /** what the log names an event by */
  describe(event: E): Record<string, unknown>;
  /** removes published events from the outbox */
  remove(published: E[]): Promise<void>;
}

export class ShardEventRelay<E> {
  private readonly chains = new Map<number, Promise<void>>();
  private readonly dropped = new Set<number>();

  constructor(private readonly opts: ShardEventRelayOptions<E>) {}

  /** Never rejects; resolves once these events are published (or the shard was dropped). */
  add(shard: number, events: E[]): Promise<void> {
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

  private async publishAll(shard: number, events: E[]): Promise<void> {
    for (const e of events) {
      for (let attempt = 0; ; attempt++) {
        if (this.dropped.has(shard)) return;
        try {
          await this.opts.bus.publish(EVENTS_EXCHANGE, this.opts.routingKey(e), e);
          break;
        } catch (err) {
          if (attempt === 0) this.opts.logger.warn({ err, shard, ...this.opts.describe(e) }, 'event publish failed; retrying');
          await new Promise<void>((r) => this.opts.clock.setTimer(this.opts.clock.now() + Math.min(5000, (this.opts.retryMs ?? 100) * 2 ** attempt), r));
        }
      }
    }
    if (events.length > 0) await this.opts.remove(events).catch(() => undefined);
  }
}
