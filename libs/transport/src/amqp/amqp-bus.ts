/**
 * The RabbitMQ implementation of `Bus`: one connection (owned by AmqpConnection) with one RPC
 * client channel, one confirm channel for events, one channel per served queue / subscription;
 * and, once it serves a queue, a second connection for what its servers send back (replies and
 * dead letters, reply-channel.ts), so that nothing a reply does can take the consumers down.
 */
import type { Bus, Consumer, EventHandler, Logger, QueueSpec, RpcCallOptions, RpcHandler, ServeOptions, SubscribeSpec } from '../bus.js';
import { noopLogger } from '../bus.js';
import { TransportError, type FatalConnectionError } from '../errors.js';
import { AmqpConnection } from './connection.js';
import { EventPublisher, subscribe } from './events.js';
import { RpcClient } from './rpc-client.js';
import { serve } from './rpc-server.js';
import { Topology, type ExchangeType } from './topology.js';
import { ReplyBatcher } from './reply-batcher.js';
import { ReplyChannel } from './reply-channel.js';

export interface AmqpBusOptions {
  url: string;
  logger?: Logger;
  /** Connection name shown by the broker, e.g. the node name. */
  name?: string;
  /** Reconnect backoff: first delay (default 100 ms) doubling up to the cap (default 5000 ms), with jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** AMQP heartbeat when the URL does not set `?heartbeat=`; default 10 s. */
  heartbeatSeconds?: number;
  /**
   * The AMQP `user_id` put on every message this bus publishes (RPC requests and replies, events,
   * dead-letters); RabbitMQ checks that it is this connection's user (`amqpUserOf(url)` for a
   * password login). Unset = no user_id.
   */
  userId?: string;
  /**
   * Default true. false: this process owns no exchange (a gateway, a queue service, an event
   * consumer: the workers declare them). `declareExchange`, and the declare that `subscribe`,
   * `publish` and `declareQueue` make for an exchange they use, then only wait until it exists
   * (a passive check, which needs no `configure` permission on it). Queues are still declared by
   * whoever serves or subscribes to them.
   */
  declareExchanges?: boolean;
}

export interface AmqpBus extends Bus {
  /**
   * Resolves once connected (the bus starts connecting as soon as it is created). `call`/`publish`
   * made before that reject with 'disconnected'; `serve`/`subscribe`/`declare*` simply wait.
   */
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** The connection manager, for health checks and metrics. */
  readonly connection: AmqpConnection;
  /**
   * Called once if the broker refuses the FIRST connect for good (wrong credentials, a vhost that
   * does not exist or is not the user's; amqp/reply-codes.ts): the bus then does nothing any more and a
   * process should exit with `err.message` (user and vhost, never the password). Returns an
   * unsubscribe function. `waitForConnection`, `serve`, `subscribe`, `declare*`, `call` and
   * `publish` fail with the same error.
   */
  onFatal(listener: (err: FatalConnectionError) => void): () => void;
}

export function createAmqpBus(opts: AmqpBusOptions): AmqpBus {
  const log = opts.logger ?? noopLogger;
  const connectionOptions: ConstructorParameters<typeof AmqpConnection>[0] = { url: opts.url, logger: log };
  if (opts.name !== undefined) connectionOptions.name = opts.name;
  if (opts.reconnect?.initialDelayMs !== undefined) connectionOptions.initialDelayMs = opts.reconnect.initialDelayMs;
  if (opts.reconnect?.maxDelayMs !== undefined) connectionOptions.maxDelayMs = opts.reconnect.maxDelayMs;
  if (opts.heartbeatSeconds !== undefined) connectionOptions.heartbeatSeconds = opts.heartbeatSeconds;
  if (opts.userId !== undefined) connectionOptions.userId = opts.userId;
  const connection = new AmqpConnection(connectionOptions);

  // Registration order = replay order: the reply channel exists before 'connected' is announced.
  const rpc = new RpcClient(connection, log);
  const topology = new Topology(connection, log, opts.declareExchanges ?? true);
  const publisher = new EventPublisher(connection, topology, log);
  // the servers' replies and dead letters, on a connection of their own (opened by the first serve)
  const replyChannel = new ReplyChannel(connectionOptions, log);
  // replies to the same caller in one turn go as one message (callers that ask: our RpcClient)
  const output = { channel: replyChannel, replies: new ReplyBatcher(replyChannel, { logger: log }) };
  const consumers = new Set<Consumer>();
  let closing: Promise<void> | undefined;
  // The broker refused the first connect for good (connection.ts): the bus is unusable, its owner hears it once.
  let fatal: FatalConnectionError | undefined;
  const fatalListeners = new Set<(err: FatalConnectionError) => void>();
  connection.on('fatal', (err) => {
    fatal = err;
    for (const l of [...fatalListeners]) {
      try {
        l(err);
      } catch (cbErr) {
        log.error({ err: cbErr }, 'onFatal listener threw');
      }
    }
  });

  const track = (consumer: Consumer): Consumer => {
    const wrapped: Consumer = {
      cancel: async () => {
        try {
          await consumer.cancel();
        } finally {
          consumers.delete(wrapped);
        }
      },
    };
    consumers.add(wrapped);
    return wrapped;
  };
  const ensureOpen = () => {
    if (closing) throw new TransportError('closed', 'bus closed');
    if (fatal) throw fatal;
  };

  connection.start();

  return {
    connection,
    call(queue: string, body: unknown, callOpts: RpcCallOptions): Promise<unknown> {
      if (fatal && !closing) return Promise.reject(fatal);
      return rpc.call(queue, body, callOpts);
    },
    async serve(spec: QueueSpec, handler: RpcHandler, serveOpts: ServeOptions): Promise<Consumer> {
      ensureOpen();
      return track(await serve(connection, log, spec, handler, serveOpts, output));
    },
    async declareExchange(name: string, type: ExchangeType): Promise<void> {
      ensureOpen();
      await topology.declareExchange(name, type);
    },
    async declareQueue(spec: QueueSpec, bindings?: Array<{ exchange: string; routingKey: string }>): Promise<void> {
      ensureOpen();
      await topology.declareQueue(spec, bindings);
    },
    async publish(exchange, routingKey, body, publishOpts): Promise<void> {
      ensureOpen();
      await publisher.publish(exchange, routingKey, body, publishOpts);
    },
    async subscribe(spec: SubscribeSpec, handler: EventHandler): Promise<Consumer> {
      ensureOpen();
      return track(await subscribe(connection, topology, log, spec, handler));
    },
    isConnected: () => !closing && connection.isConnected(),
    onStateChange: (listener) => connection.onStateChange(listener),
    get reconnects() {
      return connection.reconnects;
    },
    waitForConnection: (timeoutMs?: number) => connection.waitForConnection(timeoutMs),
    onFatal(listener) {
      const already = fatal;
      if (already) queueMicrotask(() => listener(already)); // it happened before anyone listened
      else fatalListeners.add(listener);
      return () => {
        fatalListeners.delete(listener);
      };
    },
    close(): Promise<void> {
      closing ??= (async () => {
        // Stop consuming and finish in-flight work while the connection is still up (replies, acks).
        // (replies are not held for a reply channel that is down: the caller is told 'closed' anyway)
        output.replies.stop();
        await Promise.allSettled([...consumers].map((c) => c.cancel()));
        await replyChannel.close();
        await rpc.close();
        await publisher.close();
        await connection.close();
      })();
      return closing;
    },
  };
}
