/**
 * The outbox relay of a node: publishes the events the store recorded with each state change
 * (store/port.ts, "The outbox"), in order, on the topic exchange and in the gateways' feed
 * (event-feed.ts), and removes them from the store's outbox once the broker confirmed both.
 *
 * - In order: one FIFO for the node. An actor hands in a change's events after its write committed
 *   and before its next input runs (its mailbox waits), so one recipient's events enter the FIFO in
 *   seq order; they are published in FIFO order, and confirmed ones leave it from the head only.
 * - Live: an event is published the moment it is handed in (no extra latency). A failed publish
 *   (broker gone, channel closed, nacked) puts the relay in "failing" mode: nothing new is sent;
 *   once every publish in flight has settled, the events not confirmed are sent again FROM THE
 *   HEAD, in FIFO order, after a backoff (100 ms doubling to 5 s) or at once when the bus
 *   reconnects. Only the legs (topic, feed) that were not confirmed are sent again. So a recipient's
 *   events reach the bus in order, with no hole; an event may arrive twice (its confirm was lost
 *   in the broker's fall), and consumers keep only a higher seq (docs/bus.md, Guarantees).
 * - `add` resolves once the change's events were confirmed, or as soon as one of them failed its
 *   attempt, or at once while the relay is failing: the events are durable in the store already,
 *   so the actor's reply never waits for the broker to come back (and never rejects).
 * - Shards: a new owner hands the shard's leftover outbox to `adopt` BEFORE any actor of the shard
 *   exists (shard-manager.ts), so leftovers go out ahead of anything newer; a lost shard is
 *   `drop`ped (its events are the new owner's to publish); a handed-over shard is `drain`ed first.
 * - Deletes: confirmed events are removed from the store's outbox in bulk, one `deleteOutbox` per
 *   turn of the event loop. A failed delete is retried after DELETE_RETRY_MS, or as soon as a
 *   write commits again (events handed in); at worst an event is published once more by a future
 *   owner (harmless: consumers keep the higher seq), never lost. Published events are not kept: nothing
 *   per recipient stays in memory once its events are confirmed and deleted.
 */
import type { RecipientEvent } from '@qubicle/contracts';
import type { Bus, Logger } from '@qubicle/transport';
import type { Clock, TimerHandle } from '../clock.js';
import type { OutboxKey, RecipientStore } from '../store/port.js';
import type { EventFeedSink } from './event-feed.js';
import { publishEvent } from './publish.js';

/** What an actor needs of the relay. */
export interface EventRelay {
  /** The events of a committed change of a recipient of `shard`, in seq order. Never rejects. */
  add(shard: number, events: RecipientEvent[]): Promise<void>;
}

export interface OutboxRelayOptions {
  bus: Pick<Bus, 'publish'> & Partial<Pick<Bus, 'onStateChange'>>;
  store: Pick<RecipientStore, 'deleteOutbox'>;
  clock: Clock;
  logger: Logger;
  /** The gateways' feed; absent = the topic exchange only. */
  feed?: EventFeedSink;
  /** First retry delay after a failure (default 100 ms), doubling up to `retryMaxMs` (default 5000). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How the delete flush is scheduled (default setImmediate; tests may flush by hand). */
  schedule?: (fn: () => void) => void;
  /** Failed publish attempts (metrics.ts); absent = not counted. */
  onPublishFailed?: () => void;
}

export interface OutboxRelayStats {
  /** events handed in (or adopted) and not yet confirmed */
  pending: number;
  /** events confirmed on every exchange */
  confirmed: number;
  /** publish attempts (legs) that failed */
  failedAttempts: number;
  /** times the relay sent again from the head */
  retries: number;
  /** confirmed events whose removal from the store's outbox is still to be done */
  deletesPending: number;
}

const TO_SEND = 0;
const IN_FLIGHT = 1;
const CONFIRMED = 2;
type Leg = typeof TO_SEND | typeof IN_FLIGHT | typeof CONFIRMED;

interface Waiter {
  remaining: number;
  resolve: () => void;
}

interface Entry {
  shard: number;
  event: RecipientEvent;
  topic: Leg;
  feed: Leg;
  /** the add() waiting for this entry's first attempt; null once it settled */
  waiter: Waiter | null;
  /** its shard was lost: forgotten (the new owner publishes it from the store) */
  dropped: boolean;
}

/** Confirmed events kept for deleting while the store is down, at most (older ones: a future owner re-publishes them). */
const MAX_PENDING_DELETES = 100_000;
const DELETE_RETRY_MS = 1_000;
const RESOLVED = Promise.resolve();

