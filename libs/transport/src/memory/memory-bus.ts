/**
 * In-process implementation of `Bus` with the broker semantics the services rely on: named FIFO
 * queues, prefetch, exclusive consumers (refused like a 403), single-active-consumer, per-message
 * expiry (expired messages are dropped / dead-lettered, never delivered), mandatory RPC (no queue →
 * 'unroutable'), RPC timeouts, direct/fanout/topic exchanges and dead-lettering through
 * `x-dead-letter-exchange` plus an `onDeadLetter` hook.
 *
 * Every body crosses the bus as JSON text, so no object is shared between "processes", and
 * deliveries always happen asynchronously (setImmediate), never re-entrantly.
 */
import { randomUUID } from 'node:crypto';
import { parseJson, stringifyJson } from '@qubicle/contracts';
import {
  HEADER_DEADLINE,
  HEADER_REQUEST_ID,
  NO_REPLY,
  REQUEUE,
  noopLogger,
  type Bus,
  type Consumer,
  type EventHandler,
  type IncomingMessage,
  type Logger,
  type QueueSpec,
  type RpcCallOptions,
  type RpcHandler,
  type ServeOptions,
  type SubscribeSpec,
  type TransportErrorReply,
} from '../bus.js';
import { TransportError } from '../errors.js';
import { topicMatches } from '../topic.js';

export type ExchangeType = 'topic' | 'direct' | 'fanout';

export interface DeadLetter {
  /** queue the message died in */
  queue: string;
  reason: 'rejected' | 'expired';
  /** raw body text (may be invalid JSON) */
  content: string;
  routingKey: string;
  exchange: string;
  headers: Record<string, unknown>;
  messageId: string;
}

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

interface MemMessage {
  content: string;
  messageId: string;
  correlationId?: string;
  replyTo?: string;
  headers: Record<string, unknown>;
  exchange: string;
  routingKey: string;
  /** broker-level expiration (absolute epoch ms) */
  expiresAt?: number;
  redelivered: boolean;
}

interface MemConsumer {
  queue: MemQueue;
  /** 0 = unlimited */
  prefetch: number;
  exclusive: boolean;
  /** deliveries not yet acked (prefetch accounting) */
  unacked: number;
  /** handler executions still running (cancel waits for them) */
  running: number;
  cancelled: boolean;
  idleWaiters: Array<() => void>;
  cancelPromise?: Promise<void>;
  handle(delivery: Delivery): Promise<void>;
}

interface Delivery {
  msg: MemMessage;
  epoch: number;
  consumer: MemConsumer;
  settled: boolean;
}

interface MemQueue {
  name: string;
  durable: boolean;
  args: Record<string, unknown>;
  autoDelete: boolean;
  messages: MemMessage[];
  consumers: MemConsumer[];
  /** round-robin cursor */
  next: number;
  scheduled: boolean;
  unacked: Set<Delivery>;
  /** ONE timer per queue, for the earliest expiration among its waiting messages (not one per message) */
  expiry?: { at: number; timer: NodeJS.Timeout };
}

interface MemExchange {
  type: ExchangeType;
  bindings: Array<{ queue: string; key: string }>;
}

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  queue: string;
}

const REPLY_PREFIX = 'memory.reply-to.';
const DEFAULT_SUBSCRIBE_PREFETCH = 50;

function errorReply(code: TransportErrorReply['error']['code'], message: string): TransportErrorReply {
  return { ok: false, error: { code, message } };
}

