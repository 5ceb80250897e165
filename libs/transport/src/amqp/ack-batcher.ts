/**
 * Acks in bulk: one `basic.ack` with `multiple: true` settles every delivery of the channel up to
 * its tag, instead of one ack frame per message (the broker parses and settles each ack frame; a
 * micro-benchmark on the shard-queue path measured ~10–15 µs of broker CPU per ack frame,
 * docs/performance.md).
 *
 * RabbitMQ's multiple ack settles EVERY outstanding delivery up to the tag, and fails the channel if
 * the tag itself is not outstanding. So a bulk ack may only name a message we acked, and only when
 * every delivery before it is settled (acked here, or nacked already). Deliveries are recorded in
 * tag order; each turn of the event loop the settled prefix is acked with one frame.
 *
 * Messages handled concurrently (the shard queues: many actors) finish out of order; one acked
 * behind a still-running delivery (a "straggler") waits for it, but at most `maxHoldMs`, or less if
 * `maxHeld` stragglers pile up (they count against the channel's prefetch): then they are acked one
 * by one. Nacks are never delayed. `flushAll()` must run before the channel is closed on purpose,
 * or the held acks would be lost and the broker would redeliver those messages.
 */
import type { Channel, Message } from 'amqplib';

/** 0 = running, 1 = acked here but not sent yet, 2 = settled at the broker (ack or nack sent) */
type Settle = 0 | 1 | 2;

interface Delivery {
  msg: Message;
  tag: number;
  state: Settle;
}

export interface AckBatcherOptions {
  /** how long an ack may wait behind a slower earlier delivery (default 20 ms) */
  maxHoldMs?: number;
  /** this many waiting acks are sent one by one at once (default 64) */
  maxHeld?: number;
  /** called when the channel refuses a frame (closed); the broker requeues what was not acked */
  onClosed?: () => void;
}

export class AckBatcher {
  /** deliveries not yet settled at the broker, in tag order (head index instead of shift()) */
  private queue: Delivery[] = [];
  private head = 0;
  private readonly byTag = new Map<number, Delivery>();
  private held = 0;
  private flushScheduled = false;
  private holdTimer: NodeJS.Timeout | undefined;
  private dead = false;
  private readonly maxHoldMs: number;
  private readonly maxHeld: number;

  constructor(
    private readonly ch: Pick<Channel, 'ack' | 'nack'>,
    private readonly opts: AckBatcherOptions = {},
  ) {
    this.maxHoldMs = opts.maxHoldMs ?? 20;
    this.maxHeld = opts.maxHeld ?? 64;
  }

  /** Records a delivery (call for every message, in delivery order). */
  delivered(msg: Message): void {
    const d: Delivery = { msg, tag: msg.fields.deliveryTag, state: 0 };
    this.queue.push(d);
    this.byTag.set(d.tag, d);
  }

  /** Acks a message: sent with the next bulk ack that can cover it. */
  ack(msg: Message): void {
    const d = this.byTag.get(msg.fields.deliveryTag);
    if (!d || d.state !== 0) return;
    d.state = 1;
    this.held++;
    this.schedule();
  }

  /** Nacks a message now (requeue = back to the queue for another consumer; else dead-letter/drop). */
  nack(msg: Message, requeue: boolean): void {
    const d = this.byTag.get(msg.fields.deliveryTag);
    if (d && d.state === 1) this.held--;
    if (d) d.state = 2;
    this.send(() => this.ch.nack(msg, false, requeue));
    if (d) this.schedule(); // may complete a prefix
  }

  /** Sends every ack held (bulk where possible, one by one otherwise). Synchronous. */
  flushAll(): void {
    this.flushPrefix();
    this.releaseHeld();
  }

  /** Acks held right now (for tests and metrics). */
  get pending(): number {
    return this.held;
  }

  /** Forget everything: the channel is gone, the broker requeues what was not acked. */
  discard(): void {
    this.dead = true;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.queue = [];
    this.head = 0;
    this.byTag.clear();
    this.held = 0;
  }

  private schedule(): void {
    if (this.flushScheduled || this.dead) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushPrefix();
      if (this.held >= this.maxHeld) this.releaseHeld();
      else if (this.held > 0) this.armHold();
    });
  }

  /** One bulk ack for the settled prefix, naming its last message acked here. */
  private flushPrefix(): void {
    if (this.dead) return;
    let last: Delivery | undefined;
    while (this.head < this.queue.length) {
      const d = this.queue[this.head]!;
      if (d.state === 0) break;
      if (d.state === 1) {
        last = d;
        this.held--;
      }
      this.byTag.delete(d.tag);
      this.head++;
    }
    this.compact();
    if (last) {
      const msg = last.msg;
      this.send(() => this.ch.ack(msg, true));
    }
  }

  /** Stragglers waited long enough: ack them one by one. */
  private releaseHeld(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    if (this.dead || this.held === 0) return;
    for (let i = this.head; i < this.queue.length; i++) {
      const d = this.queue[i]!;
      if (d.state !== 1) continue;
      d.state = 2;
      this.held--;
      const msg = d.msg;
      this.send(() => this.ch.ack(msg, false));
    }
  }

  private armHold(): void {
    if (this.holdTimer || this.dead) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.flushPrefix();
      this.releaseHeld();
    }, this.maxHoldMs);
    this.holdTimer.unref?.();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private send(frame: () => void): void {
    try {
      frame();
    } catch {
      // amqplib throws synchronously once the channel is closed: nothing more can be settled here
      this.discard();
      this.opts.onClosed?.();
    }
  }
}
