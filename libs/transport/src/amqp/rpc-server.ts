/**
 * RPC server: one channel per served queue (an exclusive consumer that is refused gets a 403
 * channel error, which kills only that channel), re-established by the connection's setup replay
 * until cancelled. A consumer channel never publishes: replies and dead letters go out on the
 * bus's reply channel, a connection of its own (reply-channel.ts), so nothing a reply does can
 * take the consumers down. A request whose reply address cannot be published to is not executed
 * (direct-reply-to.ts).
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { parseJson } from '@qubicle/contracts';
import {
  HEADER_REPLY_BATCH,
  HEADER_REQUEST_ID,
  NO_REPLY,
  REQUEUE,
  noopLogger,
  type Consumer,
  type Logger,
  type QueueSpec,
  type RpcHandler,
  type ServeOptions,
  type TransportErrorReply,
} from '../bus.js';
import type { AmqpConnection } from './connection.js';
import { ManagedConsumer, assertQueueOptions } from './consumer.js';
import { directReplyToProblem } from './direct-reply-to.js';
import type { ReplyBatcher } from './reply-batcher.js';
import type { ReplyChannel } from './reply-channel.js';
import { errorMessage, readDeadline, toIncoming } from './util.js';

/** Where a server's replies and dead letters go (one of each per bus). */
export interface ServerOutput {
  replies: ReplyBatcher;
  channel: ReplyChannel;
}

class RpcServer extends ManagedConsumer {
  constructor(
    connection: AmqpConnection,
    log: Logger,
    private readonly spec: QueueSpec,
    private readonly handler: RpcHandler,
    private readonly opts: ServeOptions,
    private readonly output: ServerOutput,
  ) {
    super(connection, log, `serve ${spec.name}`, opts.onError);
  }

  protected async prepare(ch: Channel): Promise<{ queue: string; exclusive: boolean }> {
    await ch.assertQueue(this.spec.name, assertQueueOptions(this.spec));
    await ch.prefetch(this.opts.prefetch);
    return { queue: this.spec.name, exclusive: this.opts.exclusive ?? false };
  }

  protected async process(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const headers = msg.properties.headers ?? {};
    const replyTo: unknown = msg.properties.replyTo;
    const canReply = typeof replyTo === 'string' && replyTo !== '';

    const deadline = readDeadline(headers);
    if (deadline !== undefined && Date.now() > deadline) {
      // The caller has given up: do not run it late, do not reply.
      this.log.debug({ queue: this.spec.name, messageId: msg.properties.messageId, deadline }, 'expired request dropped');
      this.ack(ch, msg);
      return;
    }

    // Before anything runs: a request that cannot be answered is not executed (its caller would
    // only see a timeout, and on RabbitMQ 3.10-3.12 the reply would close the connection).
    const unanswerable = canReply ? directReplyToProblem(replyTo) : undefined;
    if (unanswerable !== undefined) {
      this.log.warn(
        { queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId, replyTo, reason: unanswerable },
        'request with an invalid reply address: not executed, not answered',
      );
      this.refuse(ch, msg, `invalid_reply_to: ${unanswerable}`);
      return;
    }

    let body: unknown;
    try {
      body = parseJson(msg.content.toString('utf8')); // refuses prototype keys and deep nesting
    } catch (err) {
      this.log.warn({ queue: this.spec.name, messageId: msg.properties.messageId }, 'invalid JSON request');
      if (canReply) {
        await this.reply(msg, replyTo, errorReply('invalid_message', `invalid JSON: ${errorMessage(err)}`), deadline);
        this.ack(ch, msg);
      } else {
        this.refuse(ch, msg, `invalid_message: invalid JSON: ${errorMessage(err)}`);
      }
      return;
    }

    let result: unknown;
    try {
      result = await this.handler(toIncoming(msg, body));
    } catch (err) {
      this.log.error({ err, queue: this.spec.name, messageId: msg.properties.messageId }, 'rpc handler threw');
      if (canReply) await this.reply(msg, replyTo, errorReply('internal', errorMessage(err)), deadline);
      this.ack(ch, msg);
      return;
    }

    if (result === REQUEUE) {
      this.nackRequeue(ch, msg); // no reply: the next consumer of the queue handles it
      return;
    }
    // resolves once the reply is on the reply channel (end of this turn), or dropped: reply THEN ack
    if (result !== NO_REPLY && canReply) await this.reply(msg, replyTo, result, deadline);
    this.ack(ch, msg);
  }

  /**
   * A message nobody can be told about: published raw to the dead-letter exchange and acked when
   * the server has one, else nacked without requeue (the queue's own DLX, if any); never requeued.
   */
  private refuse(ch: Channel, msg: ConsumeMessage, reason: string): void {
    if (this.opts.deadLetterExchange !== undefined && this.deadLetter(msg, reason)) this.ack(ch, msg);
    else this.nackDrop(ch, msg);
  }

  /** Publishes the raw message to the dead-letter exchange; false if the reply channel is down. */
  private deadLetter(msg: ConsumeMessage, reason: string): boolean {
    const headers: Record<string, unknown> = { ...msg.properties.headers, 'x-reason': reason, 'x-original-queue': this.spec.name };
    if (typeof msg.properties.correlationId === 'string') headers['x-correlation-id'] = msg.properties.correlationId;
    const props: Parameters<Channel['publish']>[3] = { headers, persistent: true };
    if (typeof msg.properties.contentType === 'string') props.contentType = msg.properties.contentType;
    if (typeof msg.properties.messageId === 'string') props.messageId = msg.properties.messageId;
    this.log.warn({ queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId, reason }, 'message dead-lettered');
    return this.output.channel.publishTo(this.opts.deadLetterExchange ?? '', this.spec.name, msg.content, props);
  }

  /** The reply as JSON; an unserialisable one becomes an internal error reply. */
  private serialise(body: unknown): string {
    try {
      return JSON.stringify(body) ?? 'null';
    } catch (err) {
      this.log.error({ err, queue: this.spec.name }, 'rpc reply is not serialisable to JSON');
      return JSON.stringify(errorReply('internal', `reply not serialisable: ${errorMessage(err)}`));
    }
  }

  private reply(msg: ConsumeMessage, replyTo: string, body: unknown, deadline: number | undefined): Promise<void> {
    const headers = msg.properties.headers ?? {};
    const requestId = headers[HEADER_REQUEST_ID];
    const correlationId = typeof msg.properties.correlationId === 'string' ? msg.properties.correlationId : undefined;
    return this.output.replies.send({
      replyTo,
      correlationId,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      json: this.serialise(body),
      batch: correlationId !== undefined && Number(headers[HEADER_REPLY_BATCH]) === 1,
      deadline,
    });
  }
}

function errorReply(code: TransportErrorReply['error']['code'], message: string): TransportErrorReply {
  return { ok: false, error: { code, message } };
}

export async function serve(
  connection: AmqpConnection,
  logger: Logger | undefined,
  spec: QueueSpec,
  handler: RpcHandler,
  opts: ServeOptions,
  output: ServerOutput,
): Promise<Consumer> {
  output.channel.start();
  const server = new RpcServer(connection, logger ?? noopLogger, spec, handler, opts, output);
  return server.start();
}
