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
 */
import type { Bus, Consumer, EventHandler, IncomingMessage, Logger, SubscribeSpec } from '@qubicle/transport';

type SubscribeBus = Pick<Bus, 'subscribe'>;

export interface SharedEventsOptions {
  exchange: string;
  bindingKey: string;
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
    this.consumer ??= this.real
      .subscribe({ exchange: this.opts.exchange, bindingKeys: [this.opts.bindingKey], prefetch: this.opts.prefetch ?? 1000 }, (m) => this.deliver(m))
      .catch((err: unknown) => {
        this.consumer = undefined;
        throw err;
      });
    return this.consumer;
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
