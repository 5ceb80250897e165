/**
 * Events: publish on a confirm channel (resolves once the broker confirmed), subscribe with a queue
 * bound to a (topic) exchange. A message that is not JSON, or whose handler throws, is nacked
 * without requeue (dead-lettered if the queue has a DLX): never a redelivery loop.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { HEADER_REQUEST_ID, noopLogger, type Consumer, type EventHandler, type Logger, type SubscribeSpec } from '../bus.js';
import { TransportError } from '../errors.js';
import type { AmqpConnection, SetupHandle } from './connection.js';
import { ManagedConsumer, assertQueueOptions } from './consumer.js';
import type { Topology } from './topology.js';
import { decodeBody, encodeBody, errorMessage } from '../wire.js';
import { toIncoming } from './util.js';

export const DEFAULT_SUBSCRIBE_PREFETCH = 50;

export interface PublishOptions {
  requestId?: string;
  headers?: Record<string, unknown>;
}

export class EventPublisher {
  private ch: ConfirmChannel | undefined;
  private closed = false;
  private readonly handle: SetupHandle;
  private readonly outstanding = new Set<Promise<void>>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly topology: Topology,
    private readonly log: Logger = noopLogger,
  ) {
    this.handle = connection.addSetup((conn) => this.setup(conn), {
      label: 'event-publisher',
      onError: (err) => this.log.error({ err }, 'event publisher: could not open the confirm channel'),
    });
    this.handle.ready.catch((err: unknown) => {
      if (!this.closed) this.log.error({ err }, 'event publisher: could not open the confirm channel');
    });
  }

  /**
   * Usable as soon as ITS channel is open: during a reconnect the channel is reopened before any
   * consumer is re-established (setups replay in registration order and the publisher registers
   * when the bus is created), so a message delivered during the rest of the replay can have its
   * events published. Without the channel it fails at once with 'disconnected' (never waits), so
   * the caller can keep the event and publish it again.
   */
  async publish(exchange: string, routingKey: string, body: unknown, opts: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new TransportError('closed', 'bus closed');
    if (!this.ch) throw new TransportError('disconnected', `not connected to the broker (publish to '${exchange}')`);
    const content = Buffer.from(encodeBody(body));
    await this.topology.ensureExchange(exchange);
    const ch = this.ch;
    if (this.closed) throw new TransportError('closed', 'bus closed');
    if (!ch) throw new TransportError('disconnected', `not connected to the broker (publish to '${exchange}')`);
    const headers: Record<string, unknown> = { ...opts.headers };
    if (opts.requestId !== undefined) headers[HEADER_REQUEST_ID] = opts.requestId;

    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        ch.publish(
          exchange,
          routingKey,
          content,
          {
            contentType: 'application/json',
            messageId: randomUUID(),
            timestamp: Math.floor(Date.now() / 1000),
            persistent: true,
            headers,
          },
          (err: unknown) => {
            if (!err) return resolve();
            const msg = errorMessage(err);
            reject(
              msg === 'message nacked'
                ? new TransportError('refused', `broker nacked the event ${exchange}/${routingKey}`, { cause: err })
                : new TransportError('disconnected', `event ${exchange}/${routingKey} not confirmed: ${msg}`, { cause: err }),
            );
          },
        );
      } catch (err) {
        reject(new TransportError('disconnected', `publish to '${exchange}' failed: ${errorMessage(err)}`, { cause: err }));
      }
    });
    this.outstanding.add(confirmed);
    try {
      await confirmed;
    } finally {
      this.outstanding.delete(confirmed);
    }
  }

  /** Waits for outstanding confirms, then closes the channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handle.remove();
    await Promise.allSettled([...this.outstanding]);
    const ch = this.ch;
    this.ch = undefined;
    if (ch) await ch.close().catch(() => undefined);
  }

  private async setup(conn: ChannelModel): Promise<void> {
    if (this.closed) return;
    const ch = await conn.createConfirmChannel();
    ch.on('error', (err: Error) => this.log.warn({ err }, 'event publisher channel error'));
    ch.on('close', () => {
      if (this.ch === ch) this.ch = undefined;
      if (this.closed) return;
      // A channel error (e.g. publishing to an exchange deleted behind our back) kills only the
      // channel: reopen it if the connection is still up.
      setTimeout(() => {
        if (!this.closed && this.ch === undefined && this.connection.current() === conn) {
          this.log.warn({}, 'event publisher channel closed while connected; reopening');
          this.handle.rerun();
        }
      }, 50).unref();
    });
    this.ch = ch;
  }
}

class EventSubscriber extends ManagedConsumer {
  /** Handlers of one subscription run one at a time, in delivery order. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    connection: AmqpConnection,
    log: Logger,
    private readonly spec: SubscribeSpec,
    private readonly handler: EventHandler,
  ) {
    super(connection, log, `subscribe ${spec.queue?.name ?? '(server-named)'} <- ${spec.exchange} [${spec.bindingKeys.join(', ')}]`, undefined);
  }

  protected async prepare(ch: Channel): Promise<{ queue: string; exclusive: boolean }> {
    let queue: string;
    if (this.spec.queue) {
      await ch.assertQueue(this.spec.queue.name, assertQueueOptions(this.spec.queue));
      queue = this.spec.queue.name;
    } else {
      const ok = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      queue = ok.queue;
    }
    for (const key of this.spec.bindingKeys) await ch.bindQueue(queue, this.spec.exchange, key);
    await ch.prefetch(this.spec.prefetch ?? DEFAULT_SUBSCRIBE_PREFETCH);
    return { queue, exclusive: false };
  }

  protected process(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const run = this.tail.then(() => this.handleOne(ch, msg));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async handleOne(ch: Channel, msg: ConsumeMessage): Promise<void> {
    let body: unknown;
    try {
      body = decodeBody(msg.content.toString('utf8')); // refuses prototype keys and deep nesting
    } catch {
      this.log.warn({ routingKey: msg.fields.routingKey, messageId: msg.properties.messageId }, 'invalid JSON event; dead-lettered');
      this.nackDrop(ch, msg);
      return;
    }
    try {
      await this.handler(toIncoming(msg, body));
    } catch (err) {
      this.log.error({ err, routingKey: msg.fields.routingKey, messageId: msg.properties.messageId }, 'event handler threw; dead-lettered');
      this.nackDrop(ch, msg);
      return;
    }
    this.ack(ch, msg);
  }
}

export async function subscribe(
  connection: AmqpConnection,
  topology: Topology,
  logger: Logger | undefined,
  spec: SubscribeSpec,
  handler: EventHandler,
): Promise<Consumer> {
  await topology.ensureExchange(spec.exchange);
  const subscriber = new EventSubscriber(connection, logger ?? noopLogger, spec, handler);
  return subscriber.start();
}
