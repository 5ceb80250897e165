/**
 * Shard ownership of this node in a cluster of worker nodes (design §5, docs/cluster.md).
 * A shard is served only while its lease is held:
 *
 *   join:    presence queue served (the broker deletes it when this node's connection dies) →
 *            control broadcasts subscribed → node registered (heartbeat) → first balance round
 *            → `node_joined` broadcast (the others release their surplus to us at once).
 *   balance: every min(0.5 s, TTL/3), and at once on a broadcast: live nodes = registered with a
 *            heartbeat younger than the TTL (minus owners proven dead); fair share = N/live,
 *            the remainder going to the first names in sorted order, so that every node computes
 *            the same quotas and the quotas add up to N exactly. Above its share a node hands
 *            the surplus over; below it, it takes free or expired leases (never a valid one).
 *            An owner whose presence queue has gone (kill -9, crash: the broker closed its
 *            connection) is dead: its leases are released on its behalf (conditionally on its
 *            epoch) and it is removed from the registry, so failover does not wait for the TTL.
 *   take:    tryAcquireLease → claimShard (fences older owners' writes) → hand the shard's leftover
 *            outbox (events an earlier owner recorded but may not have published) to the relay,
 *            ahead of anything newer → load its recipients into actors and re-arm their timers →
 *            wait for the leftovers' publish (confirmed, or failed: then the relay retries them
 *            first) → only THEN consume its queue (classic: an exclusive consumer; quorum:
 *            single-active-consumer). A refused consume (a zombie still holds the exclusive
 *            consumer) is retried while the lease is held.
 *   keep:    renew every TTL/3 (a fixed rate: a slow round does not push the next one back).
 *            A renew answered "no" loses the shard at once. Before every command and every
 *            write, `owns`/`fenceOf` check the lease by this node's own clock (last successful
 *            renew + TTL×0.8), and a watchdog does the same at that moment:
 *            - no renewal was even tried or answered badly (a freeze: SIGSTOP, long GC, a stalled
 *              event loop): the shard is given up; a command is requeued for the new owner;
 *            - the renewals FAILED, or one is still waiting, because the store does not answer:
 *              the shard is SUSPENDED instead. Nobody can take the lease through a store that
 *              does not answer, so the node keeps it: it keeps consuming and answers every
 *              command at once with 503 naming the store (no command, no timer, no write, no
 *              read from memory), retries the renewal every 0.5 s — and at once when the store
 *              says it answers again (SQLite: a lock released) or a peer announces leases it just
 *              wrote through it (`shards_held` / `shards_taken`) —, and resumes when one succeeds
 *              (same epoch: nobody held the lease meanwhile). If only THIS node lost the store,
 *              the others take the lease once it expired and say so (`shards_taken` /
 *              `shards_held` with epochs): a newer epoch makes the node give the shard up at
 *              once (docs/cluster.md, "Store outages").
 *   lose:    stop its actors (no writes), drop its events from the relay (the new owner publishes
 *            them from the store), cancel its consumer, release the lease if it is still ours (a
 *            conditional no-op otherwise).
 *   hand over (rebalance, SIGTERM): stop consuming → let in-flight commands finish → drain the
 *            mailboxes → wait (at most TTL/2) for the shard's events to be confirmed, so that the
 *            next owner does not publish them again → release the lease → `shards_released`
 *            broadcast, so a node under its share takes it at once rather than after a TTL.
 *   stop:    leave the registry first (others stop counting us), hand every shard over,
 *            stop heartbeats and broadcasts.
 */
import {
  CLUSTER_CONTROL_BINDING,
  CONTROL_EXCHANGE,
  clusterControlKey,
  DEAD_LETTER_EXCHANGE,
  errorReply,
  okReply,
  presenceQueue,
  presenceQueueArguments,
  shardQueue,
  shardQueueArguments,
  validateClusterControl,
  validatePresencePing,
  type ClusterControlMessage,
  type ClusterControlType,
  type ShardQueueType,
} from '@qubicle/contracts';
import { isTransportError, type Bus, type Consumer, type Logger, type RpcHandler } from '@qubicle/transport';
import type { RecipientEvent } from '@qubicle/contracts';
import type { ActorRegistry } from '../actor/registry.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { WorkerMetricsSink } from '../metrics.js';
import { isStoreError, type Fence, type Lease, type NodeRecord, type Store } from '../store/port.js';

