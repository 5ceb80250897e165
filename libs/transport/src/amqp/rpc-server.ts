/**
 * RPC server: one channel per served queue (an exclusive consumer that is refused gets a 403
 * channel error, which kills only that channel), re-established by the connection's setup replay
 * until cancelled. A consumer channel never publishes: replies and dead letters go out on the
 * bus's reply channel, a connection of its own (reply-channel.ts), so nothing a reply does can
 * take the consumers down. A request whose reply address cannot be published to is not executed
 * (direct-reply-to.ts).
 *
 * What becomes of each message is decided by the serve policy (../serve-policy.ts, the same for
 * the memory bus); this class only carries the disposition out on the channel.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import {
  HEADER_REPLY_BATCH,
  HEADER_REQUEST_ID,
  noopLogger,
  type Consumer,
  type Logger,
  type QueueSpec,
  type RpcHandler,
  type ServeOptions,
} from '../bus.js';
import { decide, type Disposition, type DispositionCause, type HandlerOutcome, type ServePolicy } from '../serve-policy.js';
import { encodeReply, readDeadline } from '../wire.js';
import type { AmqpConnection } from './connection.js';
import { ManagedConsumer, assertQueueOptions } from './consumer.js';
import { directReplyToProblem } from './direct-reply-to.js';
import type { ReplyBatcher } from './reply-batcher.js';
import type { ReplyChannel } from './reply-channel.js';
import { toWire } from './util.js';

/** Where a server's replies and dead letters go (one of each per bus). */
export interface ServerOutput {
  replies: ReplyBatcher;
  channel: ReplyChannel;
}

class RpcServer extends ManagedConsumer {
  private readonly policy: ServePolicy;

  constructor(
    connection: AmqpConnection,
    log: Logger,
    private readonly spec: QueueSpec,
    private readonly handler: RpcHandler,
    private readonly opts: ServeOptions,
    private readonly output: ServerOutput,
  ) {
    super(connection, log, `serve ${spec.name}`, opts.onError);
    this.policy = { deadLetterExchange: opts.deadLetterExchange, replyAddressProblem: directReplyToProblem };
  }

  protected async prepare(ch: Channel): Promise<{ queue: string; exclusive: boolean }> {
    await ch.assertQueue(this.spec.name, assertQueueOptions(this.spec));
    await ch.prefetch(this.opts.prefetch);
    return { queue: this.spec.name, exclusive: this.opts.exclusive ?? false };
  }

  protected async process(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const wire = toWire(msg, this.spec.name);
    const first = decide(wire, Date.now(), this.policy);
    if (first.kind !== 'handle') return this.carryOut(ch, msg, first);
    let outcome: HandlerOutcome;
    try {
      outcome = { returned: await this.handler(first.message) };
    } catch (err) {
      this.log.error({ err, queue: this.spec.name, messageId: msg.properties.messageId }, 'rpc handler threw');
      outcome = { threw: err };
    }
    return this.carryOut(ch, msg, decide(wire, Date.now(), this.policy, outcome));
  }

  /** Does what the serve policy (serve-policy.ts) decided. */
  private async carryOut(ch: Channel, msg: ConsumeMessage, d: Disposition): Promise<void> {
    const ids = { queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId };
    switch (d.kind) {
      case 'drop-expired':
        // The caller has given up: do not run it late, do not reply.
        this.log.debug({ ...ids, deadline: d.deadline }, 'expired request dropped');
        this.ack(ch, msg);
        return;
      case 'handle':
        throw new Error('serve policy: handle is not a final disposition');
      case 'reply': {
        if (d.cause === 'invalid_json') this.log.warn(ids, 'invalid JSON request');
        const replyTo = msg.properties.replyTo as string;
        // resolves once the reply is on the reply channel (end of this turn), or dropped: reply THEN ack
        await this.reply(msg, replyTo, d.body, readDeadline(msg.properties.headers ?? {}));
        this.ack(ch, msg);
        return;
      }
      case 'ack':
        this.ack(ch, msg);
        return;
      case 'requeue':
        this.nackRequeue(ch, msg); // no reply: the next consumer of the queue handles it
        return;
      case 'dead-letter':
        this.logRefusal(msg, d.cause, d.reason);
        // published raw; if the reply channel is down: nacked (the queue's own DLX, if any), never requeued
        if (this.deadLetter(msg, d)) this.ack(ch, msg);
        else this.nackDrop(ch, msg);
        return;
      case 'reject':
        this.logRefusal(msg, d.cause, d.reason);
        this.nackDrop(ch, msg);
        return;
    }
  }

  private logRefusal(msg: ConsumeMessage, cause: DispositionCause, reason: string): void {
    const ids = { queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId };
    if (cause === 'invalid_reply_to') {
      // Before anything ran: a request that cannot be answered is not executed (its caller would
      // only see a timeout, and on RabbitMQ 3.10-3.12 the reply would close the connection).
      this.log.warn({ ...ids, replyTo: msg.properties.replyTo, reason }, 'request with an invalid reply address: not executed, not answered');
    } else if (cause === 'invalid_json') {
      this.log.warn(ids, 'invalid JSON request');
    }
  }

  /** Publishes the raw message to the dead-letter exchange; false if the reply channel is down. */
  private deadLetter(msg: ConsumeMessage, d: Extract<Disposition, { kind: 'dead-letter' }>): boolean {
    const props: Parameters<Channel['publish']>[3] = { headers: d.headers, persistent: true };
    if (typeof msg.properties.contentType === 'string') props.contentType = msg.properties.contentType;
    if (typeof msg.properties.messageId === 'string') props.messageId = msg.properties.messageId;
    this.log.warn({ queue: this.spec.name, messageId: msg.properties.messageId, correlationId: msg.properties.correlationId, reason: d.reason }, 'message dead-lettered');
    return this.output.channel.publishTo(d.exchange, d.routingKey, msg.content, props);
  }

  private reply(msg: ConsumeMessage, replyTo: string, body: unknown, deadline: number | undefined): Promise<void> {
    const headers = msg.properties.headers ?? {};
    const requestId = headers[HEADER_REQUEST_ID];
    const correlationId = typeof msg.properties.correlationId === 'string' ? msg.properties.correlationId : undefined;
    return this.output.replies.send({
      replyTo,
      correlationId,
      requestId: typeof requestId === 'string' ? requestId : undefined,
      json: encodeReply(body, (err) => this.log.error({ err, queue: this.spec.name }, 'rpc reply is not serialisable to JSON')),
      batch: correlationId !== undefined && Number(headers[HEADER_REPLY_BATCH]) === 1,
      deadline,
    });
  }
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
