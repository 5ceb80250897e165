/**
 * In-process implementation of `Bus` (embedded mode, unit tests): the facade over the in-process
 * broker (broker.ts: queues, exchanges, bindings, delivery, expiry, dead-lettering). Here: mandatory
 * RPC (no queue → 'unroutable'), RPC timeouts and replies, the serve policy (serve-policy.ts, the
 * same as the AMQP server's), subscriptions, connection state and simulated outages.
 *
 * Every body crosses the bus as JSON text, so no object is shared between "processes", and
 * deliveries always happen asynchronously (setImmediate), never re-entrantly.
 */
import { randomUUID } from 'node:crypto';
import {
  HEADER_DEADLINE,
  HEADER_REQUEST_ID,
  noopLogger,
  type Bus,
  type Consumer,
  type EventHandler,
  type Logger,
  type QueueSpec,
  type RpcCallOptions,
  type RpcHandler,
  type ServeOptions,
  type SubscribeSpec,
} from '../bus.js';
import { TransportError } from '../errors.js';
import { decide, type Disposition, type HandlerOutcome } from '../serve-policy.js';
import { decodeBody, encodeBody, encodeReply, errorMessage, toIncoming, type WireMessage } from '../wire.js';
import { MemoryBroker, type DeadLetter, type Delivery, type MemConsumer, type MemMessage, type MemQueue } from './broker.js';

export type { DeadLetter, ExchangeType } from './broker.js';

export interface MemoryBusOptions {
  logger?: Logger;
  /** Called for every dead-lettered message (whether or not its queue has a dead-letter exchange). */
  onDeadLetter?: (dl: DeadLetter) => void;
}

export interface MemoryBus extends Bus {
  /** Like `call` but with raw body text, e.g. to test how a server treats invalid JSON. */
  callRaw(queue: string, content: string, opts: RpcCallOptions): Promise<unknown>;
  /**
   * Enqueues raw body text as a foreign publisher would: no replyTo unless `props` gives one (which
   * is then used as is, e.g. an address this bus cannot reply to); throws 'unroutable' if no such queue.
   */
  sendRaw(queue: string, content: string, headers?: Record<string, unknown>, props?: { replyTo?: string; correlationId?: string }): void;
  /** Every message dead-lettered so far (most recent last). */
  readonly deadLetters: readonly DeadLetter[];
  /** Number of ready (undelivered) messages in a queue; undefined if no such queue. */
  queueDepth(name: string): number | undefined;
  /**
   * Simulates losing the broker: state change to false, pending calls reject 'disconnected',
   * unacked deliveries are requeued (redelivered) and their late acks/replies are lost, new
   * calls/publishes reject 'disconnected', consumers stop receiving.
   */
  simulateDisconnect(): void;
  /** Ends a simulated outage: `reconnects` + 1, state change to true, deliveries resume. */
  simulateReconnect(): void;
}

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  queue: string;
}

const REPLY_PREFIX = 'memory.reply-to.';
const DEFAULT_SUBSCRIBE_PREFETCH = 50;

/** The memory bus's reply addresses are its own: `memory.reply-to.<correlation id>`. */
function replyAddressProblem(replyTo: string): string | undefined {
  return replyTo.startsWith(REPLY_PREFIX) && replyTo.length > REPLY_PREFIX.length ? undefined : `not a reply address of this bus (${REPLY_PREFIX}…)`;
}

/** A delivery as the serve policy sees it; the headers are a copy (no object shared between "processes"). */
function toWire(msg: MemMessage, queue: string): WireMessage {
  const wire: WireMessage = {
    content: msg.content,
    queue,
    routingKey: msg.routingKey,
    headers: JSON.parse(JSON.stringify(msg.headers)) as Record<string, unknown>,
    redelivered: msg.redelivered,
    messageId: msg.messageId,
  };
  if (msg.correlationId !== undefined) wire.correlationId = msg.correlationId;
  if (msg.replyTo !== undefined) wire.replyTo = msg.replyTo;
  return wire;
}