export type ShardManagerBus = Pick<
  Bus,
  'serve' | 'declareQueue' | 'declareExchange' | 'publish' | 'subscribe' | 'call' | 'isConnected' | 'onStateChange'
>;

export interface ShardManagerOptions {
  store: Store;
  bus: ShardManagerBus;
  clock: Clock;
  logger: Logger;
  registry: ActorRegistry;
  /** The node's outbox relay (actor/outbox-relay.ts): a taken shard's leftovers, a lost one's drop. */
  outbox: ShardOutbox;
  /** the shard queues' RPC handler */
  handler: RpcHandler;
  node: string;
  shardCount: number;
  leaseTtlMs: number;
  prefetch: number;
  queueType: ShardQueueType;
  /** Take (and balance) shards (default true). false: only keep what is held (tests). */
  takeFreeShards?: boolean;
  /** Balance round interval (default min(1000, TTL/3)). */
  balanceIntervalMs?: number;
  /** Delay between two tries of a refused consume (default 250 ms). */
  consumeRetryMs?: number;
  /** Extra fields of this node's registry record. */
  nodeInfo?: () => Record<string, unknown>;
  /** Lease renewals and failures (metrics.ts); absent = not measured. */
  metrics?: Pick<WorkerMetricsSink, 'leaseRenewed' | 'leaseFailed'>;
}

/** What the shard manager asks of the outbox relay. */
export interface ShardOutbox {
  /** The shard's leftover outbox, before any of its actors exists; resolves once confirmed or failed once. */
  adopt(shard: number, events: RecipientEvent[]): Promise<void>;
  drop(shard: number): void;
  /** true once none of the shard's events is pending; false after timeoutMs. */
  drain(shard: number, timeoutMs: number): Promise<boolean>;
}

type Phase = 'loading' | 'serving' | 'draining' | 'lost';

interface OwnedShard {
  shard: number;
  fence: Fence;
  /** loading: leased and claimed, recipients loading or consumer not yet granted */
  phase: Phase;
  consumer: Consumer | null;
  /** the `now` passed to the last successful acquire/renew (the lease runs from there) */
  renewedAt: number;
  takenAt: number;
  watchdog: TimerHandle | null;
  renewing: boolean;
  /** why the last renewal failed (the store did not answer); null after a successful one */
  storeFault: string | null;
  /** the lease could not be renewed in time because of the store: commands answered 503 */
  suspended: { since: number; reason: string } | null;
  /** pending retry of a refused consume */
  retry: { timer: TimerHandle; wake: () => void } | null;
  losing?: Promise<void>;
  handingOver?: Promise<void>;
}

/** Fraction of the TTL after the last successful renew at which a shard is given up. */
export const LEASE_SAFETY = 0.8;
/** Longest interval between two balance rounds (also bounded by TTL/3). */
const BALANCE_INTERVAL_MS = 500;
/**
 * Wait for a presence ping. A live node answers in milliseconds; one that does not answer in
 * time (busy, frozen) is NOT taken for dead: only an unroutable ping (queue deleted) is.
 */
const PRESENCE_PROBE_TIMEOUT_MS = 300;
/** After this node's own reconnect, no owner is declared dead (by presence) for this long. */
const PRESENCE_RECONNECT_GRACE_MS = 5000;
/** Shards taken at once in a balance round. */
const TAKE_CONCURRENCY = 4;
/** A consume refused for this long (another consumer never went away) gives the shard up. */
const CONSUME_GIVE_UP_MS = 120_000;
/** Renewal retry interval while a shard is suspended (bounded by TTL/3). */
export const SUSPENDED_RENEW_MS = 500;

