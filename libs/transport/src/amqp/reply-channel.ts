/**
 * Where the RPC servers of a bus publish what they send back — replies and dead letters — on a
 * broker CONNECTION of their own (`<name>/replies`), never on a consumer's channel.
 *
 * Why a connection and not just a channel: a reply whose address RabbitMQ cannot decode crashes
 * the publishing channel's process, and the broker then closes the whole connection with 541
 * INTERNAL_ERROR (direct-reply-to.ts). On the consumers' connection that took every consumer of
 * the node with it and brought the request back for another crash, in a loop. Here it takes only
 * this connection, which reconnects on its own; the request was executed and is acked on its own
 * connection as usual. A channel-level refusal (403 on the default exchange, 406 for a reply over
 * the broker's size limit) likewise closes only this channel, which is reopened.
 *
 * The connection is opened by the first `serve()` of the bus. While it is down nothing is
 * published (`publish` answers false): the reply batcher holds replies until it is back.
 */
import type { Channel, ChannelModel, Options } from 'amqplib';
import type { Logger } from '../bus.js';
import { TransportError } from '../errors.js';
import { AmqpConnection, type AmqpConnectionOptions, type SetupHandle } from './connection.js';
import { amqpCode, swallow } from './util.js';

/** Delay before reopening the channel when only it died (the connection is up). */
const CHANNEL_REOPEN_DELAY_MS = 50;
/** Reply addresses remembered for the log line of a connection the broker closes. */
const RECENT_TARGETS = 16;

/** What the reply batcher needs from its outlet. */
export interface ReplyOutlet {
  /** true while a channel is open to publish on */
  readonly open: boolean;
  /** Publishes to the default exchange; false if there is no channel (nothing was sent). */
  publish(routingKey: string, content: Buffer, props: Options.Publish): boolean;
  /** Called every time a channel (re)opens; returns an unsubscribe function. */
  onOpen(listener: () => void): () => void;
}

export class ReplyChannel implements ReplyOutlet {
  readonly connection: AmqpConnection;
  private ch: Channel | undefined;
  private started = false;
  private closed = false;
  private readonly handle: SetupHandle;
  private readonly listeners = new Set<() => void>();
  /** the last addresses published to, to name the suspects when the broker closes the connection */
  private readonly recent: string[] = [];
  private recentNext = 0;
  private readonly watched = new WeakSet<ChannelModel>();
  private opened = 0;

  constructor(
    options: AmqpConnectionOptions,
    private readonly log: Logger,
  ) {
    // never fatal on its own: it opens once the bus's main connection is up, which decides (connection.ts)
    this.connection = new AmqpConnection({ ...options, name: `${options.name ?? 'qubicle-transport'}/replies`, failFast: false });
    this.handle = this.connection.addSetup((conn) => this.setup(conn), {
      label: 'reply-channel',
      onError: (err) => this.log.error({ err }, 'reply channel: could not open the channel'),
    });
    this.handle.ready.catch((err: unknown) => {
      if (!this.closed) this.log.error({ err }, 'reply channel: could not open the channel');
    });
  }

  /** Connects (idempotent): called by the first served queue. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connection.start();
  }

  get open(): boolean {
    return this.ch !== undefined;
  }

  onOpen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(routingKey: string, content: Buffer, props: Options.Publish): boolean {
    return this.publishTo('', routingKey, content, props);
  }

  /** Publishes to an exchange (dead letters); false if there is no channel. */
  publishTo(exchange: string, routingKey: string, content: Buffer, props: Options.Publish): boolean {
    const ch = this.ch;
    if (!ch || !swallow(() => ch.publish(exchange, routingKey, content, props))) return false;
    if (exchange === '') {
      this.recent[this.recentNext] = routingKey;
      this.recentNext = (this.recentNext + 1) % RECENT_TARGETS;
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handle.remove();
    this.listeners.clear();
    const ch = this.ch;
    this.ch = undefined;
    if (ch) await ch.close().catch(() => undefined);
    await this.connection.close();
  }

  private async setup(conn: ChannelModel): Promise<void> {
    if (this.closed) throw new TransportError('closed', 'bus closed');
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => this.onChannelError(err));
    ch.on('close', () => {
      if (this.ch === ch) this.ch = undefined;
      if (this.closed) return;
      setTimeout(() => {
        if (!this.closed && this.ch === undefined && this.connection.current() === conn) this.handle.rerun();
      }, CHANNEL_REOPEN_DELAY_MS).unref();
    });
    if (!this.watched.has(conn)) {
      this.watched.add(conn);
      conn.on('error', (err: Error) => this.onConnectionError(err));
    }
    this.ch = ch;
    if (this.opened++ > 0) this.log.info({ connection: this.connection.name }, 'reply channel open again');
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.log.error({ err }, 'reply channel: open listener threw');
      }
    }
  }

  private onChannelError(err: Error): void {
    this.log.warn({ err, code: amqpCode(err) }, 'reply channel closed by the broker (only replies are affected; it is reopened)');
  }

  private onConnectionError(err: Error): void {
    if (amqpCode(err) !== 541) return; // the connection logs it (connection.ts)
    const suspects = [...new Set(this.recent.filter((t) => t !== undefined))];
    this.log.error(
      { err, recent_reply_to: suspects },
      'reply connection closed by the broker with 541 INTERNAL_ERROR: most likely a reply to a direct reply-to address it could not decode ' +
        '(e.g. of a broker node that left the cluster); the consumers are not affected, the replies connection reconnects',
    );
  }
}