function readDeadline(headers: Record<string, unknown>): number | undefined {
  const raw = headers[HEADER_DEADLINE];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The memory bus's reply addresses are its own: `memory.reply-to.<correlation id>`. */
function replyAddressProblem(replyTo: string): string | undefined {
  return replyTo.startsWith(REPLY_PREFIX) && replyTo.length > REPLY_PREFIX.length ? undefined : `not a reply address of this bus (${REPLY_PREFIX}…)`;
}

/** A value too deep for the stack (or a cycle) is an UnsafeJsonError (invalid_message, a 400), not a RangeError (a 500). */
function toJson(body: unknown): string {
  return stringifyJson(body);
}

export function createMemoryBus(opts: MemoryBusOptions = {}): MemoryBus {
  const log = opts.logger ?? noopLogger;
  const queues = new Map<string, MemQueue>();
  const exchanges = new Map<string, MemExchange>();
  const pending = new Map<string, PendingCall>();
  const listeners = new Set<(connected: boolean) => void>();
  const consumers = new Set<MemConsumer>();
  const deadLetters: DeadLetter[] = [];
  let connected = true;
  let closed = false;
  let closing: Promise<void> | undefined;
  let reconnects = 0;
  /** incremented on every simulated disconnect: deliveries of an older epoch cannot be acked */
  let epoch = 0;

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

  // ---- topology ------------------------------------------------------------------------------

  function declareQueueInternal(spec: QueueSpec, autoDelete = false): MemQueue {
    let q = queues.get(spec.name);
    if (!q) {
      q = {
        name: spec.name,
        durable: spec.durable ?? true,
        args: { ...spec.arguments },
        autoDelete,
        messages: [],
        consumers: [],
        next: 0,
        scheduled: false,
        unacked: new Set(),
      };
      queues.set(spec.name, q);
    }
    return q;
  }

  function declareExchangeInternal(name: string, type: ExchangeType): MemExchange {
    const existing = exchanges.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new TransportError('refused', `exchange '${name}' exists with type ${existing.type}, not ${type}`);
      }
      return existing;
    }
    const ex: MemExchange = { type, bindings: [] };
    exchanges.set(name, ex);
    return ex;
  }

  function ensureExchange(name: string): void {
    if (name === '' || exchanges.has(name)) return;
    declareExchangeInternal(name, 'topic');
  }

  function bind(queue: string, exchange: string, key: string): void {
    const ex = exchanges.get(exchange);
    if (!ex) throw new TransportError('refused', `no exchange '${exchange}' to bind '${queue}' to`);
    if (!ex.bindings.some((b) => b.queue === queue && b.key === key)) ex.bindings.push({ queue, key });
  }

  function deleteQueue(q: MemQueue): void {
    queues.delete(q.name);
    for (const ex of exchanges.values()) ex.bindings = ex.bindings.filter((b) => b.queue !== q.name);
  }

  function route(exchange: string, routingKey: string): MemQueue[] {
    if (exchange === '') {
      const q = queues.get(routingKey);
      return q ? [q] : [];
    }
    const ex = exchanges.get(exchange);
    if (!ex) return [];
    const names = new Set<string>();
    for (const b of ex.bindings) {
      const hit = ex.type === 'fanout' || (ex.type === 'direct' ? b.key === routingKey : topicMatches(b.key, routingKey));
      if (hit) names.add(b.queue);
    }
    return [...names].map((n) => queues.get(n)).filter((q): q is MemQueue => q !== undefined);
  }

  // ---- queues and delivery -------------------------------------------------------------------

  function enqueue(q: MemQueue, msg: MemMessage): void {
    q.messages.push({ ...msg, headers: { ...msg.headers } });
    // expire (and dead-letter) even if nobody consumes
    if (msg.expiresAt !== undefined) armExpiry(q, msg.expiresAt);
    schedule(q);
  }

  /**
   * Makes sure the queue is looked at by `at` (+1 ms). One timer per queue for its earliest
   * deadline: a timer per message would keep every RPC's timer alive for its whole timeout even
   * after it was answered (memory, at high rates). When it fires, it re-arms for the next one.
   */
  function armExpiry(q: MemQueue, at: number): void {
    if (q.expiry && q.expiry.at <= at) return;
    if (q.expiry) clearTimeout(q.expiry.timer);
    const timer = setTimeout(() => {
      q.expiry = undefined;
      schedule(q);
      let next: number | undefined;
      for (const m of q.messages) if (m.expiresAt !== undefined && (next === undefined || m.expiresAt < next)) next = m.expiresAt;
      if (next !== undefined) armExpiry(q, Math.max(next, Date.now()));
    }, Math.max(0, at - Date.now()) + 1);
    timer.unref();
    q.expiry = { at, timer };
  }

  function schedule(q: MemQueue): void {
    if (q.scheduled) return;
    q.scheduled = true;
    setImmediate(() => {
      q.scheduled = false;
      dispatch(q);
    });
  }

  function dropExpired(q: MemQueue): void {
    const now = Date.now();
    if (!q.messages.some((m) => m.expiresAt !== undefined && now >= m.expiresAt)) return;
    const keep: MemMessage[] = [];
    for (const m of q.messages) {
      if (m.expiresAt !== undefined && now >= m.expiresAt) deadLetter(q, m, 'expired');
      else keep.push(m);
    }
    q.messages = keep;
  }

  function pickConsumer(q: MemQueue): MemConsumer | undefined {
    const active = q.args['x-single-active-consumer'] === true ? q.consumers.slice(0, 1) : q.consumers;
    for (let i = 0; i < active.length; i++) {
      const idx = (q.next + i) % active.length;
      const c = active[idx];
      if (c && !c.cancelled && (c.prefetch === 0 || c.unacked < c.prefetch)) {
        q.next = idx + 1;
        return c;
      }
    }
    return undefined;
  }

  function dispatch(q: MemQueue): void {
    if (queues.get(q.name) !== q) return; // deleted
    dropExpired(q);
    if (!connected || closed) return;
    for (;;) {
      const msg = q.messages[0];
      if (!msg) break;
      const consumer = pickConsumer(q);
      if (!consumer) break;
      q.messages.shift();
      const delivery: Delivery = { msg, epoch, consumer, settled: false };
      consumer.unacked++;
      q.unacked.add(delivery);
      consumer.running++;
      void consumer
        .handle(delivery)
        .catch((err: unknown) => log.error({ err, queue: q.name }, 'memory bus: delivery processing failed'))
        .finally(() => {
          consumer.running--;
          // a handler that returned without settling acks implicitly
          settle(delivery, 'ack');
          if (consumer.running === 0) for (const w of consumer.idleWaiters.splice(0)) w();
        });
    }
  }

  /** ack, nack(requeue=false) or nack(requeue=true) a delivery; late settlements after a simulated outage are lost. */
  function settle(d: Delivery, how: 'ack' | 'reject' | 'requeue'): void {
    if (d.settled) return;
    d.settled = true;
    const q = d.consumer.queue;
    if (d.epoch !== epoch) return; // the "channel" died: the message was requeued already
    d.consumer.unacked--;
    q.unacked.delete(d);
    if (how === 'reject') deadLetter(q, d.msg, 'rejected');
    if (how === 'requeue') {
      q.messages.unshift({ ...d.msg, redelivered: true });
      if (d.msg.expiresAt !== undefined) armExpiry(q, d.msg.expiresAt);
    }
    schedule(q);
  }

  function deadLetter(q: MemQueue, msg: MemMessage, reason: DeadLetter['reason']): void {
    const dl: DeadLetter = {
      queue: q.name,
      reason,
      content: msg.content,
      routingKey: msg.routingKey,
      exchange: msg.exchange,
      headers: { ...msg.headers },
      messageId: msg.messageId,
    };
    deadLetters.push(dl);
    if (deadLetters.length > 1000) deadLetters.shift();
    try {
      opts.onDeadLetter?.(dl);
    } catch (err) {
      log.error({ err }, 'onDeadLetter hook threw');
    }
    const dlx = q.args['x-dead-letter-exchange'];
    if (typeof dlx !== 'string') {
      log.debug({ queue: q.name, reason }, 'message dropped (no dead-letter exchange)');
      return;
    }
    const dlrk = q.args['x-dead-letter-routing-key'];
    const routingKey = typeof dlrk === 'string' ? dlrk : msg.routingKey;
    const headers: Record<string, unknown> = {
      ...msg.headers,
      'x-first-death-queue': msg.headers['x-first-death-queue'] ?? q.name,
      'x-first-death-reason': msg.headers['x-first-death-reason'] ?? reason,
      'x-first-death-exchange': msg.headers['x-first-death-exchange'] ?? msg.exchange,
      'x-death': [
        { queue: q.name, reason, count: 1, exchange: msg.exchange, 'routing-keys': [msg.routingKey], time: Date.now() },
        ...(Array.isArray(msg.headers['x-death']) ? (msg.headers['x-death'] as unknown[]) : []),
      ],
    };
    const { expiresAt: _dropped, ...rest } = msg;
    for (const target of route(dlx, routingKey)) {
      enqueue(target, { ...rest, headers, exchange: dlx, routingKey, redelivered: false });
    }
  }

  function toIncoming(msg: MemMessage, body: unknown): IncomingMessage {
    const headers = JSON.parse(JSON.stringify(msg.headers)) as Record<string, unknown>;
    const incoming: IncomingMessage = {
      body,
      messageId: msg.messageId,
      redelivered: msg.redelivered,
      headers,
      routingKey: msg.routingKey,
    };
    if (msg.correlationId !== undefined) incoming.correlationId = msg.correlationId;
    if (msg.replyTo !== undefined) incoming.replyTo = msg.replyTo;
    const requestId = headers[HEADER_REQUEST_ID];
    if (typeof requestId === 'string') incoming.requestId = requestId;
    const deadline = readDeadline(headers);
    if (deadline !== undefined) incoming.deadline = deadline;
    return incoming;
  }

  function addConsumer(q: MemQueue, prefetch: number, exclusive: boolean, handle: MemConsumer['handle'] | undefined): MemConsumer {
    if (q.consumers.some((c) => c.exclusive)) {
      throw new TransportError('refused', `queue '${q.name}' already has an exclusive consumer (ACCESS_REFUSED)`);
    }
    if (exclusive && q.consumers.length > 0) {
      throw new TransportError('refused', `queue '${q.name}' has consumers; cannot consume exclusively (ACCESS_REFUSED)`);
    }
    const consumer: MemConsumer = {
      queue: q,
      prefetch: Math.max(0, Math.floor(prefetch)),
      exclusive,
      unacked: 0,
      running: 0,
      cancelled: false,
      idleWaiters: [],
      handle: handle ?? (async () => {}),
    };
    q.consumers.push(consumer);
    consumers.add(consumer);
    schedule(q);
    return consumer;
  }

  function cancelConsumer(consumer: MemConsumer): Promise<void> {
    consumer.cancelPromise ??= (async () => {
      consumer.cancelled = true;
      const q = consumer.queue;
      q.consumers = q.consumers.filter((c) => c !== consumer);
      if (consumer.running > 0) await new Promise<void>((resolve) => consumer.idleWaiters.push(resolve));
      consumers.delete(consumer);
      if (q.autoDelete && q.consumers.length === 0) deleteQueue(q);
      else schedule(q); // let another consumer (single-active-consumer) take over
    })();
    return consumer.cancelPromise;
  }

  function makeCancel(consumer: MemConsumer): Consumer {
    return { cancel: () => cancelConsumer(consumer) };
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
        call.resolve(parseJson(content));
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
    const q = queues.get(queue);
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
      enqueue(q, {
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

  // ---- the bus -------------------------------------------------------------------------------

  const bus: MemoryBus = {
    call(queue, body, callOpts) {
      let content: string;
      try {
        content = toJson(body);
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
      const q = queues.get(queue);
      if (!q) throw new TransportError('unroutable', `no queue '${queue}' (default exchange)`);
      const msg: MemMessage = { content, messageId: randomUUID(), headers, exchange: '', routingKey: queue, redelivered: false };
      if (props.replyTo !== undefined) msg.replyTo = props.replyTo;
      if (props.correlationId !== undefined) msg.correlationId = props.correlationId;
      enqueue(q, msg);
    },

    async serve(spec: QueueSpec, handler: RpcHandler, serveOpts: ServeOptions): Promise<Consumer> {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      if (closed) throw new TransportError('closed', 'bus closed');
      const q = declareQueueInternal(spec);
      const consumer = addConsumer(q, serveOpts.prefetch, serveOpts.exclusive ?? false, async (d) => {
        const msg = d.msg;
        const deadline = readDeadline(msg.headers);
        if (deadline !== undefined && Date.now() > deadline) {
          settle(d, 'ack'); // the caller has given up: drop, no reply
          return;
        }
        const reply = (body: unknown) => {
          if (msg.replyTo === undefined || d.epoch !== epoch) return;
          let content: string;
          try {
            content = toJson(body);
          } catch (err) {
            content = toJson(errorReply('internal', `reply not serialisable: ${errorMessage(err)}`));
          }
          deliverReply(msg.replyTo, msg.correlationId, content);
        };
        // a message nobody can be told about: to the dead-letter exchange (and acked), else rejected
        const refuse = (reason: string) => {
          if (serveOpts.deadLetterExchange !== undefined && d.epoch === epoch) {
            const headers: Record<string, unknown> = { ...msg.headers, 'x-reason': reason, 'x-original-queue': q.name };
            if (msg.correlationId !== undefined) headers['x-correlation-id'] = msg.correlationId;
            ensureExchange(serveOpts.deadLetterExchange);
            const dead: MemMessage = { content: msg.content, messageId: msg.messageId, headers, exchange: serveOpts.deadLetterExchange, routingKey: q.name, redelivered: false };
            for (const target of route(serveOpts.deadLetterExchange, q.name)) enqueue(target, dead);
            settle(d, 'ack');
          } else {
            settle(d, 'reject');
          }
        };
        // Before anything runs, like the AMQP server: a request that cannot be answered is not executed.
        const unanswerable = msg.replyTo === undefined ? undefined : replyAddressProblem(msg.replyTo);
        if (unanswerable !== undefined) {
          log.warn({ queue: q.name, correlationId: msg.correlationId, replyTo: msg.replyTo, reason: unanswerable }, 'request with an invalid reply address: not executed, not answered');
          refuse(`invalid_reply_to: ${unanswerable}`);
          return;
        }
        let body: unknown;
        try {
          body = parseJson(msg.content); // the same parse as the AMQP bus
        } catch (err) {
          if (msg.replyTo !== undefined) {
            reply(errorReply('invalid_message', `invalid JSON: ${errorMessage(err)}`));
            settle(d, 'ack');
          } else {
            refuse(`invalid_message: invalid JSON: ${errorMessage(err)}`);
          }
          return;
        }
        let result: unknown;
        try {
          result = await handler(toIncoming(msg, body));
        } catch (err) {
          log.error({ err, queue: q.name }, 'rpc handler threw');
          reply(errorReply('internal', errorMessage(err)));
          settle(d, 'ack');
          return;
        }
        if (result === REQUEUE) {
          settle(d, 'requeue'); // no reply: back to the head of the queue for the next consumer
          return;
        }
        if (result !== NO_REPLY) reply(result);
        settle(d, 'ack');
      });
      return makeCancel(consumer);
    },

    async declareExchange(name, type) {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      declareExchangeInternal(name, type);
    },

    async declareQueue(spec, bindings = []) {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      for (const b of bindings) {
        if (b.exchange !== '' && !exchanges.has(b.exchange)) {
          throw new TransportError('refused', `no exchange '${b.exchange}' to bind '${spec.name}' to`);
        }
      }
      declareQueueInternal(spec);
      for (const b of bindings) if (b.exchange !== '') bind(spec.name, b.exchange, b.routingKey);
    },

    async publish(exchange, routingKey, body, publishOpts = {}) {
      assertUsable();
      const content = toJson(body);
      ensureExchange(exchange);
      const headers: Record<string, unknown> = { ...publishOpts.headers };
      if (publishOpts.requestId !== undefined) headers[HEADER_REQUEST_ID] = publishOpts.requestId;
      const msg: MemMessage = { content, messageId: randomUUID(), headers, exchange, routingKey, redelivered: false };
      for (const q of route(exchange, routingKey)) enqueue(q, msg);
      await tick(); // "confirm"
    },

    async subscribe(spec: SubscribeSpec, handler: EventHandler): Promise<Consumer> {
      if (closed) throw new TransportError('closed', 'bus closed');
      await tick();
      if (closed) throw new TransportError('closed', 'bus closed');
      ensureExchange(spec.exchange);
      const q = spec.queue
        ? declareQueueInternal(spec.queue)
        : declareQueueInternal({ name: `memory.gen-${randomUUID()}`, durable: false }, true);
      for (const key of spec.bindingKeys) bind(q.name, spec.exchange, key);
      let tail: Promise<void> = Promise.resolve();
      const consumer = addConsumer(q, spec.prefetch ?? DEFAULT_SUBSCRIBE_PREFETCH, false, (d) => {
        // one at a time, in delivery order
        const run = tail.then(async () => {
          let body: unknown;
          try {
            body = parseJson(d.msg.content);
          } catch {
            log.warn({ queue: q.name, routingKey: d.msg.routingKey }, 'invalid JSON event; dead-lettered');
            settle(d, 'reject');
            return;
          }
          try {
            await handler(toIncoming(d.msg, body));
          } catch (err) {
            log.error({ err, queue: q.name, routingKey: d.msg.routingKey }, 'event handler threw; dead-lettered');
            settle(d, 'reject');
            return;
          }
          settle(d, 'ack');
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
      return deadLetters;
    },

    queueDepth(name) {
      return queues.get(name)?.messages.length;
    },

    simulateDisconnect() {
      if (closed || !connected) return;
      connected = false;
      epoch++;
      // unacked deliveries go back to the head of their queues, flagged redelivered
      for (const q of queues.values()) {
        const back = [...q.unacked].map((d) => ({ ...d.msg, redelivered: true }));
        for (const d of q.unacked) d.consumer.unacked--;
        q.unacked.clear();
        q.messages.unshift(...back);
        for (const m of back) if (m.expiresAt !== undefined) armExpiry(q, m.expiresAt);
      }
      failPending('disconnected', 'connection to the broker lost before the reply arrived');
      emitState(false);
    },

    simulateReconnect() {
      if (closed || connected) return;
      connected = true;
      reconnects++;
      emitState(true);
      for (const q of queues.values()) schedule(q);
    },

    close() {
      closing ??= (async () => {
        const wasConnected = connected && !closed;
        await Promise.allSettled([...consumers].map((c) => cancelConsumer(c)));
        closed = true;
        failPending('closed', 'bus closed');
        if (wasConnected) emitState(false);
      })();
      return closing;
    },
  };
  return bus;
}
