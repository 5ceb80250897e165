/**
 * The gateways' feed (contracts: bus/events/recipient-event-batch.ts): every recipient event the
 * actors of this node publish during one turn of the event loop goes to FEED_EXCHANGE as ONE
 * message, in the order the actors handed them in.
 *
 * The outbox relay (outbox-relay.ts) hands each event in, in its FIFO order, and treats the feed as
 * one of an event's two legs: `add()` settles once the batch holding the event was confirmed by the
 * broker (or failed), and batching keeps the order events were handed in, so it never reorders one
 * recipient's events. A batch that fails rejects exactly its events' promises; the relay sends
 * those events' feed leg again, from the head, once the broker is back.
 *
 * Flushed on setImmediate after the first event of a batch, and at once when a batch is full.
 */
import { FEED_EXCHANGE, RECIPIENT_EVENT_BATCH_MAX, type RecipientEvent, type RecipientEventBatch } from '@qubicle/contracts';
import type { Bus } from '@qubicle/transport';

/** Where an actor hands its events for the feed. */
export interface EventFeedSink {
  add(event: RecipientEvent): Promise<void>;
}

export interface EventFeedStats {
  /** batches published */
  batches: number;
  /** events in them */
  events: number;
}

export class EventFeed implements EventFeedSink {
  private events: RecipientEvent[] = [];
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;
  readonly stats: EventFeedStats = { batches: 0, events: 0 };

  constructor(
    private readonly bus: Pick<Bus, 'publish'>,
    private readonly node: string,
    /** how a flush is scheduled (tests may flush by hand) */
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  add(event: RecipientEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.events.push(event);
      this.waiters.push({ resolve, reject });
      if (this.events.length >= RECIPIENT_EVENT_BATCH_MAX) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Publishes what was handed in so far as one batch (nothing if empty). */
  flush(): void {
    if (this.events.length === 0) return;
    const batch: RecipientEventBatch = { node: this.node, events: this.events };
    const waiters = this.waiters;
    this.events = [];
    this.waiters = [];
    this.stats.batches++;
    this.stats.events += batch.events.length;
    // fanout: the routing key is not used for routing; it says whose batch it is (broker tooling)
    this.bus.publish(FEED_EXCHANGE, this.node, batch).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
