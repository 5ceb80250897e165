/**
 * RPC server: one channel per served queue (an exclusive consumer that is refused gets a 403
 * channel error, which kills only that channel), re-established by the connection's setup replay
 * until cancelled.
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
import { publishPlainReply, type ReplyBatcher } from './reply-batcher.js';
import { errorMessage, readDeadline, swallow, toIncoming } from './util.js';

class RpcServer extends ManagedConsumer {
  constructor(
    connection: AmqpConnection,
    log: Logger,
    private readonly spec: QueueSpec,
    private readonly handler: RpcHandler,
    private readonly opts: ServeOptions,
    /** replies to callers that asked for batches (HEADER_REPLY_BATCH) go through it */
    private readonly replies: ReplyBatcher | undefined,
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

    let body: unknown;
    try {
      body = parseJson(msg.content.toString('utf8')); // refuses prototype keys and deep nesting
    } catch (err) {
      this.log.warn({ queue: this.spec.name, messageId: msg.properties.messageId }, 'invalid JSON request');
      if (canReply) {
        this.reply(ch, msg, replyTo, errorReply('invalid_message', `invalid JSON: ${errorMessage(err)}`));
        this.ack(ch, msg);
      } else if (this.opts.deadLetterExchange !== undefined && this.deadLetter(ch, msg, `invalid_message: invalid JSON: ${errorMessage(err)}`)) {
        this.ack(ch, msg);
      } else {
        this.nackDrop(ch, msg);
      }
      return;
    }

    let result: unknown;
    try {
      result = await this.handler(toIncoming(msg, body));
    } catch (err) {
      this.log.error({ err, queue: this.spec.name, messageId: msg.properties.messageId }, 'rpc handler threw');
      if (canReply) this.reply(ch, msg, replyTo, errorReply('internal', errorMessage(err)));
      this.ack(ch, msg);
      return;
    }

    if (result === REQUEUE) {
      this.nackRequeue(ch, msg); // no reply: the next consumer of the queue handles it
      return;
    }
    if (result !== NO_REPLY && canReply) {
      const correlationId = msg.properties.correlationId;
      if (this.replies && Number(headers[HEADER_REPLY_BATCH]) === 1 && typeof correlationId === 'string') {
        const requestId = headers[HEADER_REQUEST_ID];
        // resolves once the reply is on a channel (end of this turn): still reply THEN ack
        await this.replies.send(ch, replyTo, correlationId, this.serialise(result), typeof requestId === 'string' ? requestId : undefined);
      } else this.reply(ch, msg, replyTo, result);
    }
    this.ack(ch, msg); // reply THEN ack
  }

  /** Publishes the raw message to the dead-letter exchange; false if the channel is gone. */
  private deadLetter(ch: Channel, msg: ConsumeMessage, reason: string): boolean {
    const headers: Record<string, unknown> = { ...msg.properties.headers, 'x-reason': reason, 'x-original-queue': this.spec.name };
    if (typeof msg.properties.correlationId === 'string') headers['x-correlation-id'] = msg.properties.correlationId;
    const props: Parameters<Channel['publish']>[3] = { headers, persistent: true };
    if (typeof msg.properties.contentType === 'string') props.contentType = msg.properties.contentType;
    if (typeof msg.properties.messageId === 'string') props.messageId = msg.properties.messageId;
    this.log.warn({ queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId }, 'invalid JSON message dead-lettered');
    return swallow(() => ch.publish(this.opts.deadLetterExchange ?? '', this.spec.name, msg.content, props));
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

  private reply(ch: Channel, msg: ConsumeMessage, replyTo: string, body: unknown): void {
    const requestId = msg.properties.headers?.[HEADER_REQUEST_ID];
    const correlationId = msg.properties.correlationId;
    const json = this.serialise(body);
    if (!publishPlainReply(ch, replyTo, json, typeof correlationId === 'string' ? correlationId : undefined, typeof requestId === 'string' ? requestId : undefined)) {
      this.log.debug({ queue: this.spec.name }, 'reply not sent: channel closed');
    }
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
  replies?: ReplyBatcher,
): Promise<Consumer> {
  const server = new RpcServer(connection, logger ?? noopLogger, spec, handler, opts, replies);
  return server.start();
}