export class OutboxRelay implements EventRelay {
  private queue: Entry[] = [];
  private head = 0;
  private inFlight = 0;
  private failing = false;
  private retryTimer: TimerHandle | null = null;
  private retryDelay: number;
  private readonly perShard = new Map<number, number>();
  private readonly drainWaiters = new Map<number, Array<() => void>>();
  private deletes: OutboxKey[] = [];
  private deleting = false;
  private deleteScheduled = false;
  private deleteTimer: TimerHandle | null = null;
  private deleteFailures = 0;
  private closed = false;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly counters = { confirmed: 0, failedAttempts: 0, retries: 0 };

  constructor(private readonly opts: OutboxRelayOptions) {
    this.retryDelay = opts.retryInitialMs ?? 100;
    this.unsubscribe = opts.bus.onStateChange?.((connected) => {
      if (connected) this.reconnected();
    });
  }

  add(shard: number, events: RecipientEvent[]): Promise<void> {
    if (events.length === 0 || this.closed) return RESOLVED;
    this.storeAnswered();
    if (this.failing) {
      // recorded in the store: sent when the relay retries; the caller does not wait for the broker
      for (const event of events) this.push(shard, event, null);
      return RESOLVED;
    }
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { remaining: events.length, resolve };
      for (const event of events) this.send(this.push(shard, event, waiter));
    });
  }

  /**
   * A shard's leftover outbox (store.listOutbox), handed in when the shard is taken, before any of
   * its actors exists. Resolves like `add` (confirmed, or the first attempt failed).
   */
  adopt(shard: number, events: RecipientEvent[]): Promise<void> {
    return this.add(shard, events);
  }

  /** Resolves once no event of `shard` is pending (confirmed or dropped), or after `timeoutMs`; true when drained. */
  drain(shard: number, timeoutMs: number): Promise<boolean> {
    if ((this.perShard.get(shard) ?? 0) === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const { clock } = this.opts;
      const timer = clock.setTimer(clock.now() + timeoutMs, () => {
        const list = this.drainWaiters.get(shard);
        if (list) list.splice(list.indexOf(done), 1);
        resolve(false);
      });
      const done = (): void => {
        clock.clearTimer(timer);
        resolve(true);
      };
      const list = this.drainWaiters.get(shard) ?? [];
      list.push(done);
      this.drainWaiters.set(shard, list);
    });
  }

  /** The shard was lost: its events are no longer ours to publish (publishes in flight finish, unobserved). */
  drop(shard: number): void {
    if ((this.perShard.get(shard) ?? 0) === 0) return;
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.shard !== shard || e.dropped) continue;
      e.dropped = true;
      this.settleWaiter(e);
    }
    this.perShard.delete(shard);
    this.wakeDrained(shard);
    this.popHead();
  }

  /** Events of `shard` (or all) handed in and not yet confirmed. */
  pending(shard?: number): number {
    if (shard !== undefined) return this.perShard.get(shard) ?? 0;
    let n = 0;
    for (const v of this.perShard.values()) n += v;
    return n;
  }

  stats(): OutboxRelayStats {
    return { pending: this.pending(), ...this.counters, deletesPending: this.deletes.length };
  }

  /** Stops retrying and deleting (the node is stopping; what is left is in the store for the next owner). */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.retryTimer) this.opts.clock.clearTimer(this.retryTimer);
    if (this.deleteTimer) this.opts.clock.clearTimer(this.deleteTimer);
    this.retryTimer = null;
    this.deleteTimer = null;
  }

  /** Removes the confirmed events from the store now (tests, shutdown). */
  async flushDeletes(): Promise<void> {
    this.deleteScheduled = false;
    if (this.deleting || this.deletes.length === 0) return;
    const batch = this.deletes;
    this.deletes = [];
    this.deleting = true;
    try {
      await this.opts.store.deleteOutbox(batch);
      this.deleteFailures = 0;
    } catch (err) {
      if (this.deleteFailures++ === 0) this.opts.logger.warn({ err, events: batch.length }, 'outbox: removing published events failed; retrying');
      this.deletes = batch.concat(this.deletes);
      if (this.deletes.length > MAX_PENDING_DELETES) this.deletes = this.deletes.slice(this.deletes.length - MAX_PENDING_DELETES);
      if (!this.closed && !this.deleteTimer) {
        const { clock } = this.opts;
        this.deleteTimer = clock.setTimer(clock.now() + DELETE_RETRY_MS, () => {
          this.deleteTimer = null;
          void this.flushDeletes();
        });
      }
    } finally {
      this.deleting = false;
    }
    if (this.deletes.length > 0 && this.deleteFailures === 0) this.scheduleDeletes();
  }

  // ------------------------------------------------------------------------------------------

  private push(shard: number, event: RecipientEvent, waiter: Waiter | null): Entry {
    const e: Entry = { shard, event, topic: TO_SEND, feed: this.opts.feed ? TO_SEND : CONFIRMED, waiter, dropped: false };
    this.queue.push(e);
    this.perShard.set(shard, (this.perShard.get(shard) ?? 0) + 1);
    return e;
  }

  private send(e: Entry): void {
    if (e.topic === TO_SEND) {
      e.topic = IN_FLIGHT;
      this.inFlight++;
      publishEvent(this.opts.bus, e.event).then(
        () => this.legSettled(e, 'topic', null),
        (err: unknown) => this.legSettled(e, 'topic', err ?? new Error('publish failed')),
      );
    }
    if (e.feed === TO_SEND) {
      e.feed = IN_FLIGHT;
      this.inFlight++;
      this.opts.feed!.add(e.event).then(
        () => this.legSettled(e, 'feed', null),
        (err: unknown) => this.legSettled(e, 'feed', err ?? new Error('feed publish failed')),
      );
    }
  }

  private legSettled(e: Entry, leg: 'topic' | 'feed', err: unknown): void {
    this.inFlight--;
    if (err === null) {
      e[leg] = CONFIRMED;
      if (e.topic === CONFIRMED && e.feed === CONFIRMED) {
        this.settleWaiter(e);
        this.popHead();
      }
    } else {
      e[leg] = TO_SEND;
      this.settleWaiter(e);
      this.counters.failedAttempts++;
      this.opts.onPublishFailed?.();
      if (!this.failing && !e.dropped) {
        this.failing = true;
        this.opts.logger.warn(
          { err, event: e.event.event, seq: e.event.seq, recipient_id: e.event.recipient_id, pending: this.pending() },
          'event publish failed: the outbox keeps the events and sends them again, in order',
        );
      }
    }
    if (this.failing && this.inFlight === 0) this.scheduleRetry();
  }

  private settleWaiter(e: Entry): void {
    const w = e.waiter;
    if (!w) return;
    e.waiter = null;
    if (--w.remaining === 0) w.resolve();
  }

  /** Confirmed (or dropped) entries leave from the head only: the FIFO order of what is retried. */
  private popHead(): void {
    const q = this.queue;
    let h = this.head;
    let confirmed = 0;
    while (h < q.length) {
      const e = q[h]!;
      if (!e.dropped) {
        if (e.topic !== CONFIRMED || e.feed !== CONFIRMED) break;
        confirmed++;
        this.deletes.push(e.event);
        const left = (this.perShard.get(e.shard) ?? 1) - 1;
        if (left === 0) {
          this.perShard.delete(e.shard);
          this.wakeDrained(e.shard);
        } else this.perShard.set(e.shard, left);
      }
      q[h] = undefined as unknown as Entry; // release it now, not at the next compaction
      h++;
    }
    if (h === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      this.queue = q.slice(h);
      this.head = 0;
    } else this.head = h;
    if (confirmed > 0) {
      this.counters.confirmed += confirmed;
      if (this.pending() === 0) this.retryDelay = this.opts.retryInitialMs ?? 100;
      this.scheduleDeletes();
    }
  }

  private wakeDrained(shard: number): void {
    const list = this.drainWaiters.get(shard);
    if (!list) return;
    this.drainWaiters.delete(shard);
    for (const done of list) done();
  }

  /**
   * Events are handed in after their write committed: the store takes writes again. Deletes held
   * back by a failed one go out now rather than at their retry timer (up to DELETE_RETRY_MS
   * later): if the store failed again meanwhile, or the shard moved, a new owner would publish
   * those confirmed events a second time.
   */
  private storeAnswered(): void {
    if (!this.deleteTimer) return;
    this.opts.clock.clearTimer(this.deleteTimer);
    this.deleteTimer = null;
    this.scheduleDeletes();
  }

  private scheduleDeletes(): void {
    // a retry timer is pending after a failed delete: the store is not hammered meanwhile
    if (this.deleteScheduled || this.deleteTimer || this.closed) return;
    this.deleteScheduled = true;
    (this.opts.schedule ?? setImmediate)(() => void this.flushDeletes());
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const { clock } = this.opts;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, this.opts.retryMaxMs ?? 5_000);
    this.retryTimer = clock.setTimer(clock.now() + delay, () => {
      this.retryTimer = null;
      this.retry();
    });
  }

  private reconnected(): void {
    this.retryDelay = this.opts.retryInitialMs ?? 100;
    if (!this.failing || this.closed) return;
    if (this.retryTimer) {
      // the broker is back: no reason to wait out the backoff
      this.opts.clock.clearTimer(this.retryTimer);
      this.retryTimer = null;
      if (this.inFlight === 0) this.retry();
    }
  }

  /** Everything not confirmed, again, from the head, in FIFO order. */
  private retry(): void {
    if (!this.failing || this.inFlight > 0 || this.closed) return;
    this.failing = false;
    this.counters.retries++;
    const pending = this.pending();
    if (pending > 0) this.opts.logger.info({ pending }, 'outbox: sending the unconfirmed events again');
    for (let i = this.head; i < this.queue.length && !this.failing; i++) {
      const e = this.queue[i]!;
      if (!e.dropped) this.send(e);
    }
  }
}
