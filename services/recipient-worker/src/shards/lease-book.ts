/**
 * The lease book: which shards this node holds, under which epoch, and every store operation on
 * them (docs/cluster.md). It writes the ownership gate's entries (ownership-gate.ts); it knows
 * nothing of presence, control or the balance: the shard manager wires those, and the book
 * reports through one-way callbacks (`announceHeld`, `onStoreFault`, `alongsideRenew`).
 *
 *   take:    tryAcquireLease → claimShard (fences older owners' writes) → `shards_held` at once →
 *            hand the shard's leftover outbox (events an earlier owner recorded but may not have
 *            published) to the relay, ahead of anything newer → load its recipients into actors
 *            and re-arm their timers → wait for the leftovers' publish (confirmed, or failed: then
 *            the relay retries them first) → only THEN consume its queue (classic: an exclusive
 *            consumer; quorum: single-active-consumer). A refused consume (a zombie still holds
 *            the exclusive consumer) is retried while the lease is held.
 *   keep:    renew every TTL/3 (a fixed rate: a slow round does not push the next one back).
 *            A renew answered "no" loses the shard at once. The gate checks the lease by this
 *            node's own clock (last successful renew + TTL×0.8), and a watchdog does the same at
 *            that moment:
 *            - no renewal was even tried or answered badly (a freeze: SIGSTOP, long GC, a stalled
 *              event loop): the shard is given up; a command is requeued for the new owner;
 *            - the renewals FAILED, or one is still waiting, because the store does not answer:
 *              the shard is SUSPENDED instead. Nobody can take the lease through a store that
 *              does not answer, so the node keeps it: it keeps consuming and answers every
 *              command at once with 503 naming the store, retries the renewal every 0.5 s — and at
 *              once when the store says it answers again (SQLite: a lock released) or a peer
 *              announces leases it just wrote through it —, and resumes when one succeeds (same
 *              epoch: nobody held the lease meanwhile). A peer announcing a newer epoch of a shard
 *              still held here makes the node give it up at once (docs/cluster.md, "Store outages").
 *   lose:    stop its actors (no writes), drop its events from the relay (the new owner publishes
 *            them from the store), cancel its consumer, release the lease if it is still ours (a
 *            conditional no-op otherwise).
 *   hand over (rebalance, SIGTERM): stop consuming → let in-flight commands finish → drain the
 *            mailboxes → wait (at most TTL/2) for the shard's events to be confirmed, so that the
 *            next owner does not publish them again → release the lease.
 */
import { DEAD_LETTER_EXCHANGE, shardQueue, shardQueueArguments, type RecipientEvent, type ShardQueueType } from '@qubicle/contracts';
import { isTransportError, type Bus, type Consumer, type Logger, type RpcHandler } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { WorkerMetricsSink } from '../metrics.js';
import { isStoreError, type Fence, type Lease, type Store } from '../store/port.js';
import { LEASE_SAFETY, type HeldLease, type OwnershipGate, type Phase } from './ownership-gate.js';
import { stopConsuming } from './stop-consuming.js';

/** Renewal retry interval while a shard is suspended (bounded by TTL/3). */
export const SUSPENDED_RENEW_MS = 500;
/** A consume refused for this long (another consumer never went away) gives the shard up. */
const CONSUME_GIVE_UP_MS = 120_000;

/** What the lease book asks of the outbox relay. */
export interface ShardOutbox {
  /** The shard's leftover outbox, before any of its actors exists; resolves once confirmed or failed once. */
  adopt(shard: number, events: RecipientEvent[]): Promise<void>;
  drop(shard: number): void;
  /** true once none of the shard's events is pending; false after timeoutMs. */
  drain(shard: number, timeoutMs: number): Promise<boolean>;
}

export interface LeaseBookOptions {
  store: Store;
  bus: Pick<Bus, 'serve'>;
  clock: Clock;
  logger: Logger;
  registry: ActorRegistry;
  outbox: ShardOutbox;
  /** the entries it keeps are the ones the gate reads */
  gate: OwnershipGate;
  /** the shard queues' RPC handler */
  handler: RpcHandler;
  node: string;
  leaseTtlMs: number;
  prefetch: number;
  queueType: ShardQueueType;
  /** Delay between two tries of a refused consume (default 250 ms). */
  consumeRetryMs?: number;
  metrics?: Pick<WorkerMetricsSink, 'leaseRenewed' | 'leaseFailed'>;
  /** Announce that this node holds these shards under these epochs (`shards_held`). */
  announceHeld(shards: number[], epochs: number[]): Promise<void>;
  /** One of the book's store operations failed (renew, acquire). */
  onStoreFault(): void;
  /** Runs alongside every renewal round while the node takes part (the heartbeat). */
  alongsideRenew?: () => Promise<void>;
  /** The node's running queues (queue/runtime): a taken shard's queues restart, a lost one's stop. */
  queues?: ShardQueues;
}

