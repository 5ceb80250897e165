/**
 * Shared consumer plumbing for the RPC server and event subscribers: one channel per consumer,
 * re-established by the connection's setup replay until cancelled; in-flight tracking; cancel
 * that waits for in-flight handlers; recovery of a channel that died while the connection lived.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Consumer, Logger, QueueSpec } from '../bus.js';
import { TransportError } from '../errors.js';
import { AckBatcher } from './ack-batcher.js';
import type { AmqpConnection, SetupHandle } from './connection.js';
import { amqpCode, refused, swallow } from './util.js';

/** Delay before re-establishing a consumer whose channel died while the connection stayed up. */
const CHANNEL_RECOVERY_DELAY_MS = 1000;

export function assertQueueOptions(spec: QueueSpec): { durable: boolean; arguments?: Record<string, unknown> } {
  const opts: { durable: boolean; arguments?: Record<string, unknown> } = { durable: spec.durable ?? true };
  if (spec.arguments) opts.arguments = spec.arguments;
  return opts;
}

export abstract class ManagedConsumer implements Consumer {
  protected ch: Channel | undefined;
  private consumerTag: string | undefined;
  private cancelled = false;
  private cancelPromise: Promise<void> | undefined;
  private setupRunning: Promise<void> | undefined;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private handle: SetupHandle | undefined;
  private brokerCancelled = false;
  /** Each channel's acks go out in bulk (ack-batcher.ts). */
  private readonly acks = new WeakMap<Channel, AckBatcher>();

  protected constructor(
    protected readonly connection: AmqpConnection,
    protected readonly log: Logger,
    private readonly label: string,
    private readonly onError: ((err: Error) => void) | undefined,
  ) {}

  /** Declares what it needs on `ch` and returns the queue to consume plus consume options. */
  protected abstract prepare(ch: Channel): Promise<{ queue: string; exclusive: boolean }>;
  protected abstract process(ch: Channel, msg: ConsumeMessage): Promise<void>;

  /** Registers the setup and waits for its first application (TransportError('refused') on refusal). */
  async start(): Promise<this> {
    this.handle = this.connection.addSetup((conn) => this.runSetup(conn), {
      label: this.label,
      onError: (err) => this.report(err),
    });
    await this.handle.ready;
    return this;
  }

  cancel(): Promise<void> {
    this.cancelPromise ??= this.doCancel();
    return this.cancelPromise;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  // ---------------------------------------------------------------------------------------------

  private async doCancel(): Promise<void> {
    this.cancelled = true;
    this.handle?.remove(); // never re-established after cancel
    if (this.setupRunning) await this.setupRunning.catch(() => undefined);
    const ch = this.ch;
    const tag = this.consumerTag;
    if (ch && tag) {
      try {
        await ch.cancel(tag); // basic.cancel: no new deliveries after cancel-ok
      } catch (err) {
        this.log.debug({ err, consumer: this.label }, 'basic.cancel failed (channel already closed)');
      }
    }
    await this.idle();
    this.ch = undefined;
    this.consumerTag = undefined;
    // Held acks go out before the channel closes, or the broker would redeliver those messages.
    if (ch) this.acks.get(ch)?.flushAll();
    if (ch) await ch.close().catch(() => undefined);
  }

  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private runSetup(conn: ChannelModel): Promise<void> {
    const p = this.setup(conn);
    this.setupRunning = p;
    return p.finally(() => {
      if (this.setupRunning === p) this.setupRunning = undefined;
    });
  }

  private async setup(conn: ChannelModel): Promise<void> {
    if (this.cancelled) return;
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => this.log.warn({ err, consumer: this.label }, 'consumer channel error'));
    ch.on('close', () => {
      this.acks.get(ch)?.discard();
      this.onChannelClosed(ch, conn);
    });
    this.acks.set(ch, new AckBatcher(ch));
    try {
      const { queue, exclusive } = await this.prepare(ch);
      const ok = await ch.consume(queue, (msg) => this.onDelivery(ch, msg), { exclusive });
      this.ch = ch;
      this.consumerTag = ok.consumerTag;
      this.brokerCancelled = false;
      this.log.debug({ consumer: this.label, queue }, 'consuming');
    } catch (err) {
      void ch.close().catch(() => undefined);
      // A reply code means the broker closed the channel because of this operation.
      if (amqpCode(err) !== undefined) throw refused(err, this.label);
      throw err;
    }
  }

  private onChannelClosed(ch: Channel, conn: ChannelModel): void {
    if (this.ch !== ch) return; // closed during setup (reported by setup) or an old channel
    this.ch = undefined;
    this.consumerTag = undefined;
    if (this.cancelled) return;
    // Channels close before their connection emits 'close': look again later. If the connection
    // is still the same, only this channel died (bug, broker-side cancel): report and re-establish.
    setTimeout(() => {
      if (this.cancelled || this.ch !== undefined || this.connection.current() !== conn) return;
      this.report(
        new TransportError(
          'refused',
          this.brokerCancelled
            ? `${this.label}: consumer cancelled by the broker`
            : `${this.label}: channel closed while the connection stayed up`,
        ),
      );
      this.handle?.rerun();
    }, CHANNEL_RECOVERY_DELAY_MS).unref();
  }

  private onDelivery(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // basic.cancel from the broker (queue deleted, ...): drop the channel and re-establish.
      this.brokerCancelled = true;
      this.log.warn({ consumer: this.label }, 'consumer cancelled by the broker');
      void ch.close().catch(() => undefined);
      return;
    }
    this.inFlight++;
    this.acks.get(ch)?.delivered(msg);
    void this.process(ch, msg)
      .catch((err: unknown) => this.log.error({ err, consumer: this.label }, 'message processing failed'))
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }

  protected report(err: Error): void {
    if (this.onError) {
      try {
        this.onError(err);
      } catch (cbErr) {
        this.log.error({ err: cbErr, consumer: this.label }, 'onError callback threw');
      }
    } else {
      this.log.error({ err, consumer: this.label }, 'consumer failure');
    }
  }

  /**
   * Acks in bulk with the channel's other acks of this turn (ack-batcher.ts). If the channel is gone
   * the broker requeues the message for another consumer.
   */
  protected ack(ch: Channel, msg: ConsumeMessage): void {
    const acks = this.acks.get(ch);
    if (acks) acks.ack(msg);
    else if (!swallow(() => ch.ack(msg))) this.log.debug({ consumer: this.label }, 'ack on a closed channel');
  }

  protected nackRequeue(ch: Channel, msg: ConsumeMessage): void {
    // requeue=true: back in the queue (flagged redelivered) for the next consumer.
    this.nack(ch, msg, true);
  }

  protected nackDrop(ch: Channel, msg: ConsumeMessage): void {
    // requeue=false: dead-lettered if the queue has a DLX, dropped otherwise; never a hot loop.
    this.nack(ch, msg, false);
  }

  private nack(ch: Channel, msg: ConsumeMessage, requeue: boolean): void {
    const acks = this.acks.get(ch);
    if (acks) acks.nack(msg, requeue);
    else if (!swallow(() => ch.nack(msg, false, requeue))) this.log.debug({ consumer: this.label }, 'nack on a closed channel');
  }
}