/**
 * This node's fair share of `shardCount` shards among the live nodes (this node included):
 * ⌊N/L⌋, plus one for the first N mod L names in sorted order. Every node computes the same
 * quotas from the same registry, and they add up to N, so nodes never fight over shards.
 */
export function fairShare(shardCount: number, liveNodes: readonly string[], node: string): number {
  const sorted = [...new Set([...liveNodes, node])].sort();
  const index = sorted.indexOf(node);
  return Math.floor(shardCount / sorted.length) + (index < shardCount % sorted.length ? 1 : 0);
}

export class ShardManager {
  private readonly owned = new Map<number, OwnedShard>();
  private renewTimer: TimerHandle | null = null;
  private balanceTimer: TimerHandle | null = null;
  private renewing: Promise<void> | null = null;
  /** a renewal round was asked for while one was in flight: run another right after it */
  private renewAgain = false;
  private unsubscribeStore: (() => void) | null = null;
  private balancing: Promise<void> | null = null;
  private balanceAgain = false;
  private balanceFailures = 0;
  /** when this node's broker connection came back last (0: never lost) */
  private reconnectedAt = 0;
  private running = false;
  private leaving = false;
  /** shards with a take in progress (a take is async; never two for one shard) */
  private readonly taking = new Set<number>();
  private presenceConsumer: Consumer | null = null;
  private controlConsumer: Consumer | null = null;
  private unsubscribeState: (() => void) | null = null;
  private startedAt = 0;
  private readonly balanceIntervalMs: number;
  /** start of the last renewal round (renewals run at a fixed rate from there) */
  private renewStartedAt = 0;
  /** the last time one of this node's store operations failed (renew, heartbeat, balance, acquire) */
  private lastStoreFaultAt = Number.NEGATIVE_INFINITY;
  /** failure streaks, so that an outage is logged at warn once, not on every round */
  private renewFailures = 0;
  private heartbeatFailures = 0;
  private acquireFailures = 0;

  constructor(private readonly opts: ShardManagerOptions) {
    this.balanceIntervalMs = opts.balanceIntervalMs ?? Math.max(50, Math.min(BALANCE_INTERVAL_MS, Math.floor(opts.leaseTtlMs / 3)));
  }

  /** Shards whose queue this node consumes now. */
  ownedShards(): number[] {
    return [...this.owned.values()].filter((o) => o.phase === 'serving').map((o) => o.shard).sort((a, b) => a - b);
  }

  /** Shards whose lease this node holds (also while loading or handing over). */
  heldShards(): number[] {
    return [...this.owned.values()].filter((o) => o.phase !== 'lost').map((o) => o.shard).sort((a, b) => a - b);
  }

  /**
   * May commands of this shard be executed here now? Held (loading, serving or handing over)
   * AND, by this node's own clock, still within TTL×0.8 of the last successful renew. When the
   * second check fails (the process was frozen or starved), the shard is given up on the spot:
   * its consumer is cancelled before the caller requeues what it received.
   */
  owns(shard: number): boolean {
    return this.validOwned(shard) !== null;
  }

  /** The fence for writes of this shard while this node holds it (same checks as `owns`). */
  fenceOf(shard: number): Fence | null {
    return this.validOwned(shard)?.fence ?? null;
  }

  /** Held shards that are suspended (the store does not answer their lease renewal). */
  suspendedShards(): number[] {
    return [...this.owned.values()].filter((o) => o.phase !== 'lost' && o.suspended).map((o) => o.shard).sort((a, b) => a - b);
  }

  /**
   * Why commands of this shard are answered 503 right now (it is held but suspended), naming the
   * store; null when it is not suspended (served, or not held: `owns` decides).
   */
  suspension(shard: number): string | null {
    const o = this.owned.get(shard);
    if (!o || o.phase === 'lost' || !o.suspended) return null;
    return `shard ${shard} is suspended on ${this.opts.node}: its lease cannot be renewed (${o.storeFault ?? o.suspended.reason}); retry`;
  }