/** What the lease book asks of the running queues of a shard (QueueRegistry). */
export interface ShardQueues {
  /** after the shard's recipients are loaded, before it is consumed */
  take(shard: number, fence: Fence): Promise<void>;
  drain(shard: number): Promise<void>;
  drop(shard: number): number;
}

interface OwnedShard extends HeldLease {
  phase: Phase;
  renewedAt: number;
  storeFault: string | null;
  suspended: { since: number; reason: string } | null;
  consumer: Consumer | null;
  takenAt: number;
  watchdog: TimerHandle | null;
  renewing: boolean;
  /** pending retry of a refused consume */
  retry: { timer: TimerHandle; wake: () => void } | null;
  losing?: Promise<void>;
  handingOver?: Promise<void>;
}

export class LeaseBook {
  private readonly owned = new Map<number, OwnedShard>();
  /** shards with a take in progress (a take is async; never two for one shard) */
  private readonly taking = new Set<number>();
  private renewTimer: TimerHandle | null = null;
  private renewing: Promise<void> | null = null;
  /** a renewal round was asked for while one was in flight: run another right after it */
  private renewAgain = false;
  /** start of the last renewal round (renewals run at a fixed rate from there) */
  private renewStartedAt = 0;
  /** running: takes and renews; leaving: renews what it still hands over; stopped: nothing */
  private mode: 'stopped' | 'running' | 'leaving' = 'stopped';
  /** failure streaks, so that an outage is logged at warn once, not on every round */
  private renewFailures = 0;
  private acquireFailures = 0;

  constructor(private readonly opts: LeaseBookOptions) {
    // the gate found a lease too old by this node's clock: give it up (or suspend it) now
    opts.gate.onStale((lease, reason) => {
      const o = this.owned.get(lease.shard);
      if (o === lease) this.expire(o, reason);
    });
    opts.gate.onFenced((shard) => void this.lose(shard, 'a write was fenced: another node holds the lease'));
  }

  get running(): boolean {
    return this.mode === 'running';
  }

  /** Shards whose queue this node consumes now. */
  ownedShards(): number[] {
    return this.shardsWhere((o) => o.phase === 'serving');
  }

  /** Shards whose lease this node holds (also while loading or handing over). */
  heldShards(): number[] {
    return this.shardsWhere((o) => o.phase !== 'lost');
  }

  /** Held shards it keeps (loading or serving): what the balance counts against the quota. */
  keptShards(): number[] {
    return this.shardsWhere((o) => o.phase === 'loading' || o.phase === 'serving');
  }

  /** Held shards that are suspended (the store does not answer their lease renewal). */
  suspendedShards(): number[] {
    return this.shardsWhere((o) => o.phase !== 'lost' && o.suspended !== null);
  }

  /** Shards a take must not be tried for: held in any phase, or a take in progress. */
  busyShards(): Set<number> {
    return new Set([...this.owned.keys(), ...this.taking]);
  }

  epochOf(shard: number): number | undefined {
    return this.owned.get(shard)?.fence.epoch;
  }

  /** From now on: takes allowed, renewals every TTL/3 from `since` (the node's start). */
  start(since: number = this.opts.clock.now()): void {
    this.mode = 'running';
    this.renewStartedAt = since;
    this.scheduleRenew();
  }

  /** SIGTERM: no more takes; what is held keeps being renewed until it is handed over. */
  beginLeaving(): void {
    if (this.mode === 'running') this.mode = 'leaving';
  }

  /** Hands every held shard over; resolves with the shards that were held. */
  async handOverAll(): Promise<number[]> {
    const shards = this.heldShards();
    await Promise.all([...this.owned.values()].map((o) => this.handOverShard(o)));
    return shards;
  }

  /** Renewals stop (after the round in flight). */
  async stop(): Promise<void> {
    this.mode = 'stopped';
    if (this.renewTimer) this.opts.clock.clearTimer(this.renewTimer);
    this.renewTimer = null;
    await this.renewing;
  }

