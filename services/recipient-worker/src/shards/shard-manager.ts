/**
 * Shard ownership of this node. A shard is served only while its lease is held:
 *
 *   take:  tryAcquireLease → claimShard (fences older owners' writes) → load its recipients
 *          into actors and re-arm their timers → only THEN consume its queue (exclusive).
 *   keep:  renew every TTL/3. A renew answered "no" loses the shard at once; a shard not
 *          renewed within TTL×0.8 (store unreachable, event loop stalled) is lost by a
 *          watchdog, before the lease can expire and someone else take it.
 *   lose:  stop its actors (no writes), cancel its consumer.
 *   stop:  (SIGTERM) cancel consumers and let in-flight work finish, drain mailboxes,
 *          release the leases so that another node can take over at once.
 *
 * Balancing across nodes is not here yet: a node takes every shard it can, and keeps
 * trying the others on each tick (so a surviving node picks up a dead node's shards once
 * their leases expire).
 */
import { shardQueue, shardQueueArguments, type ShardQueueType } from '@qubicle/contracts';
import type { Bus, Consumer, Logger, RpcHandler } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Fence, Store } from '../store/port.js';

export interface ShardManagerOptions {
  store: Store;
  bus: Pick<Bus, 'serve' | 'declareQueue'>;
  clock: Clock;
  logger: Logger;
  registry: ActorRegistry;
  /** the shard queues' RPC handler */
  handler: RpcHandler;
  node: string;
  shardCount: number;
  leaseTtlMs: number;
  prefetch: number;
  queueType: ShardQueueType;
  /** Try to take shards not owned on every tick (default true). */
  takeFreeShards?: boolean;
}

type Phase = 'loading' | 'serving' | 'draining' | 'lost';

interface OwnedShard {
  shard: number;
  fence: Fence;
  phase: Phase;
  consumer: Consumer | null;
  /** the `now` passed to the last successful acquire/renew (the lease runs from there) */
  renewedAt: number;
  watchdog: TimerHandle | null;
  renewing: boolean;
  losing?: Promise<void>;
}

/** Fraction of the TTL after the last successful renew at which a shard is given up. */
export const LEASE_SAFETY = 0.8;

export class ShardManager {
  private readonly owned = new Map<number, OwnedShard>();
  private tickTimer: TimerHandle | null = null;
  private ticking: Promise<void> | null = null;
  private running = false;
  /** the first pass over all shards is done (ticks only renew until then) */
  private initialPassDone = false;
  /** shards with a take in progress (a take is async; never two for one shard) */
  private readonly taking = new Set<number>();

  constructor(private readonly opts: ShardManagerOptions) {}

  /** Shards whose queue this node consumes now. */
  ownedShards(): number[] {
    return [...this.owned.values()].filter((o) => o.phase === 'serving').map((o) => o.shard).sort((a, b) => a - b);
  }

  /** May commands of this shard be handled here? (serving, or loading its recipients) */
  owns(shard: number): boolean {
    const o = this.owned.get(shard);
    return o !== undefined && (o.phase === 'serving' || o.phase === 'loading');
  }

  /** The fence for writes of this shard while this node holds it (also while draining on stop). */
  fenceOf(shard: number): Fence | null {
    const o = this.owned.get(shard);
    return o && o.phase !== 'lost' ? o.fence : null;
  }

  async start(): Promise<void> {
    this.running = true;
    const { bus, shardCount, queueType } = this.opts;
    // Every shard queue exists even while its owner is away: commands wait (until they expire) instead of being unroutable.
    for (let shard = 0; shard < shardCount; shard++) {
      await bus.declareQueue({ name: shardQueue(shard), durable: true, arguments: shardQueueArguments(queueType) });
    }
    // Renewals start now: taking many shards may take longer than a lease lasts.
    this.scheduleTick();
    for (let shard = 0; shard < shardCount; shard++) await this.take(shard);
    this.initialPassDone = true;
    this.opts.logger.info({ owned: this.ownedShards().length, shardCount }, 'shards taken');
  }

  /** One lease round: renew what is owned, try to take what is free. Called by the timer; exposed for tests. */
  tick(): Promise<void> {
    if (!this.ticking) {
      this.ticking = this.runTick().finally(() => {
        this.ticking = null;
      });
    }
    return this.ticking;
  }

  /** Gives the shard up without writing (lost lease, fenced write, broken consumer). */
  lose(shard: number, reason: string): Promise<void> {
    const o = this.owned.get(shard);
    if (!o) return Promise.resolve();
    if (o.losing) return o.losing;
    o.losing = (async () => {
      o.phase = 'lost';
      if (o.watchdog) this.opts.clock.clearTimer(o.watchdog);
      // Actors first: their queued inputs are answered 'unavailable', so cancel() does not wait on them.
      const dropped = this.opts.registry.dropShard(shard);
      this.opts.logger.warn({ shard, epoch: o.fence.epoch, reason, dropped }, 'shard lost: stopped consuming, actors dropped');
      await this.cancelConsumer(o);
      if (this.owned.get(shard) === o) this.owned.delete(shard);
    })();
    return o.losing;
  }

