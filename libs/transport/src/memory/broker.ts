/**
 * The in-process broker behind the memory bus (memory-bus.ts is the `Bus` facade on top): named
 * FIFO queues, prefetch, exclusive consumers (refused like a 403), single-active-consumer,
 * per-message expiry (expired messages are dropped / dead-lettered, never delivered),
 * direct/fanout/topic exchanges and their bindings, and queue-level dead-lettering through
 * `x-dead-letter-exchange` plus an `onDeadLetter` hook. It knows nothing of RPC or JSON: bodies
 * are text, and what a consumer does with a delivery is its handler's business.
 *
 * Deliveries always happen asynchronously (setImmediate), never re-entrantly. A simulated outage
 * bumps the epoch: deliveries of an older epoch go back to their queues and cannot be settled.
 */
import type { Logger, QueueSpec } from '../bus.js';
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

export interface MemMessage {
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

export interface MemConsumer {
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

export interface Delivery {
  msg: MemMessage;
  epoch: number;
  consumer: MemConsumer;
  settled: boolean;
}

export interface MemQueue {
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

/** How a delivery is settled: ack, nack without requeue (dead-lettered / dropped), nack with requeue. */
export type Settlement = 'ack' | 'reject' | 'requeue';

export class MemoryBroker {
  private readonly queues = new Map<string, MemQueue>();
  private readonly exchanges = new Map<string, MemExchange>();
  readonly consumers = new Set<MemConsumer>();
  /** the most recent dead letters (at most 1000) */
  readonly deadLetters: DeadLetter[] = [];
  /** false while the "connection" is down or the bus closed: nothing is delivered */
  delivering = true;
  /** incremented on every simulated disconnect: deliveries of an older epoch cannot be settled */
  epoch = 0;

  constructor(
    private readonly log: Logger,
    private readonly onDeadLetter: ((dl: DeadLetter) => void) | undefined,
  ) {}

  // ---- topology ------------------------------------------------------------------------------

  declareQueue(spec: QueueSpec, autoDelete = false): MemQueue {
    let q = this.queues.get(spec.name);
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
      this.queues.set(spec.name, q);
    }
    return q;
  }

  queue(name: string): MemQueue | undefined {
    return this.queues.get(name);
  }

  hasExchange(name: string): boolean {
    return this.exchanges.has(name);
  }

  declareExchange(name: string, type: ExchangeType): void {
    const existing = this.exchanges.get(name);
    if (existing) {
      if (existing.type !== type) throw new TransportError('refused', `exchange '${name}' exists with type ${existing.type}, not ${type}`);
      return;
    }
    this.exchanges.set(name, { type, bindings: [] });
  }

  /** An exchange used without being declared is a topic exchange (like the AMQP bus's publish). */
  ensureExchange(name: string): void {
    if (name === '' || this.exchanges.has(name)) return;
    this.declareExchange(name, 'topic');
  }

  bind(queue: string, exchange: string, key: string): void {
    const ex = this.exchanges.get(exchange);
    if (!ex) throw new TransportError('refused', `no exchange '${exchange}' to bind '${queue}' to`);
    if (!ex.bindings.some((b) => b.queue === queue && b.key === key)) ex.bindings.push({ queue, key });
  }

  private deleteQueue(q: MemQueue): void {
    this.queues.delete(q.name);
    for (const ex of this.exchanges.values()) ex.bindings = ex.bindings.filter((b) => b.queue !== q.name);
  }

  route(exchange: string, routingKey: string): MemQueue[] {
    if (exchange === '') {
      const q = this.queues.get(routingKey);
      return q ? [q] : [];
    }
    const ex = this.exchanges.get(exchange);
    if (!ex) return [];
    const names = new Set<string>();
    for (const b of ex.bindings) {
      const hit = ex.type === 'fanout' || (ex.type === 'direct' ? b.key === routingKey : topicMatches(b.key, routingKey));
      if (hit) names.add(b.queue);
    }
    return [...names].map((n) => this.queues.get(n)).filter((q): q is MemQueue => q !== undefined);
  }

  /** Routes a message through `exchange` to every queue bound for its key (none: dropped). */
  publish(exchange: string, msg: MemMessage): void {
    for (const q of this.route(exchange, msg.routingKey)) this.enqueue(q, msg);
  }

  // ---- queues and delivery -------------------------------------------------------------------

  enqueue(q: MemQueue, msg: MemMessage): void {
    q.messages.push({ ...msg, headers: { ...msg.headers } });
    // expire (and dead-letter) even if nobody consumes
    if (msg.expiresAt !== undefined) this.armExpiry(q, msg.expiresAt);
    this.schedule(q);
  }

  /** Number of ready (undelivered) messages in a queue; undefined if no such queue. */
  depth(name: string): number | undefined {
    return this.queues.get(name)?.messages.length;
  }

  /**
   * Makes sure the queue is looked at by `at` (+1 ms). One timer per queue for its earliest
   * deadline: a timer per message would keep every RPC's timer alive for its whole timeout even
   * after it was answered (memory, at high rates). When it fires, it re-arms for the next one.
   */
  private armExpiry(q: MemQueue, at: number): void {
    if (q.expiry && q.expiry.at <= at) return;
    if (q.expiry) clearTimeout(q.expiry.timer);
    const timer = setTimeout(() => {
      q.expiry = undefined;
      this.schedule(q);
      let next: number | undefined;
      for (const m of q.messages) if (m.expiresAt !== undefined && (next === undefined || m.expiresAt < next)) next = m.expiresAt;
      if (next !== undefined) this.armExpiry(q, Math.max(next, Date.now()));
    }, Math.max(0, at - Date.now()) + 1);
    timer.unref();
    q.expiry = { at, timer };
  }