  /** Hands these shards over (rebalance). */
  async handOver(shards: number[]): Promise<void> {
    await Promise.all(shards.map((s) => this.owned.get(s)).filter((o): o is OwnedShard => o !== undefined).map((o) => this.handOverShard(o)));
  }

  /** Releases a dead owner's valid lease for it (conditional on its epoch). */
  releaseFor(lease: Lease): Promise<void> {
    return this.opts.store.releaseLease(lease.shard, lease.owner!, lease.epoch);
  }

  /** Gives the shard up without writing recipient state (lost lease, fenced write, broken consumer). */
  lose(shard: number, reason: string): Promise<void> {
    const o = this.owned.get(shard);
    if (!o) return Promise.resolve();
    if (o.losing) return o.losing;
    o.losing = (async () => {
      o.phase = 'lost';
      this.clearShardTimers(o);
      // Actors first: their queued inputs are answered 'unavailable', so cancel() does not wait on them.
      const dropped = this.opts.registry.dropShard(shard);
      this.opts.queues?.drop(shard);
      // its unconfirmed events are in the store: the new owner publishes them before anything newer
      this.opts.outbox.drop(shard);
      this.opts.logger.warn({ shard, epoch: o.fence.epoch, reason, dropped }, 'shard lost: stopped consuming, actors dropped');
      await this.cancelConsumer(o);
      this.forget(o);
      // Conditional on our epoch: a no-op when another node holds it, else it frees it at once.
      await this.opts.store.releaseLease(shard, this.opts.node, o.fence.epoch).catch(() => undefined);
    })();
    return o.losing;
  }

  /**
   * A peer announced that it holds some shards under these epochs. One we still hold under an
   * older epoch is not ours any more (the epoch grows with every change of owner): give it up at
   * once, so that our (exclusive) consumer stops keeping the new owner off its queue.
   */
  yieldToNewerEpochs(from: string, shards: number[], epochs: number[]): void {
    shards.forEach((shard, i) => {
      const o = this.owned.get(shard);
      const epoch = epochs[i]!;
      if (!o || o.phase === 'lost' || o.losing || epoch <= o.fence.epoch) return;
      this.opts.metrics?.leaseFailed('superseded');
      void this.lose(shard, `${from} holds its lease under epoch ${epoch} (ours: ${o.fence.epoch})`);
    });
  }

  // -------------------------------------------------------------------------------- take

