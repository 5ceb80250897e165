/**
 * Publishes the events of committed changes on the topic exchange, in order per shard (one chain
 * per shard: the events of one queue or one session never overtake each other), retrying through
 * broker faults, then removes them from the store's outbox they were recorded in. A new owner
 * publishes a shard's leftovers first (`add` before anything newer), so nothing recorded is lost
 * and the order holds across a failover. One relay per outbox: the queue events
 * (queue-relay.ts) and the caller sessions' events (session-relay.ts).
 *
 * An outbox entry may owe more than its publish (`settle`: a queue's report to a caller's session).
 * That is done after the publish, in order, retried the same way, and the entries leave the outbox
 * only then; in a second chain per shard, so that a report waiting on a queue of the same shard
 * (a redirect's join, answered after that queue's own publish) never holds the publishes up.
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
  /** what is published of an entry (default: the entry) */
  body?(event: E): unknown;
  /** what an entry owes once published (retried until done); it leaves the outbox after it */
  settle?(event: E): Promise<void>;
  /** what the log names an event by */
  describe(event: E): Record<string, unknown>;
  /** removes published events from the outbox */
  remove(published: E[]): Promise<void>;
}

export class ShardEventRelay<E> {
  private readonly chains = new Map<number, Promise<void>>();
  private readonly settles = new Map<number, Promise<void>>();
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

  /** Resolves when the shard's events so far are published (and settled). */
  async drain(shard: number): Promise<void> {
    await this.chains.get(shard);
    await this.settles.get(shard);
  }

  /** Resolves once published (what they owe is settled after, in the second chain). */
  private async publishAll(shard: number, events: E[]): Promise<void> {
    const body = this.opts.body ?? ((e: E) => e);
    for (const e of events) {
      if (!(await this.retried(shard, e, 'event publish', () => this.opts.bus.publish(EVENTS_EXCHANGE, this.opts.routingKey(e), body(e))))) return;
    }
    const settle = this.opts.settle;
    if (!settle) {
      if (events.length > 0) await this.opts.remove(events).catch(() => undefined);
      return;
    }
    const next = (this.settles.get(shard) ?? Promise.resolve()).then(async () => {
      for (const e of events) if (!(await this.retried(shard, e, 'event follow-up', () => settle(e)))) return;
      if (events.length > 0) await this.opts.remove(events).catch(() => undefined);
    });
    this.settles.set(shard, next);
  }

  /** Runs `step` until it succeeds (backing off), or false once the shard was dropped. */
  private async retried(shard: number, e: E, what: string, step: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (this.dropped.has(shard)) return false;
      try {
        await step();
        return true;
      } catch (err) {
        if (attempt === 0) this.opts.logger.warn({ err, shard, ...this.opts.describe(e) }, `${what} failed; retrying`);
        await new Promise<void>((r) => this.opts.clock.setTimer(this.opts.clock.now() + Math.min(5000, (this.opts.retryMs ?? 100) * 2 ** attempt), r));
      }
    }
  }
}