  /** Graceful: stop consuming, finish in-flight work, drain, release leases. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.tickTimer) this.opts.clock.clearTimer(this.tickTimer);
    this.tickTimer = null;
    await this.ticking;
    await Promise.all([...this.owned.values()].map((o) => this.handOver(o)));
  }

  private async handOver(o: OwnedShard): Promise<void> {
    const { registry, store, node, logger, clock } = this.opts;
    if (o.phase === 'lost') return o.losing;
    o.phase = 'draining';
    if (o.watchdog) clock.clearTimer(o.watchdog);
    await this.cancelConsumer(o);
    await registry.drain(o.shard);
    registry.dropShard(o.shard);
    o.phase = 'lost';
    this.owned.delete(o.shard);
    try {
      await store.releaseLease(o.shard, node, o.fence.epoch);
    } catch (err) {
      logger.warn({ err, shard: o.shard }, 'lease release failed (it will expire)');
    }
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
    const { store, bus, clock, logger, registry, node, leaseTtlMs, prefetch, queueType, handler } = this.opts;
    const now = clock.now();
    let lease;
    try {
      lease = await store.tryAcquireLease(shard, node, leaseTtlMs, now);
    } catch (err) {
      logger.warn({ err, shard }, 'lease acquire failed');
      return false;
    }
    if (!lease) return false;
    const o: OwnedShard = { shard, fence: { shard, epoch: lease.epoch, node }, phase: 'loading', consumer: null, renewedAt: now, watchdog: null, renewing: false };
    this.owned.set(shard, o);
    this.armWatchdog(o);
    try {
      await store.claimShard(shard, o.fence);
      const stored = await store.listRecipientsByShard(shard);
      if (o.phase !== 'loading') return false;
      for (const r of stored) registry.adopt(r.state, shard);
      const consumer = await bus.serve({ name: shardQueue(shard), durable: true, arguments: shardQueueArguments(queueType) }, handler, {
        prefetch,
        exclusive: true,
        onError: (err) => {
          logger.error({ err, shard }, 'shard consumer failed');
          void this.lose(shard, `consumer failed: ${err.message}`);
        },
      });
      if (o.phase !== 'loading') {
        await consumer.cancel();
        return false;
      }
      o.consumer = consumer;
      o.phase = 'serving';
      logger.debug({ shard, epoch: o.fence.epoch, recipients: stored.length }, 'shard taken');
      return true;
    } catch (err) {
      logger.warn({ err, shard, epoch: o.fence.epoch }, 'could not take shard; releasing it');
      await this.lose(shard, 'take failed');
      await store.releaseLease(shard, node, o.fence.epoch).catch(() => undefined);
      return false;
    }
  }

  private async runTick(): Promise<void> {
    const { store, clock, logger, node, leaseTtlMs, shardCount } = this.opts;
    await Promise.all(
      [...this.owned.values()]
        .filter((o) => (o.phase === 'serving' || o.phase === 'loading') && !o.renewing)
        .map(async (o) => {
          o.renewing = true;
          const now = clock.now();
          try {
            const ok = await store.renewLease(o.shard, node, o.fence.epoch, leaseTtlMs, now);
            if (o.phase === 'lost') return;
            if (!ok) {
              await this.lose(o.shard, 'lease renew refused (taken by another node)');
              return;
            }
            o.renewedAt = now;
            this.armWatchdog(o);
          } catch (err) {
            // The watchdog gives the shard up if this goes on for too long.
            logger.warn({ err, shard: o.shard }, 'lease renew failed');
          } finally {
            o.renewing = false;
          }
        }),
    );
    if (this.running && this.initialPassDone && this.opts.takeFreeShards !== false) {
      for (let shard = 0; shard < shardCount; shard++) if (!this.owned.has(shard)) await this.take(shard);
    }
  }

  private scheduleTick(): void {
    if (!this.running) return;
    const { clock, leaseTtlMs } = this.opts;
    this.tickTimer = clock.setTimer(clock.now() + Math.floor(leaseTtlMs / 3), () => {
      this.tickTimer = null;
      void this.tick().finally(() => this.scheduleTick());
    });
  }

  private armWatchdog(o: OwnedShard): void {
    const { clock, leaseTtlMs } = this.opts;
    if (o.watchdog) clock.clearTimer(o.watchdog);
    o.watchdog = clock.setTimer(o.renewedAt + Math.floor(leaseTtlMs * LEASE_SAFETY), () => {
      o.watchdog = null;
      void this.lose(o.shard, `lease not renewed within ${LEASE_SAFETY * 100}% of its TTL`);
    });
  }

  private async cancelConsumer(o: OwnedShard): Promise<void> {
    const consumer = o.consumer;
    o.consumer = null;
    if (!consumer) return;
    try {
      await consumer.cancel();
    } catch (err) {
      this.opts.logger.warn({ err, shard: o.shard }, 'consumer cancel failed');
    }
  }
}