  /** Takes up to `want` of `candidates`, `concurrency` at a time; resolves with the shards taken, sorted. */
  async takeUpTo(candidates: number[], want: number, concurrency: number): Promise<number[]> {
    const taken: number[] = [];
    let next = 0;
    let inFlight = 0;
    const lane = async (): Promise<void> => {
      while (this.running && next < candidates.length && taken.length + inFlight < want) {
        const shard = candidates[next++]!;
        inFlight++;
        try {
          if (await this.take(shard)) taken.push(shard);
        } finally {
          inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, want) }, lane));
    return taken.sort((a, b) => a - b);
  }

  private async take(shard: number): Promise<boolean> {
    if (this.owned.has(shard) || this.taking.has(shard) || !this.running) return false;
    this.taking.add(shard);
    try {
      return await this.takeNow(shard);
    } finally {
      this.taking.delete(shard);
    }
  }

  private async takeNow(shard: number): Promise<boolean> {
    const { store, clock, logger, registry, node, leaseTtlMs } = this.opts;
    const now = clock.now();
    let lease: Lease | null;
    try {
      lease = await store.tryAcquireLease(shard, node, leaseTtlMs, now);
    } catch (err) {
      this.opts.metrics?.leaseFailed('acquire_error');
      this.opts.onStoreFault();
      const log = this.acquireFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err, shard, failures: this.acquireFailures }, 'lease acquire failed');
      return false;
    }
    this.acquireFailures = 0;
    if (!lease) return false;
    const fence: Fence = { shard, epoch: lease.epoch, node };
    const o: OwnedShard = {
      shard,
      fence,
      phase: 'loading',
      consumer: null,
      renewedAt: now,
      takenAt: now,
      watchdog: null,
      renewing: false,
      storeFault: null,
      suspended: null,
      retry: null,
    };
    this.owned.set(shard, o);
    this.opts.gate.hold(o);
    this.armWatchdog(o);
    if (!this.running) {
      await this.lose(shard, 'stopping');
      return false;
    }
    try {
      await store.claimShard(shard, o.fence);
      // A node still holding this shard suspended under an older epoch (it lost the store alone)
      // gives it up on this, now: `shards_taken` comes only once the whole balance round is done
      // (every take loaded and consuming), and until then its exclusive consumer keeps ours off.
      void this.opts.announceHeld([shard], [o.fence.epoch]);
      // Before any actor of the shard exists (an overdue timer fires at adopt): the FIFO order of the relay
      // puts every leftover event ahead of the shard's new ones.
      const leftovers = await store.listOutbox(shard);
      if (o.phase !== 'loading') return false;
      const published = leftovers.length > 0 ? this.opts.outbox.adopt(shard, leftovers) : null;
      const stored = await store.listRecipientsByShard(shard);
      if (o.phase !== 'loading') return false;
      for (const r of stored) registry.adopt(r.state, shard);
      // the shard's queues: leftover queue events published, states adopted (timers, pending offers)
      if (this.opts.queues) await this.opts.queues.take(shard, o.fence);
      if (o.phase !== 'loading') return false;
      logger.info({ shard, epoch: o.fence.epoch, recipients: stored.length, leftoverEvents: leftovers.length }, 'shard taken');
      if (published) await published;
      if (o.phase !== 'loading') return false;
    } catch (err) {
      logger.warn({ err, shard, epoch: o.fence.epoch }, 'could not take shard; releasing it');
      await this.lose(shard, 'take failed');
      return false;
    }
    // Only now consume. A refused consume keeps the lease and retries in the background.
    await this.consume(o);
    return true;
  }

  /**
   * Consumes the shard queue. A refused consume (the previous owner's exclusive consumer is still
   * there: a frozen node not yet noticed by the broker) keeps the lease and is retried every
   * consumeRetryMs in the background, so the balance round is not held up.
   */
  private async consume(o: OwnedShard, background = false): Promise<void> {
    const { bus, clock, logger, prefetch, queueType, handler } = this.opts;
    let attempts = 0;
    while (o.phase === 'loading') {
      attempts++;
      try {
        const consumer = await bus.serve({ name: shardQueue(o.shard), durable: true, arguments: shardQueueArguments(queueType) }, handler, {
          prefetch,
          // classic: the broker refuses a second consumer (403). quorum: single-active-consumer does it.
          exclusive: queueType === 'classic',
          // invalid JSON without replyTo (a fire-and-forget call event) → the dead-letter queue
          deadLetterExchange: DEAD_LETTER_EXCHANGE,
          onError: (err) => {
            logger.error({ err, shard: o.shard }, 'shard consumer failed');
            void this.lose(o.shard, `consumer failed: ${err.message}`);
          },
        });
        if (o.phase !== 'loading') {
          await consumer.cancel().catch(() => undefined);
          return;
        }
        o.consumer = consumer;
        o.phase = 'serving';
        if (background) logger.info({ shard: o.shard, attempts }, 'shard consumer granted');
        return;
      } catch (err) {
        if ((o.phase as Phase) !== 'loading') return;
        if (!isTransportError(err, 'refused') || clock.now() - o.takenAt > CONSUME_GIVE_UP_MS) {
          logger.warn({ err, shard: o.shard, epoch: o.fence.epoch }, 'could not consume the shard queue; giving the shard up');
          await this.lose(o.shard, 'consume failed');
          return;
        }
        if (!background) {
          logger.warn({ shard: o.shard, err: (err as Error).message }, 'shard queue still consumed by its previous owner; retrying');
          void this.retryDelay(o).then(() => this.consume(o, true));
          return;
        }
        await this.retryDelay(o);
      }
    }
  }

  /** Waits consumeRetryMs (woken early when the shard is lost or handed over). */
  private retryDelay(o: OwnedShard): Promise<void> {
    const { clock } = this.opts;
    return new Promise<void>((resolve) => {
      const wake = () => {
        if (o.retry) clock.clearTimer(o.retry.timer);
        o.retry = null;
        resolve();
      };
      o.retry = { timer: clock.setTimer(clock.now() + (this.opts.consumeRetryMs ?? 250), wake), wake };
    });
  }

  private async handOverShard(o: OwnedShard): Promise<void> {
    if (o.phase === 'lost') return o.losing;
    o.handingOver ??= (async () => {
      const { registry, store, node, logger } = this.opts;
      o.phase = 'draining';
      o.retry?.wake();
      // No new deliveries; what was delivered finishes (and is acked) first.
      await this.cancelConsumer(o);
      await registry.drain(o.shard);
      await this.opts.queues?.drain(o.shard);
      // Confirmed here, they are not published a second time by the next owner (harmless, but noise).
      // Bounded: with the broker away they stay in the store, and the next owner publishes them.
      if (!(await this.opts.outbox.drain(o.shard, Math.floor(this.opts.leaseTtlMs / 2)))) {
        logger.warn({ shard: o.shard }, 'handing the shard over with unconfirmed events: the next owner publishes them');
      }
      if ((o.phase as Phase) === 'lost') return; // lost meanwhile (renew refused, fenced): nothing to release
      this.clearShardTimers(o);
      registry.dropShard(o.shard);
      this.opts.queues?.drop(o.shard);
      this.opts.outbox.drop(o.shard);
      o.phase = 'lost';
      this.forget(o);
      try {
        await store.releaseLease(o.shard, node, o.fence.epoch);
        logger.debug({ shard: o.shard, epoch: o.fence.epoch }, 'shard handed over');
      } catch (err) {
        logger.warn({ err, shard: o.shard }, 'lease release failed (it will expire)');
      }
    })();
    return o.handingOver;
  }

  // -------------------------------------------------------------------------------- keep

  /** A renewal round now, or the one in flight (and the heartbeat alongside). */
  renewAll(): Promise<void> {
    this.renewing ??= this.runRenew().finally(() => {
      this.renewing = null;
      if (this.renewAgain) {
        this.renewAgain = false;
        this.renewSoon();
      }
    });
    return this.renewing;
  }

  /** renewSoon, if a shard is waiting for a renewal because of the store (suspended, or its last renewal failed). */
  renewSoonAfterStoreFault(): void {
    for (const o of this.owned.values()) {
      if (o.phase !== 'lost' && (o.suspended || o.storeFault !== null)) {
        this.renewSoon();
        return;
      }
    }
  }

  /**
   * A renewal round now instead of at the next scheduled one (right after the round in flight, if
   * any): the store answers again, or a renewal came back too late to count. Then the schedule
   * goes on from that round.
   */
  private renewSoon(): void {
    if (!this.running) return;
    if (this.renewing) {
      this.renewAgain = true;
      return;
    }
    void this.renewAll().finally(() => this.scheduleRenew());
  }

  private async runRenew(): Promise<void> {
    const { store, clock, logger, node, leaseTtlMs } = this.opts;
    this.renewStartedAt = clock.now();
    const renewed: OwnedShard[] = [];
    const failed: number[] = [];
    let failure: unknown;
    await Promise.all([
      this.running ? this.opts.alongsideRenew?.() : undefined,
      ...[...this.owned.values()]
        .filter((o) => o.phase !== 'lost' && !o.renewing)
        .map(async (o) => {
          o.renewing = true;
          const now = clock.now();
          try {
            const ok = await store.renewLease(o.shard, node, o.fence.epoch, leaseTtlMs, now);
            if (o.phase === 'lost') return;
            if (!ok) {
              this.opts.metrics?.leaseFailed('renew_refused');
              await this.lose(o.shard, 'lease renew refused (taken by another node)');
              return;
            }
            this.opts.metrics?.leaseRenewed();
            o.renewedAt = now;
            if (clock.now() >= now + Math.floor(leaseTtlMs * LEASE_SAFETY)) {
              // renewed, but from a `now` so old that the lease is (nearly) expired again: not a
              // lease to serve under; suspended (safe), and renewed again right after this round
              // (the store answers now: waiting for the next retry would only prolong the 503s)
              o.storeFault = `the ${store.kind} store answered the lease renewal too late`;
              failed.push(o.shard);
              this.expire(o, o.storeFault);
              this.renewSoon();
              return;
            }
            o.storeFault = null;
            if (o.suspended) this.resume(o, now);
            this.armWatchdog(o);
            renewed.push(o);
          } catch (err) {
            // Past TTL×0.8 without a renewal, the shard is suspended (not lost): see expire().
            this.opts.metrics?.leaseFailed('renew_error');
            o.storeFault = isStoreError(err, 'unavailable') ? err.message : `the ${store.kind} store failed the lease renewal (see the worker log)`;
            failed.push(o.shard);
            failure = err;
          } finally {
            o.renewing = false;
          }
        }),
    ]);
    if (failed.length > 0) {
      this.opts.onStoreFault();
      // once per outage at warn: while shards are suspended this runs every 0.5 s
      const log = this.renewFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err: failure, shards: failed.sort((a, b) => a - b), failures: this.renewFailures }, 'lease renew failed');
    } else {
      this.renewFailures = 0;
    }
    const held = renewed.filter((o) => o.phase !== 'lost').sort((a, b) => a.shard - b.shard);
    // the others give up a shard they still hold (suspended) under an older epoch
    if (held.length > 0) await this.opts.announceHeld(held.map((o) => o.shard), held.map((o) => o.fence.epoch));
  }

  /** Every TTL/3 from the start of the last round (0.5 s while a shard is suspended). */
  private scheduleRenew(): void {
    if (this.mode === 'stopped') return;
    const { clock, leaseTtlMs } = this.opts;
    // one schedule at a time (renewSoon's round reschedules too)
    if (this.renewTimer) clock.clearTimer(this.renewTimer);
    this.renewTimer = null;
    const every = Math.floor(leaseTtlMs / 3);
    const interval = this.suspendedShards().length > 0 ? Math.min(SUSPENDED_RENEW_MS, every) : every;
    this.renewTimer = clock.setTimer(Math.max(clock.now(), this.renewStartedAt + interval), () => {
      this.renewTimer = null;
      void this.renewAll().finally(() => this.scheduleRenew());
    });
  }

  /**
   * The lease was not renewed within TTL×0.8. Because the store did not answer (a renewal failed,
   * or one is still waiting): suspend, keeping the lease (nobody can take it through that store).
   * Otherwise nothing even tried (a freeze): give the shard up, the lease may be someone else's.
   */
  private expire(o: OwnedShard, lossReason: string): void {
    if (o.phase === 'lost' || o.suspended) return;
    const fault = o.storeFault ?? (o.renewing ? `a lease renewal is still waiting for the ${this.opts.store.kind} store` : null);
    if (fault !== null) {
      this.suspend(o, fault);
      return;
    }
    if (!o.losing) this.opts.metrics?.leaseFailed('expired');
    void this.lose(o.shard, lossReason);
  }

  private suspend(o: OwnedShard, reason: string): void {
    const { clock, logger } = this.opts;
    o.suspended = { since: clock.now(), reason };
    if (o.watchdog) clock.clearTimer(o.watchdog);
    o.watchdog = null;
    logger.warn(
      { shard: o.shard, epoch: o.fence.epoch, reason },
      'shard suspended: its lease cannot be renewed (store unavailable); commands are answered 503 until a renewal succeeds',
    );
    // retry the renewal sooner than TTL/3
    if (this.renewTimer) {
      clock.clearTimer(this.renewTimer);
      this.renewTimer = null;
      this.scheduleRenew();
    }
  }

  /** A renewal succeeded (same epoch): nobody held the lease meanwhile, and nothing was written under it but ours. */
  private resume(o: OwnedShard, now: number): void {
    const since = o.suspended?.since ?? now;
    o.suspended = null;
    this.opts.logger.info({ shard: o.shard, epoch: o.fence.epoch, suspended_ms: Math.max(0, this.opts.clock.now() - since) }, 'shard resumed: lease renewed under the same epoch');
  }

  private armWatchdog(o: OwnedShard): void {
    const { clock, leaseTtlMs } = this.opts;
    if (o.watchdog) clock.clearTimer(o.watchdog);
    o.watchdog = clock.setTimer(o.renewedAt + Math.floor(leaseTtlMs * LEASE_SAFETY), () => {
      o.watchdog = null;
      this.expire(o, `lease not renewed within ${LEASE_SAFETY * 100}% of its TTL`);
    });
  }

  private clearShardTimers(o: OwnedShard): void {
    if (o.watchdog) this.opts.clock.clearTimer(o.watchdog);
    o.watchdog = null;
    o.retry?.wake();
  }

  private forget(o: OwnedShard): void {
    if (this.owned.get(o.shard) === o) this.owned.delete(o.shard);
    this.opts.gate.forget(o);
  }

  private async cancelConsumer(o: OwnedShard): Promise<void> {
    const consumer = o.consumer;
    o.consumer = null;
    await stopConsuming(consumer, this.opts.logger, `shard ${o.shard}`);
  }

  private shardsWhere(pred: (o: OwnedShard) => boolean): number[] {
    return [...this.owned.values()].filter(pred).map((o) => o.shard).sort((a, b) => a - b);
  }
}