  async start(): Promise<void> {
    const { bus, shardCount, queueType, node, logger } = this.opts;
    this.running = true;
    this.startedAt = this.opts.clock.now();
    this.renewStartedAt = this.startedAt;
    // Every shard queue exists even while its owner is away: commands wait (until they expire) instead of being unroutable.
    for (let shard = 0; shard < shardCount; shard++) {
      await bus.declareQueue({ name: shardQueue(shard), durable: true, arguments: shardQueueArguments(queueType) });
    }
    // Presence before any lease: a lease owner without a presence queue is treated as dead.
    try {
      this.presenceConsumer = await bus.serve(
        { name: presenceQueue(node), durable: false, arguments: presenceQueueArguments() },
        async (msg) => {
          const ping = validatePresencePing(msg.body);
          return ping.ok ? okReply({ node }, node) : errorReply({ code: 'invalid_message', message: 'invalid presence ping' }, node);
        },
        { prefetch: 20, exclusive: true },
      );
    } catch (err) {
      if (isTransportError(err, 'refused')) {
        throw new Error(`another process named NODE_NAME=${node} is connected to the broker (its presence queue is taken); every worker needs its own NODE_NAME`, { cause: err });
      }
      throw err;
    }
    await bus.declareExchange(CONTROL_EXCHANGE, 'topic');
    this.controlConsumer = await bus.subscribe({ exchange: CONTROL_EXCHANGE, bindingKeys: [CLUSTER_CONTROL_BINDING] }, async (msg) => {
      const control = validateClusterControl(msg.body);
      if (!control.ok) {
        logger.warn({ details: control.details }, 'invalid cluster control message ignored');
        return;
      }
      if (control.value.node === node) return;
      // shards_taken / shards_held: a newer epoch of a shard we still hold (suspended) is given up at once;
      // nothing for the balance to do (shards_taken is mainly for the gateways' read models)
      if (control.value.type === 'shards_taken' || control.value.type === 'shards_held') {
        this.yieldToNewerEpochs(control.value);
        // the peer just wrote leases through the store: it answers again (our own retry may be
        // up to SUSPENDED_RENEW_MS away, and an I/O error or a full disk sends no signal of its end)
        this.renewSoonAfterStoreFault();
        return;
      }
      logger.debug({ control: control.value }, 'cluster control');
      this.requestBalance();
    });
    await this.heartbeat();
    // Back from a broker outage: check the leases at once (another node may have taken some meanwhile).
    let lost = false;
    this.unsubscribeState = bus.onStateChange((connected) => {
      if (!connected) {
        lost = true;
        return;
      }
      if (!lost) return;
      lost = false;
      this.reconnectedAt = this.opts.clock.now();
      if (this.running) void this.renewAll();
    });
    // the store says when it answers again (SQLite: a lock released): suspended shards resume at once
    this.unsubscribeStore = this.opts.store.onAvailable?.(() => this.renewSoonAfterStoreFault()) ?? null;
    this.scheduleRenew();
    await this.balance();
    this.scheduleBalance();
    await this.heartbeatLogged(); // with the shards taken
    await this.announce('node_joined');
    logger.info({ held: this.heldShards().length, shardCount }, 'joined the cluster');
  }

