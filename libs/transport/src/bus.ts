/**
 * The generic JSON message bus. Two implementations: `createAmqpBus` (RabbitMQ) and
 * `createMemoryBus` (in-process, for the embedded mode and unit tests). Nothing here knows
 * about recipients: message bodies are opaque JSON.
 */

/** Returned by an RPC handler that does not want a reply sent (the message is still acked). */
export const NO_REPLY: unique symbol = Symbol('no-reply');

/**
 * Returned by an RPC handler that must not handle the message here (e.g. this node has just lost
 * the right to serve the queue): no reply, the message goes back to its queue (nack with requeue)
 * for the next consumer. Only return it once this consumer is being cancelled, or it comes back.
 */
export const REQUEUE: unique symbol = Symbol('requeue');

/** pino-compatible subset. */
export interface Logger {
  debug(o: object, msg?: string): void;
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface QueueSpec {
  name: string;
  /** default true */
  durable?: boolean;
  /** e.g. `x-queue-type`, `x-dead-letter-exchange`, `x-dead-letter-routing-key`, `x-single-active-consumer` */
  arguments?: Record<string, unknown>;
}

export interface RpcCallOptions {
  /** Reply timeout; also the message's expiration and (as absolute `x-deadline`) the server-side deadline. */
  timeoutMs: number;
  /** Sent as header `x-request-id`. */
  requestId?: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  body: unknown;
  messageId?: string;
  correlationId?: string;
  /** header `x-request-id` */
  requestId?: string;
  /** Where the reply goes; absent for a fire-and-forget message (nobody hears a reply). */
  replyTo?: string;
  redelivered: boolean;
  /** header `x-deadline`, absolute epoch ms */
  deadline?: number;
  headers: Record<string, unknown>;
  routingKey: string;
  /**
   * The AMQP `user_id` the sender put on the message. RabbitMQ refuses a publish whose user_id is
   * not the sender's own user, so when present it names who sent it; absent = the sender did not
   * say (the memory bus never sets it).
   */
  userId?: string;
}

export type RpcHandler = (msg: IncomingMessage) => Promise<unknown | typeof NO_REPLY | typeof REQUEUE>;

export interface ServeOptions {
  /** Maximum number of unacked messages, i.e. of handlers running concurrently for this queue. */
  prefetch: number;
  /** Exclusive consumer: the broker refuses (`TransportError('refused')`) a second one on the queue. */
  exclusive?: boolean;
  /**
   * Failures after `serve()` resolved: the consumer could not be re-established after a reconnect
   * (e.g. another node took the exclusive consumer meanwhile), or the broker cancelled it.
   * The consumer is retried on the next reconnect unless cancelled.
   */
  onError?: (err: Error) => void;
  /**
   * A message nobody can be told about (not JSON without a replyTo, or a replyTo this bus cannot
   * answer) is published here raw, with the dead-letter headers of wire.ts (`x-reason`,
   * `x-original-queue`, `x-correlation-id`, `x-original-message-id`), and acked, instead of being
   * nacked without requeue (which drops it when the queue has no dead-letter exchange).
   * The whole policy: serve-policy.ts.
   */
  deadLetterExchange?: string;
}

export interface SubscribeSpec {
  exchange: string;
  bindingKeys: string[];
  /** A named queue (durable by default); omitted = a server-named, exclusive, auto-delete queue. */
  queue?: QueueSpec;
  /** default 50; event handlers of one subscription run one at a time, in delivery order. */
  prefetch?: number;
}

export type EventHandler = (msg: IncomingMessage) => Promise<void>;

export interface Consumer {
  /** Stops new deliveries; resolves once in-flight handlers have finished and their messages are acked. */
  cancel(): Promise<void>;
}

export interface Bus {
  /** Resolves with the reply body. Rejects with TransportError timeout/unroutable/disconnected/closed. */
  call(queue: string, body: unknown, opts: RpcCallOptions): Promise<unknown>;
  serve(queue: QueueSpec, handler: RpcHandler, opts: ServeOptions): Promise<Consumer>;
  /** remembered + replayed on reconnect (durable) */
  declareExchange(name: string, type: 'topic' | 'direct' | 'fanout'): Promise<void>;
  /** remembered + replayed on reconnect */
  declareQueue(spec: QueueSpec, bindings?: Array<{ exchange: string; routingKey: string }>): Promise<void>;
  /**
   * Publishes an event; resolves when the broker confirmed it. An exchange not declared through
   * `declareExchange` is declared as a durable topic exchange first.
   */
  publish(
    exchange: string,
    routingKey: string,
    body: unknown,
    opts?: { requestId?: string; headers?: Record<string, unknown> },
  ): Promise<void>;
  subscribe(spec: SubscribeSpec, handler: EventHandler): Promise<Consumer>;
  isConnected(): boolean;
  /** Returns an unsubscribe function. */
  onStateChange(listener: (connected: boolean) => void): () => void;
  /** Number of successful re-connections since creation (for metrics). */
  readonly reconnects: number;
  /** Graceful: cancels consumers (waiting for in-flight handlers), fails pending calls with 'closed'. */
  close(): Promise<void>;
}

export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Header names used on the wire. */
export const HEADER_DEADLINE = 'x-deadline';
export const HEADER_REQUEST_ID = 'x-request-id';
/**
 * Request header: the caller understands batched replies (amqp/reply-batcher.ts). A server may then
 * answer several of its requests of one turn in ONE message whose AMQP `type` is REPLY_BATCH_TYPE
 * and whose body is `[{"c": correlationId, "b": reply body}, ...]`.
 */
export const HEADER_REPLY_BATCH = 'x-reply-batch';
export const REPLY_BATCH_TYPE = 'qubicle.reply-batch';

/** Error reply bodies produced by the transport itself (as opposed to the application's replies). */
export interface TransportErrorReply {
  ok: false;
  error: { code: 'invalid_message' | 'internal'; message: string };
}