export function createMemoryBus(opts: MemoryBusOptions = {}): MemoryBus {
  const log = opts.logger ?? noopLogger;
  const broker = new MemoryBroker(log, opts.onDeadLetter);
  const pending = new Map<string, PendingCall>();
  const listeners = new Set<(connected: boolean) => void>();
  let connected = true;
  let closed = false;
  let closing: Promise<void> | undefined;
  let reconnects = 0;

  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  function emitState(up: boolean) {
    for (const l of [...listeners]) {
      try {
        l(up);
      } catch (err) {
        log.error({ err }, 'state listener threw');
      }
    }
  }

  function assertUsable(): void {
    if (closed) throw new TransportError('closed', 'bus closed');
    if (!connected) throw new TransportError('disconnected', 'not connected (simulated outage)');
  }

  function makeCancel(consumer: MemConsumer): Consumer {
    return { cancel: () => broker.cancelConsumer(consumer) };
  }

  // ---- RPC -----------------------------------------------------------------------------------

  function deliverReply(replyTo: string, correlationId: string | undefined, content: string): void {
    if (!connected || closed) return; // the reply is lost with the "connection"
    if (!replyTo.startsWith(REPLY_PREFIX) || correlationId === undefined) {
      log.debug({ replyTo }, 'memory bus: reply to an unknown address dropped');
      return;
    }
    setImmediate(() => {
      const call = pending.get(correlationId);
      if (!call) return; // timed out / gone
      pending.delete(correlationId);
      clearTimeout(call.timer);
      try {
        call.resolve(decodeBody(content));
      } catch (err) {
        call.reject(new Error(`invalid JSON in the reply from '${call.queue}': ${errorMessage(err)}`));
      }
    });
  }

  function callWithContent(queue: string, content: string, callOpts: RpcCallOptions): Promise<unknown> {
    try {
      assertUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (!Number.isFinite(callOpts.timeoutMs) || callOpts.timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${callOpts.timeoutMs}`));
    }
    const q = broker.queue(queue);
    if (!q) return Promise.reject(new TransportError('unroutable', `no queue '${queue}' (default exchange)`));
    const timeoutMs = Math.ceil(callOpts.timeoutMs);
    const correlationId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    const headers: Record<string, unknown> = { ...callOpts.headers, [HEADER_DEADLINE]: deadline };
    if (callOpts.requestId !== undefined) headers[HEADER_REQUEST_ID] = callOpts.requestId;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (pending.delete(correlationId)) {
          reject(new TransportError('timeout', `no reply from '${queue}' within ${timeoutMs} ms`));
        }
      }, timeoutMs);
      pending.set(correlationId, { resolve, reject, timer, queue });
      broker.enqueue(q, {
        content,
        messageId: randomUUID(),
        correlationId,
        replyTo: REPLY_PREFIX + correlationId,
        headers,
        exchange: '',
        routingKey: queue,
        expiresAt: deadline,
        redelivered: false,
      });
    });
  }

  function failPending(kind: 'disconnected' | 'closed', message: string): void {
    for (const [id, call] of [...pending]) {
      pending.delete(id);
      clearTimeout(call.timer);
      call.reject(new TransportError(kind, `${message} (call to '${call.queue}')`));
    }
  }

  /** One delivery to a served queue, through the serve policy (serve-policy.ts), like the AMQP server. */
  async function serveOne(q: MemQueue, d: Delivery, handler: RpcHandler, serveOpts: ServeOptions): Promise<void> {
    const policy = { deadLetterExchange: serveOpts.deadLetterExchange, replyAddressProblem };
    const wire = toWire(d.msg, q.name);
    const first = decide(wire, Date.now(), policy);
    if (first.kind !== 'handle') return carryOut(q, d, first);
    let outcome: HandlerOutcome;
    try {
      outcome = { returned: await handler(first.message) };
    } catch (err) {
      log.error({ err, queue: q.name }, 'rpc handler threw');
      outcome = { threw: err };
    }
    carryOut(q, d, decide(wire, Date.now(), policy, outcome));
  }

  function carryOut(q: MemQueue, d: Delivery, disposition: Disposition): void {
    const msg = d.msg;
    switch (disposition.kind) {
      case 'drop-expired': // the caller has given up: drop, no reply
      case 'ack':
        broker.settle(d, 'ack');
        return;
      case 'handle':
        throw new Error('serve policy: handle is not a final disposition');
      case 'reply':
        if (msg.replyTo !== undefined && d.epoch === broker.epoch) {
          const content = encodeReply(disposition.body, (err) => log.error({ err, queue: q.name }, 'rpc reply is not serialisable to JSON'));
          deliverReply(msg.replyTo, msg.correlationId, content);
        }
        broker.settle(d, 'ack');
        return;
      case 'requeue':
        broker.settle(d, 'requeue'); // no reply: back to the head of the queue for the next consumer
        return;
      case 'dead-letter':
      case 'reject':
        if (disposition.cause === 'invalid_reply_to') {
          log.warn({ queue: q.name, correlationId: msg.correlationId, replyTo: msg.replyTo, reason: disposition.reason }, 'request with an invalid reply address: not executed, not answered');
        }
        if (disposition.kind === 'dead-letter' && d.epoch === broker.epoch) {
          broker.ensureExchange(disposition.exchange);
          const dead: MemMessage = { content: msg.content, messageId: msg.messageId, headers: disposition.headers, exchange: disposition.exchange, routingKey: disposition.routingKey, redelivered: false };
          if (msg.correlationId !== undefined) dead.correlationId = msg.correlationId;
          broker.publish(disposition.exchange, dead);
          broker.settle(d, 'ack');
        } else {
          broker.settle(d, 'reject');
        }
        return;
    }
  }

  // ---- the bus -------------------------------------------------------------------------------

  const bus: MemoryBus = {
    call(queue, body, callOpts) {
      let content: string;
      try {
        content = encodeBody(body);
      } catch (err) {
        return Promise.reject(err);
      }
      return callWithContent(queue, content, callOpts);
    },

    callRaw(queue, content, callOpts) {
      return callWithContent(queue, content, callOpts);
    },

    sendRaw(queue, content, headers = {}, props = {}) {
      assertUsable();
      const q = broker.queue(queue);
      if (!q) throw new TransportError('unroutable', `no queue '${queue}' (default exchange)`);
      const msg: MemMessage = { content, messageId: randomUUID(), headers, exchange: '', routingKey: queue, redelivered: false };
      if (props.replyTo !== undefined) msg.replyTo = props.replyTo;
      if (props.correlationId !== undefined) msg.correlationId = props.correlationId;
      broker.enqueue(q, msg);
    },

    async serve(spec: QueueSpec, handler: RpcHandler, serveOpts: ServeOptions): Promise<Consumer> {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      if (closed) throw new TransportError('closed', 'bus closed');
      const q = broker.declareQueue(spec);
      const consumer = broker.addConsumer(q, serveOpts.prefetch, serveOpts.exclusive ?? false, (d) => serveOne(q, d, handler, serveOpts));
      return makeCancel(consumer);
    },

    async declareExchange(name, type) {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      broker.declareExchange(name, type);
    },

    async declareQueue(spec, bindings = []) {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      for (const b of bindings) {
        if (b.exchange !== '' && !broker.hasExchange(b.exchange)) {
          throw new TransportError('refused', `no exchange '${b.exchange}' to bind '${spec.name}' to`);
        }
      }
      broker.declareQueue(spec);
      for (const b of bindings) if (b.exchange !== '') broker.bind(spec.name, b.exchange, b.routingKey);
    },

    async publish(exchange, routingKey, body, publishOpts = {}) {
      assertUsable();
      const content = encodeBody(body);
      broker.ensureExchange(exchange);
      const headers: Record<string, unknown> = { ...publishOpts.headers };
      if (publishOpts.requestId !== undefined) headers[HEADER_REQUEST_ID] = publishOpts.requestId;
      broker.publish(exchange, { content, messageId: randomUUID(), headers, exchange, routingKey, redelivered: false });
      await tick(); // "confirm"
    },

    async subscribe(spec: SubscribeSpec, handler: EventHandler): Promise<Consumer> {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      if (closed) throw new TransportError('closed', 'bus closed');
      broker.ensureExchange(spec.exchange);
      const q = spec.queue
        ? broker.declareQueue(spec.queue)
        : broker.declareQueue({ name: `memory.gen-${randomUUID()}`, durable: false }, true);
      for (const key of spec.bindingKeys) broker.bind(q.name, spec.exchange, key);
      let tail: Promise<void> = Promise.resolve();
      const consumer = broker.addConsumer(q, spec.prefetch ?? DEFAULT_SUBSCRIBE_PREFETCH, false, (d) => {
        // one at a time, in delivery order
        const run = tail.then(async () => {
          let body: unknown;
          try {
            body = decodeBody(d.msg.content);
          } catch {
            log.warn({ queue: q.name, routingKey: d.msg.routingKey }, 'invalid JSON event; dead-lettered');
            broker.settle(d, 'reject');
            return;
          }
          try {
            await handler(toIncoming(toWire(d.msg, q.name), body));
          } catch (err) {
            log.error({ err, queue: q.name, routingKey: d.msg.routingKey }, 'event handler threw; dead-lettered');
            broker.settle(d, 'reject');
            return;
          }
          broker.settle(d, 'ack');
        });
        tail = run.catch(() => undefined);
        return run;
      });
      return makeCancel(consumer);
    },

    isConnected: () => connected && !closed,

    onStateChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    get reconnects() {
      return reconnects;
    },

    get deadLetters() {
      return broker.deadLetters;
    },

    queueDepth(name) {
      return broker.depth(name);
    },

    simulateDisconnect() {
      if (closed || !connected) return;
      connected = false;
      broker.loseConnection();
      failPending('disconnected', 'connection to the broker lost before the reply arrived');
      emitState(false);
    },

    simulateReconnect() {
      if (closed || connected) return;
      connected = true;
      broker.delivering = true;
      reconnects++;
      emitState(true);
      broker.scheduleAll();
    },

    close() {
      closing ??= (async () => {
        const wasConnected = connected && !closed;
        await Promise.allSettled([...broker.consumers].map((c) => broker.cancelConsumer(c)));
        closed = true;
        broker.delivering = false;
        failPending('closed', 'bus closed');
        if (wasConnected) emitState(false);
      })();
      return closing;
    },
  };
  return bus;
}