  schedule(q: MemQueue): void {
    if (q.scheduled) return;
    q.scheduled = true;
    setImmediate(() => {
      q.scheduled = false;
      this.dispatch(q);
    });
  }

  /** Looks at every queue again (after a simulated outage). */
  scheduleAll(): void {
    for (const q of this.queues.values()) this.schedule(q);
  }

  private dropExpired(q: MemQueue): void {
    const now = Date.now();
    if (!q.messages.some((m) => m.expiresAt !== undefined && now >= m.expiresAt)) return;
    const keep: MemMessage[] = [];
    for (const m of q.messages) {
      if (m.expiresAt !== undefined && now >= m.expiresAt) this.deadLetter(q, m, 'expired');
      else keep.push(m);
    }
    q.messages = keep;
  }

  private pickConsumer(q: MemQueue): MemConsumer | undefined {
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

  private dispatch(q: MemQueue): void {
    if (this.queues.get(q.name) !== q) return; // deleted
    this.dropExpired(q);
    if (!this.delivering) return;
    for (;;) {
      const msg = q.messages[0];
      if (!msg) break;
      const consumer = this.pickConsumer(q);
      if (!consumer) break;
      q.messages.shift();
      const delivery: Delivery = { msg, epoch: this.epoch, consumer, settled: false };
      consumer.unacked++;
      q.unacked.add(delivery);
      consumer.running++;
      void consumer
        .handle(delivery)
        .catch((err: unknown) => this.log.error({ err, queue: q.name }, 'memory bus: delivery processing failed'))
        .finally(() => {
          consumer.running--;
          // a handler that returned without settling acks implicitly
          this.settle(delivery, 'ack');
          if (consumer.running === 0) for (const w of consumer.idleWaiters.splice(0)) w();
        });
    }
  }

  /** Settles a delivery once; late settlements after a simulated outage are lost. */
  settle(d: Delivery, how: Settlement): void {
    if (d.settled) return;
    d.settled = true;
    const q = d.consumer.queue;
    if (d.epoch !== this.epoch) return; // the "channel" died: the message was requeued already
    d.consumer.unacked--;
    q.unacked.delete(d);
    if (how === 'reject') this.deadLetter(q, d.msg, 'rejected');
    if (how === 'requeue') {
      q.messages.unshift({ ...d.msg, redelivered: true });
      if (d.msg.expiresAt !== undefined) this.armExpiry(q, d.msg.expiresAt);
    }
    this.schedule(q);
  }

  /** Queue-level dead-lettering, as RabbitMQ does it (`x-death`, `x-first-death-*`). */
  private deadLetter(q: MemQueue, msg: MemMessage, reason: DeadLetter['reason']): void {
    const dl: DeadLetter = {
      queue: q.name,
      reason,
      content: msg.content,
      routingKey: msg.routingKey,
      exchange: msg.exchange,
      headers: { ...msg.headers },
      messageId: msg.messageId,
    };
    this.deadLetters.push(dl);
    if (this.deadLetters.length > 1000) this.deadLetters.shift();
    try {
      this.onDeadLetter?.(dl);
    } catch (err) {
      this.log.error({ err }, 'onDeadLetter hook threw');
    }
    const dlx = q.args['x-dead-letter-exchange'];
    if (typeof dlx !== 'string') {
      this.log.debug({ queue: q.name, reason }, 'message dropped (no dead-letter exchange)');
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
    for (const target of this.route(dlx, routingKey)) {
      this.enqueue(target, { ...rest, headers, exchange: dlx, routingKey, redelivered: false });
    }
  }

  // ---- consumers -----------------------------------------------------------------------------

  addConsumer(q: MemQueue, prefetch: number, exclusive: boolean, handle: MemConsumer['handle']): MemConsumer {
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
      handle,
    };
    q.consumers.push(consumer);
    this.consumers.add(consumer);
    this.schedule(q);
    return consumer;
  }

  /** No new deliveries; resolves once the consumer's running handlers have finished. */
  cancelConsumer(consumer: MemConsumer): Promise<void> {
    consumer.cancelPromise ??= (async () => {
      consumer.cancelled = true;
      const q = consumer.queue;
      q.consumers = q.consumers.filter((c) => c !== consumer);
      if (consumer.running > 0) await new Promise<void>((resolve) => consumer.idleWaiters.push(resolve));
      this.consumers.delete(consumer);
      if (q.autoDelete && q.consumers.length === 0) this.deleteQueue(q);
      else this.schedule(q); // let another consumer (single-active-consumer) take over
    })();
    return consumer.cancelPromise;
  }

  /** A simulated lost connection: unacked deliveries go back to the head of their queues, flagged redelivered. */
  loseConnection(): void {
    this.delivering = false;
    this.epoch++;
    for (const q of this.queues.values()) {
      const back = [...q.unacked].map((d) => ({ ...d.msg, redelivered: true }));
      for (const d of q.unacked) d.consumer.unacked--;
      q.unacked.clear();
      q.messages.unshift(...back);
      for (const m of back) if (m.expiresAt !== undefined) this.armExpiry(q, m.expiresAt);
    }
  }
}