  /** One lease round: renew (and heartbeat), then balance. Called by the timers; exposed for tests. */
  async tick(): Promise<void> {
    await this.renewAll();
    await this.balance();
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
      // its unconfirmed events are in the store: the new owner publishes them before anything newer
      this.opts.outbox.drop(shard);
      this.opts.logger.warn({ shard, epoch: o.fence.epoch, reason, dropped }, 'shard lost: stopped consuming, actors dropped');
      await this.cancelConsumer(o);
      if (this.owned.get(shard) === o) this.owned.delete(shard);
      // Conditional on our epoch: a no-op when another node holds it, else it frees it at once.
      await this.opts.store.releaseLease(shard, this.opts.node, o.fence.epoch).catch(() => undefined);
    })();
    return o.losing;
  }

  /** Graceful: leave the registry, hand every shard over (stop consuming, finish, drain, release). */
  async stop(): Promise<void> {
    const { store, node, logger } = this.opts;
    if (!this.running && !this.leaving) return;
    this.running = false;
    this.leaving = true;
    if (this.balanceTimer) this.opts.clock.clearTimer(this.balanceTimer);
    this.balanceTimer = null;
    await this.balancing;
    // Out of the registry first: the others' fair shares grow, so they take what we release.
    await store.removeNode(node).catch((err: unknown) => logger.warn({ err }, 'node unregister failed'));
    await this.announce('node_leaving');
    const shards = this.heldShards();
    // Leases keep being renewed while in-flight work finishes.
    await Promise.all([...this.owned.values()].map((o) => this.handOver(o)));
    if (shards.length > 0) await this.announce('shards_released', shards);
    if (this.renewTimer) this.opts.clock.clearTimer(this.renewTimer);
    this.renewTimer = null;
    await this.renewing;
    this.unsubscribeState?.();
    this.unsubscribeState = null;
    this.unsubscribeStore?.();
    this.unsubscribeStore = null;
    await this.cancel(this.controlConsumer, 'control');
    this.controlConsumer = null;
    await this.cancel(this.presenceConsumer, 'presence');
    this.presenceConsumer = null;
    await store.removeNode(node).catch(() => undefined); // in case a heartbeat slipped in
    this.leaving = false;
    logger.info({ released: shards.length }, 'left the cluster');
  }

  // -------------------------------------------------------------------------------- ownership

  private validOwned(shard: number): OwnedShard | null {
    const o = this.owned.get(shard);
    if (!o || o.phase === 'lost' || o.suspended) return null;
    if (this.opts.clock.now() >= o.renewedAt + Math.floor(this.opts.leaseTtlMs * LEASE_SAFETY)) {
      this.expire(o, `lease not renewed within ${LEASE_SAFETY * 100}% of its TTL by this node's clock (was the process frozen?)`);
      return null;
    }
    return o;
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

  /**
   * Another node announced that it holds some shards under these epochs. One we still hold under
   * an older epoch is not ours any more (the epoch grows with every change of owner): give it up
   * at once, so that our (exclusive) consumer stops keeping the new owner off its queue.
   */
  private yieldToNewerEpochs(msg: ClusterControlMessage): void {
    const { shards, epochs } = msg;
    if (!shards || !epochs || epochs.length !== shards.length) return;
    shards.forEach((shard, i) => {
      const o = this.owned.get(shard);
      const epoch = epochs[i]!;
      if (!o || o.phase === 'lost' || o.losing || epoch <= o.fence.epoch) return;
      this.opts.metrics?.leaseFailed('superseded');
      void this.lose(shard, `${msg.node} holds its lease under epoch ${epoch} (ours: ${o.fence.epoch})`);
    });
  }

  private noteStoreFault(): void {
    this.lastStoreFaultAt = this.opts.clock.now();
  }

  private async handOver(o: OwnedShard): Promise<void> {
    if (o.phase === 'lost') return o.losing;
    o.handingOver ??= (async () => {
      const { registry, store, node, logger } = this.opts;
      o.phase = 'draining';
      this.wakeRetry(o);
      // No new deliveries; what was delivered finishes (and is acked) first.
      await this.cancelConsumer(o);
      await registry.drain(o.shard);
      // Confirmed here, they are not published a second time by the next owner (harmless, but noise).
      // Bounded: with the broker away they stay in the store, and the next owner publishes them.
      if (!(await this.opts.outbox.drain(o.shard, Math.floor(this.opts.leaseTtlMs / 2)))) {
        logger.warn({ shard: o.shard }, 'handing the shard over with unconfirmed events: the next owner publishes them');
      }
      if ((o.phase as Phase) === 'lost') return; // lost meanwhile (renew refused, fenced): nothing to release
      this.clearShardTimers(o);
      registry.dropShard(o.shard);
      this.opts.outbox.drop(o.shard);
      o.phase = 'lost';
      if (this.owned.get(o.shard) === o) this.owned.delete(o.shard);
      try {
        await store.releaseLease(o.shard, node, o.fence.epoch);
        logger.debug({ shard: o.shard, epoch: o.fence.epoch }, 'shard handed over');
      } catch (err) {
        logger.warn({ err, shard: o.shard }, 'lease release failed (it will expire)');
      }
    })();
    return o.handingOver;
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
      this.noteStoreFault();
      const log = this.acquireFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err, shard, failures: this.acquireFailures }, 'lease acquire failed');
      return false;
    }
    this.acquireFailures = 0;
    if (!lease) return false;
    const o: OwnedShard = {
      shard,
      fence: { shard, epoch: lease.epoch, node },
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
      void this.announce('shards_held', [shard], [o.fence.epoch]);
      // Before any actor of the shard exists (an overdue timer fires at adopt): the FIFO order of the relay
      // puts every leftover event ahead of the shard's new ones.
      const leftovers = await store.listOutbox(shard);
      if (o.phase !== 'loading') return false;
      const published = leftovers.length > 0 ? this.opts.outbox.adopt(shard, leftovers) : null;
      const stored = await store.listRecipientsByShard(shard);
      if (o.phase !== 'loading') return false;
      for (const r of stored) registry.adopt(r.state, shard);
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

  // -------------------------------------------------------------------------------- renew

  private renewAll(): Promise<void> {
    this.renewing ??= this.runRenew().finally(() => {
      this.renewing = null;
      if (this.renewAgain) {
        this.renewAgain = false;
        this.renewSoon();
      }
    });
    return this.renewing;
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

  /** renewSoon, if a shard is waiting for a renewal because of the store (suspended, or its last renewal failed). */
  private renewSoonAfterStoreFault(): void {
    for (const o of this.owned.values()) {
      if (o.phase !== 'lost' && (o.suspended || o.storeFault !== null)) {
        this.renewSoon();
        return;
      }
    }
  }

  private async runRenew(): Promise<void> {
    const { store, clock, logger, node, leaseTtlMs } = this.opts;
    this.renewStartedAt = clock.now();
    const renewed: OwnedShard[] = [];
    const failed: number[] = [];
    let failure: unknown;
    await Promise.all([
      this.running ? this.heartbeatLogged() : undefined,
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
      this.noteStoreFault();
      // once per outage at warn: while shards are suspended this runs every 0.5 s
      const log = this.renewFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err: failure, shards: failed.sort((a, b) => a - b), failures: this.renewFailures }, 'lease renew failed');
    } else {
      this.renewFailures = 0;
    }
    const held = renewed.filter((o) => o.phase !== 'lost').sort((a, b) => a.shard - b.shard);
    // the others give up a shard they still hold (suspended) under an older epoch
    if (held.length > 0) await this.announce('shards_held', held.map((o) => o.shard), held.map((o) => o.fence.epoch));
  }

  /** A heartbeat; a failure is logged (once per streak at warn) and noted as a store fault. */
  private async heartbeatLogged(): Promise<void> {
    const { logger } = this.opts;
    try {
      await this.heartbeat();
      this.heartbeatFailures = 0;
    } catch (err) {
      this.noteStoreFault();
      const log = this.heartbeatFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err, failures: this.heartbeatFailures }, 'node heartbeat failed');
    }
  }

  private heartbeat(): Promise<void> {
    const { store, node, clock, shardCount, queueType, leaseTtlMs } = this.opts;
    const held = this.heldShards();
    return store.heartbeatNode(
      node,
      {
        ...this.opts.nodeInfo?.(),
        shard_count: shardCount,
        queue_type: queueType,
        lease_ttl_ms: leaseTtlMs,
        owned_shards: held.length,
        shards: held,
        started_at: this.startedAt,
        pid: process.pid,
      },
      clock.now(),
    );
  }

  // -------------------------------------------------------------------------------- balance

  /** Runs a balance round now (or right after the one running). */
  private requestBalance(): void {
    if (!this.running) return;
    if (this.balancing) {
      this.balanceAgain = true;
      return;
    }
    void this.balance();
  }

  private balance(): Promise<void> {
    this.balancing ??= (async () => {
      try {
        do {
          this.balanceAgain = false;
          await this.runBalance().then(
            () => {
              this.balanceFailures = 0;
            },
            (err: unknown) => {
              this.noteStoreFault();
              // once per streak at warn (the store may be down for a while: one round every 0.5 s)
              const log = this.balanceFailures++ === 0 ? this.opts.logger.warn : this.opts.logger.debug;
              log.call(this.opts.logger, { err, failures: this.balanceFailures }, 'balance round failed');
            },
          );
        } while (this.balanceAgain && this.running);
      } finally {
        this.balancing = null;
      }
    })();
    return this.balancing;
  }

  private async runBalance(): Promise<void> {
    const { store, clock, logger, node, leaseTtlMs, shardCount } = this.opts;
    if (!this.running || this.opts.takeFreeShards === false) return;
    const [nodes, leases] = await Promise.all([store.listNodes(), store.listLeases()]);
    const now = clock.now();
    const leaseOf = new Map(leases.map((l) => [l.shard, l]));

    // Owners proven dead by the broker: release their leases for them, drop them from the registry.
    const dead = await this.deadOwners(nodes, leases, now);
    for (const owner of dead) {
      const theirs = leases.filter((l) => l.owner === owner && l.expires_at >= now);
      logger.warn({ owner, shards: theirs.map((l) => l.shard) }, 'node is gone (its presence queue was deleted by the broker): releasing its leases');
      for (const l of theirs) {
        await store.releaseLease(l.shard, owner, l.epoch);
        leaseOf.set(l.shard, { ...l, owner: null, expires_at: 0 });
      }
      await store.removeNode(owner);
    }
    if (!this.running) return;

    const live = nodes.filter((n) => now - n.heartbeat_at < leaseTtlMs && !dead.has(n.name)).map((n) => n.name);
    const quota = fairShare(shardCount, live, node);
    const held = [...this.owned.values()].filter((o) => o.phase === 'loading' || o.phase === 'serving');

    if (held.length > quota) {
      // Hand the surplus over: the highest shards, so that every node agrees on nothing more than counts.
      const surplus = held.sort((a, b) => b.shard - a.shard).slice(0, held.length - quota);
      logger.info({ quota, held: held.length, live: live.length, releasing: surplus.map((o) => o.shard) }, 'rebalancing: handing shards over');
      await Promise.all(surplus.map((o) => this.handOver(o)));
      await this.announce('shards_released', surplus.map((o) => o.shard));
      return;
    }
    if (held.length < quota) {
      // Just after a store outage of our own, every lease looks expired (nobody could renew) and
      // every heartbeat stale: leave the owners a TTL to renew (they are suspended, not gone)
      // before taking an expired lease from them. A released lease (owner null) is free at once.
      const storeSettled = now - this.lastStoreFaultAt >= leaseTtlMs;
      const free = (s: number): boolean => {
        if (this.owned.has(s) || this.taking.has(s)) return false;
        const l = leaseOf.get(s);
        return !l || l.owner === null || l.owner === node || (l.expires_at < now && storeSettled);
      };
      const sortedLive = [...new Set([...live, node])].sort();
      // Start looking where this node's "own" range begins, so that nodes taking at once rarely collide.
      const offset = Math.floor((sortedLive.indexOf(node) * shardCount) / sortedLive.length);
      const candidates: number[] = [];
      for (let i = 0; i < shardCount; i++) {
        const s = (offset + i) % shardCount;
        if (free(s)) candidates.push(s);
      }
      if (candidates.length === 0) return;
      const taken = await this.takeUpTo(candidates, quota - held.length);
      if (taken.length > 0) {
        logger.info({ quota, held: held.length + taken.length, live: sortedLive.length, taken }, 'balance: shards taken');
        // the gateways' read models drop what they hold of these shards (docs/performance.md); a node
        // still holding one of them suspended under an older epoch gives it up (the epochs)
        await this.announce('shards_taken', taken, taken.map((s) => this.owned.get(s)?.fence.epoch ?? 0));
      }
    }
  }

  private async takeUpTo(candidates: number[], want: number): Promise<number[]> {
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
    await Promise.all(Array.from({ length: Math.min(TAKE_CONCURRENCY, want) }, lane));
    return taken.sort((a, b) => a - b);
  }

  /**
   * Registered owners of valid leases whose presence queue no longer exists: the broker deleted
   * it after their connection closed (process killed or crashed). A frozen or busy node still has
   * its queue (the call times out): it is left to its lease TTL.
   */
  private async deadOwners(nodes: NodeRecord[], leases: Lease[], now: number): Promise<Set<string>> {
    const { bus, node } = this.opts;
    const registered = new Set(nodes.map((n) => n.name));
    const owners = new Set(leases.filter((l) => l.owner !== null && l.owner !== node && l.expires_at >= now && registered.has(l.owner)).map((l) => l.owner!));
    const dead = new Set<string>();
    if (owners.size === 0 || !bus.isConnected()) return dead;
    // Just back from a broker outage (a broker restart drops every presence queue at once): give the
    // others time to reconnect and declare theirs again before taking a missing one for a death.
    if (this.reconnectedAt > 0 && now - this.reconnectedAt < PRESENCE_RECONNECT_GRACE_MS) return dead;
    await Promise.all(
      [...owners].map(async (owner) => {
        try {
          await bus.call(presenceQueue(owner), { type: 'presence_ping', from: node }, { timeoutMs: PRESENCE_PROBE_TIMEOUT_MS });
        } catch (err) {
          if (isTransportError(err, 'unroutable')) dead.add(owner);
        }
      }),
    );
    return dead;
  }

  private async announce(type: ClusterControlType, shards?: number[], epochs?: number[]): Promise<void> {
    const { bus, node, clock, logger } = this.opts;
    const msg: ClusterControlMessage = { type, node, at: clock.now(), ...(shards ? { shards } : {}), ...(epochs ? { epochs } : {}) };
    try {
      await bus.publish(CONTROL_EXCHANGE, clusterControlKey(type), msg);
    } catch (err) {
      logger.warn({ err, type }, 'cluster control broadcast failed (the others will notice on their next round)');
    }
  }

  // -------------------------------------------------------------------------------- timers

  /** Every TTL/3 from the start of the last round (0.5 s while a shard is suspended). */
  private scheduleRenew(): void {
    if (!this.running && !this.leaving) return;
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

  private scheduleBalance(): void {
    if (!this.running) return;
    const { clock } = this.opts;
    this.balanceTimer = clock.setTimer(clock.now() + this.balanceIntervalMs, () => {
      this.balanceTimer = null;
      void this.balance().finally(() => this.scheduleBalance());
    });
  }

  private armWatchdog(o: OwnedShard): void {
    const { clock, leaseTtlMs } = this.opts;
    if (o.watchdog) clock.clearTimer(o.watchdog);
    o.watchdog = clock.setTimer(o.renewedAt + Math.floor(leaseTtlMs * LEASE_SAFETY), () => {
      o.watchdog = null;
      this.expire(o, `lease not renewed within ${LEASE_SAFETY * 100}% of its TTL`);
    });
  }

  private wakeRetry(o: OwnedShard): void {
    o.retry?.wake();
  }

  private clearShardTimers(o: OwnedShard): void {
    if (o.watchdog) this.opts.clock.clearTimer(o.watchdog);
    o.watchdog = null;
    this.wakeRetry(o);
  }

  private async cancelConsumer(o: OwnedShard): Promise<void> {
    const consumer = o.consumer;
    o.consumer = null;
    await this.cancel(consumer, `shard ${o.shard}`);
  }

  private async cancel(consumer: Consumer | null, what: string): Promise<void> {
    if (!consumer) return;
    try {
      await consumer.cancel();
    } catch (err) {
      this.opts.logger.warn({ err, what }, 'consumer cancel failed');
    }
  }
}
