/**
 * RPC client over RabbitMQ direct reply-to.
 *
 * One channel, re-created by the connection's setup replay: it consumes `amq.rabbitmq.reply-to`
 * (noAck) before anything is published on it, and publishes every request on the same channel with
 * `mandatory: true`, so an unroutable request comes back as basic.return and fails at once.
 * The per-call timeout is also the message's `expiration` and (absolute) `x-deadline` header,
 * so a request nobody picked up in time is dropped by the broker or by the server, never run late.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage, Message } from 'amqplib';
import { HEADER_DEADLINE, HEADER_REPLY_BATCH, HEADER_REQUEST_ID, REPLY_BATCH_TYPE, noopLogger, type Logger, type RpcCallOptions } from '../bus.js';
import { TransportError, type TransportErrorKind } from '../errors.js';
import type { AmqpConnection, SetupHandle } from './connection.js';
import { decodeBody, encodeBody, errorMessage } from '../wire.js';

export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

interface PendingCall {
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  channel: Channel;
  queue: string;
}

export class RpcClient {
  private ch: Channel | undefined;
  private readonly pending = new Map<string, PendingCall>();
  private closed = false;
  private readonly handle: SetupHandle;
  private readonly log: Logger;

  constructor(
    private readonly connection: AmqpConnection,
    logger: Logger = noopLogger,
  ) {
    this.log = logger;
    this.handle = connection.addSetup((conn) => this.setup(conn), {
      label: 'rpc-client',
      onError: (err) => this.log.error({ err }, 'rpc client: could not open the reply channel'),
    });
    this.handle.ready.catch((err: unknown) => {
      if (!this.closed) this.log.error({ err }, 'rpc client: could not open the reply channel');
    });
  }

  /** Number of calls waiting for a reply (for metrics). */
  get inFlight(): number {
    return this.pending.size;
  }

  call(queue: string, body: unknown, opts: RpcCallOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'bus closed'));
    const ch = this.ch;
    if (!ch || !this.connection.isConnected()) {
      return Promise.reject(new TransportError('disconnected', `not connected to the broker (call to '${queue}')`));
    }
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${opts.timeoutMs}`));
    }
    const timeoutMs = Math.ceil(opts.timeoutMs);
    let content: Buffer;
    try {
      content = Buffer.from(encodeBody(body));
    } catch (err) {
      return Promise.reject(err);
    }
    const correlationId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    // HEADER_REPLY_BATCH: this client unpacks batched replies (reply-batcher.ts)
    const headers: Record<string, unknown> = { ...opts.headers, [HEADER_DEADLINE]: deadline, [HEADER_REPLY_BATCH]: 1 };
    if (opts.requestId !== undefined) headers[HEADER_REQUEST_ID] = opts.requestId;

    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(correlationId)) {
          reject(new TransportError('timeout', `no reply from '${queue}' within ${timeoutMs} ms`));
        }
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer, channel: ch, queue });
      try {
        ch.publish('', queue, content, {
          mandatory: true,
          contentType: 'application/json',
          messageId: randomUUID(),
          correlationId,
          replyTo: DIRECT_REPLY_TO,
          expiration: String(timeoutMs),
          headers,
        });
      } catch (err) {
        // amqplib throws synchronously when the channel/connection is already closed
        this.settle(correlationId)?.reject(
          new TransportError('disconnected', `publish to '${queue}' failed: ${errorMessage(err)}`, { cause: err }),
        );
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handle.remove();
    this.failAll('closed', 'bus closed', () => true);
    const ch = this.ch;
    this.ch = undefined;
    if (ch) await ch.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------

  private async setup(conn: ChannelModel): Promise<void> {
    if (this.closed) return;
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => this.log.warn({ err }, 'rpc client channel error'));
    ch.on('close', () => this.onChannelClosed(ch, conn));
    ch.on('return', (msg: Message) => this.onReturn(msg));
    // Direct reply-to: consume (noAck) on this channel BEFORE publishing requests on it.
    await ch.consume(DIRECT_REPLY_TO, (msg) => this.onReply(msg), { noAck: true });
    if (this.closed) {
      await ch.close().catch(() => undefined);
      return;
    }
    this.ch = ch;
  }

  private onChannelClosed(ch: Channel, conn: ChannelModel): void {
    if (this.ch === ch) this.ch = undefined;
    this.failAll('disconnected', 'connection to the broker lost before the reply arrived', (p) => p.channel === ch);
    if (this.closed) return;
    // If only the channel died (the connection is still up), open a new one. Channels are closed
    // before their connection emits 'close', so look again a moment later.
    setTimeout(() => {
      if (!this.closed && this.ch === undefined && this.connection.current() === conn) {
        this.log.warn({}, 'rpc client channel closed while connected; reopening');
        this.handle.rerun();
      }
    }, 50).unref();
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.log.warn({}, 'rpc client: reply consumer cancelled by the broker');
      return;
    }
    if (msg.properties.type === REPLY_BATCH_TYPE) {
      this.onReplyBatch(msg);
      return;
    }
    const id = msg.properties.correlationId;
    if (typeof id !== 'string') return;
    const call = this.settle(id);
    if (!call) {
      this.log.debug({ correlationId: id }, 'rpc reply for an unknown or timed-out call; dropped');
      return;
    }
    let body: unknown;
    try {
      body = decodeBody(msg.content.toString('utf8')); // refuses prototype keys and deep nesting
    } catch (err) {
      call.reject(new Error(`invalid JSON in the reply from '${call.queue}': ${errorMessage(err)}`));
      return;
    }
    call.resolve(body);
  }

  /** Several replies in one message: `[{"c": correlationId, "b": body}, ...]`. */
  private onReplyBatch(msg: ConsumeMessage): void {
    let entries: unknown;
    try {
      entries = decodeBody(msg.content.toString('utf8'));
    } catch (err) {
      // nothing can be attributed: those calls time out
      this.log.warn({ err }, 'rpc client: invalid JSON in a batch of replies; dropped');
      return;
    }
    if (!Array.isArray(entries)) {
      this.log.warn({}, 'rpc client: a batch of replies that is not an array; dropped');
      return;
    }
    for (const e of entries as Array<{ c?: unknown; b?: unknown } | null>) {
      if (typeof e?.c !== 'string') continue;
      this.settle(e.c)?.resolve(e.b);
    }
  }

  private onReturn(msg: Message): void {
    const id = msg.properties.correlationId;
    if (typeof id !== 'string') return;
    const call = this.settle(id);
    call?.reject(
      new TransportError('unroutable', `no queue '${msg.fields.routingKey}' (${msg.fields.exchange || 'default exchange'})`),
    );
  }

  private settle(correlationId: string): PendingCall | undefined {
    const call = this.pending.get(correlationId);
    if (!call) return undefined;
    this.pending.delete(correlationId);
    clearTimeout(call.timer);
    return call;
  }

  private failAll(kind: TransportErrorKind, message: string, which: (p: PendingCall) => boolean): void {
    for (const [id, call] of [...this.pending]) {
      if (!which(call)) continue;
      this.settle(id);
      call.reject(new TransportError(kind, `${message} (call to '${call.queue}')`));
    }
  }
}
