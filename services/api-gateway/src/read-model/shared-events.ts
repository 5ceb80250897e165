/**
 * ONE consumer of the recipient events per gateway, shared by everything in it that wants them
 * (the read model, always; the live websocket hub, while it has subscribers): the broker delivers
 * each event to the gateway once, however many parts of it listen.
 *
 * `bus()` is a Bus facade for a listener: its `subscribe` to exactly the shared binding attaches the
 * listener to the shared consumer (started with the first listener, cancelled with the last) and
 * resolves with a Consumer whose `cancel` detaches it; any other subscription passes through to the
 * real bus. Listeners see every event in delivery order, one at a time; one listener throwing does
 * not keep the event from the others (it is logged, the message is acked).
 *
 * With `feed`, the one consumer reads the workers' feed (FEED_EXCHANGE, fanout: one message per
 * worker turn, contracts bus/events/recipient-event-batch.ts) instead of the topic exchange, and
 * hands each event of a batch to the listeners as if it had come alone under its routing key: the
 * listeners (read model, live hub) do not know the difference, and still validate each event.
 * The broker then delivers a batch of ~15 events to a gateway where it delivered 15 messages.
 */
import { recipientEventKey, validateRecipientEventBatchEnvelope } from '@qubicle/contracts';
import type { Bus, Consumer, EventHandler, IncomingMessage, Logger, SubscribeSpec } from '@qubicle/transport';

type SubscribeBus = Pick<Bus, 'subscribe'> & Partial<Pick<Bus, 'declareExchange'>>;

export interface SharedEventsOptions {
  /** the exchange and binding listeners subscribe to (EVENTS_EXCHANGE, `qubicle.recipient.#`) */
  exchange: string;
  bindingKey: string;
  /** read the events from this fanout feed exchange instead (FEED_EXCHANGE) */
  feed?: string;
  prefetch?: number;
  logger: Logger;
}

export class SharedEvents {
  private readonly listeners = new Set<EventHandler>();
  private consumer: Promise<Consumer> | undefined;

  constructor(
    private readonly real: SubscribeBus,
    private readonly opts: SharedEventsOptions,
  ) {}

  /** A `subscribe` that shares the consumer for the shared exchange + binding. */
  subscribe(spec: SubscribeSpec, handler: EventHandler): Promise<Consumer> {
    const shared = spec.exchange === this.opts.exchange && spec.queue === undefined && spec.bindingKeys.length === 1 && spec.bindingKeys[0] === this.opts.bindingKey;
    if (!shared) return this.real.subscribe(spec, handler);
    return this.attach(handler);
  }

  /** Listeners attached now. */
  get size(): number {
    return this.listeners.size;
  }

  private async attach(handler: EventHandler): Promise<Consumer> {
    // a distinct function per attachment, so that the same handler attached twice is two listeners
    const listener: EventHandler = (m) => handler(m);
    this.listeners.add(listener);
    try {
      await this.ensure();
    } catch (err) {
      this.listeners.delete(listener);
      throw err;
    }
    let cancelled = false;
    return {
      cancel: async () => {
        if (cancelled) return;
        cancelled = true;
        this.listeners.delete(listener);
        if (this.listeners.size === 0) await this.stop();
      },
    };
  }

  private ensure(): Promise<Consumer> {
    this.consumer ??= this.start().catch((err: unknown) => {
      this.consumer = undefined;
      throw err;
    });
    return this.consumer;
  }

  private async start(): Promise<Consumer> {
    const prefetch = this.opts.prefetch ?? 1000;
    const feed = this.opts.feed;
    if (feed === undefined) {
      return this.real.subscribe({ exchange: this.opts.exchange, bindingKeys: [this.opts.bindingKey], prefetch }, (m) => this.deliver(m));
    }
    // declared fanout by whoever comes first (workers do too); undeclared, the bus would make it a topic exchange
    await this.real.declareExchange?.(feed, 'fanout');
    // a batch holds many events: fewer messages ahead are as many events ahead as before
    return this.real.subscribe({ exchange: feed, bindingKeys: [''], prefetch: Math.max(1, Math.ceil(prefetch / 10)) }, (m) => this.deliverBatch(m));
  }

  /** Each event of a feed batch, in order, as its own message. */
  private async deliverBatch(m: IncomingMessage): Promise<void> {
    const v = validateRecipientEventBatchEnvelope(m.body);
    if (!v.ok) {
      this.opts.logger.warn({ details: v.details, routingKey: m.routingKey }, 'event feed: invalid batch ignored');
      return;
    }
    for (const event of v.value.events) {
      const e = event as { account_id?: unknown; recipient_id?: unknown; event?: unknown };
      const routingKey = recipientEventKey(String(e.account_id), String(e.recipient_id), String(e.event));
      await this.deliver({ ...m, body: event, routingKey });
    }
  }

  private async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await (await c.catch(() => undefined))?.cancel();
  }

  private async deliver(m: IncomingMessage): Promise<void> {
    for (const listener of [...this.listeners]) {
      try {
        await listener(m);
      } catch (err) {
        this.opts.logger.error({ err, routingKey: m.routingKey }, 'shared event subscription: a listener threw');
      }
    }
  }
}
