/**
 * Shard ownership of this node in a cluster of worker nodes (design §5, docs/cluster.md): a thin
 * facade that wires four parts, each in its own file, with one-way callbacks (no part imports
 * another's class but the manager):
 *   - the lease book (lease-book.ts): which shards this node holds, under which epoch; take, keep
 *     (renew, suspend, resume), lose and hand over, against the store;
 *   - the balance plan (balance-plan.ts): pure; fair shares and which shards to take or hand over;
 *   - presence (presence.ts): the presence queue, the heartbeat, the probe for dead owners;
 *   - control (control.ts): the cluster's broadcasts.
 * The ownership gate (ownership-gate.ts), which commands and writes pass, is built before all of
 * them (worker.ts) and filled by the lease book.
 *
 *   join:    presence queue served (the broker deletes it when this node's connection dies) →
 *            control broadcasts subscribed → node registered (heartbeat) → first balance round
 *            → `node_joined` broadcast (the others release their surplus to us at once).
 *   balance: every min(0.5 s, TTL/3), and at once on a broadcast. An owner whose presence queue
 *            has gone (kill -9, crash: the broker closed its connection) is dead: its leases are
 *            released on its behalf (conditionally on its epoch) and it is removed from the
 *            registry, so failover does not wait for the TTL. Then the plan: hand the surplus over
 *            (`shards_released` after), or take free leases (`shards_taken` after).
 *   stop:    leave the registry first (others stop counting us), hand every shard over,
 *            `shards_released`, stop heartbeats and broadcasts.
 */
import { shardQueue, shardQueueArguments, type ShardQueueType } from '@qubicle/contracts';
import type { Bus, Logger, RpcHandler } from '@qubicle/transport';
import type { ActorRegistry } from '../actor/registry.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { WorkerMetricsSink } from '../metrics.js';
import type { Store } from '../store/port.js';
import { leasesOfDead, planBalance } from './balance-plan.js';
import { Control } from './control.js';
import { LeaseBook, type ShardOutbox } from './lease-book.js';
import type { OwnershipGate } from './ownership-gate.js';
import { Presence } from './presence.js';

export { fairShare } from './balance-plan.js';
export { SUSPENDED_RENEW_MS, type ShardOutbox } from './lease-book.js';
export { LEASE_SAFETY } from './ownership-gate.js';

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
  /** The node's ownership gate: the lease book fills it, the handler and the actors read it. */
  gate: OwnershipGate;
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
  /** Balance round interval (default min(500, TTL/3)). */
  balanceIntervalMs?: number;
  /** Delay between two tries of a refused consume (default 250 ms). */
  consumeRetryMs?: number;
  /** The node's running queues (lease-book.ts ShardQueues). */
  queues?: import('./lease-book.js').ShardQueues;
  /** Extra fields of this node's registry record. */
  nodeInfo?: () => Record<string, unknown>;
  /** Lease renewals and failures (metrics.ts); absent = not measured. */
  metrics?: Pick<WorkerMetricsSink, 'leaseRenewed' | 'leaseFailed'>;
}

/** Longest interval between two balance rounds (also bounded by TTL/3). */
const BALANCE_INTERVAL_MS = 500;
/** Shards taken at once in a balance round. */
const TAKE_CONCURRENCY = 4;

export class ShardManager {
  readonly gate: OwnershipGate;
  private readonly book: LeaseBook;
  private readonly presence: Presence;
  private readonly control: Control;
  private balanceTimer: TimerHandle | null = null;
  private balancing: Promise<void> | null = null;
  private balanceAgain = false;
  private balanceFailures = 0;
  private running = false;
  private leaving = false;
  private unsubscribeState: (() => void) | null = null;
  private unsubscribeStore: (() => void) | null = null;
  private readonly balanceIntervalMs: number;
  /** the last time one of this node's store operations failed (renew, heartbeat, balance, acquire) */
  private lastStoreFaultAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: ShardManagerOptions) {
    const { store, bus, clock, logger, node } = opts;
    this.gate = opts.gate;
    this.balanceIntervalMs = opts.balanceIntervalMs ?? Math.max(50, Math.min(BALANCE_INTERVAL_MS, Math.floor(opts.leaseTtlMs / 3)));
    const onStoreFault = (): void => {
      this.lastStoreFaultAt = clock.now();
    };
    this.control = new Control({
      bus,
      clock,
      logger,
      node,
      onEpochs: (from, shards, epochs) => {
        // a newer epoch of a shard we still hold (suspended) is given up at once
        this.book.yieldToNewerEpochs(from, shards, epochs);
        // the peer just wrote leases through the store: it answers again (our own retry may be
        // up to SUSPENDED_RENEW_MS away, and an I/O error or a full disk sends no signal of its end)
        this.book.renewSoonAfterStoreFault();
      },
      onMembershipChange: () => this.requestBalance(),
    });
    this.presence = new Presence({
      store,
      bus,
      clock,
      logger,
      node,
      shardCount: opts.shardCount,
      queueType: opts.queueType,
      leaseTtlMs: opts.leaseTtlMs,
      heldShards: () => this.book.heldShards(),
      ...(opts.nodeInfo ? { nodeInfo: opts.nodeInfo } : {}),
      onStoreFault,
    });
    this.book = new LeaseBook({
      store,
      bus,
      clock,
      logger,
      registry: opts.registry,
      outbox: opts.outbox,
      gate: opts.gate,
      handler: opts.handler,
      node,
      leaseTtlMs: opts.leaseTtlMs,
      prefetch: opts.prefetch,
      queueType: opts.queueType,
      ...(opts.consumeRetryMs !== undefined ? { consumeRetryMs: opts.consumeRetryMs } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.queues ? { queues: opts.queues } : {}),
      announceHeld: (shards, epochs) => this.control.announce('shards_held', shards, epochs),
      onStoreFault,
      alongsideRenew: () => this.presence.heartbeatLogged(),
    });
  }

  /** Shards whose queue this node consumes now. */
  ownedShards(): number[] {
    return this.book.ownedShards();
  }

  /** Shards whose lease this node holds (also while loading or handing over). */
  heldShards(): number[] {
    return this.book.heldShards();
  }

  /** Held shards that are suspended (the store does not answer their lease renewal). */
  suspendedShards(): number[] {
    return this.book.suspendedShards();
  }

  async start(): Promise<void> {
    const { bus, shardCount, queueType, logger } = this.opts;
    this.running = true;
    // the registry's started_at, and the first renewal TTL/3 from here
    const startedAt = this.opts.clock.now();
    // Every shard queue exists even while its owner is away: commands wait (until they expire) instead of being unroutable.
    for (let shard = 0; shard < shardCount; shard++) {
      await bus.declareQueue({ name: shardQueue(shard), durable: true, arguments: shardQueueArguments(queueType) });
    }
    // Presence before any lease: a lease owner without a presence queue is treated as dead.
    await this.presence.start(startedAt);
    await this.control.start();
    await this.presence.heartbeat();
    // Back from a broker outage: check the leases at once (another node may have taken some meanwhile).
    let lost = false;
    this.unsubscribeState = bus.onStateChange((connected) => {
      if (!connected) {
        lost = true;
        return;
      }
      if (!lost) return;
      lost = false;
      this.presence.noteReconnected();
      if (this.running) void this.book.renewAll();
    });
    // the store says when it answers again (SQLite: a lock released): suspended shards resume at once
    this.unsubscribeStore = this.opts.store.onAvailable?.(() => this.book.renewSoonAfterStoreFault()) ?? null;
    this.book.start(startedAt);
    await this.balance();
    this.scheduleBalance();
    await this.presence.heartbeatLogged(); // with the shards taken
    await this.control.announce('node_joined');
    logger.info({ held: this.heldShards().length, shardCount }, 'joined the cluster');
  }

  /** One lease round: renew (and heartbeat), then balance. Called by the timers; exposed for tests. */
  async tick(): Promise<void> {
    await this.book.renewAll();
    await this.balance();
  }

  /** Gives the shard up without writing recipient state (lost lease, fenced write, broken consumer). */
  lose(shard: number, reason: string): Promise<void> {
    return this.book.lose(shard, reason);
  }

  /** Graceful: leave the registry, hand every shard over (stop consuming, finish, drain, release). */
  async stop(): Promise<void> {
    const { store, node, logger } = this.opts;
    if (!this.running && !this.leaving) return;
    this.running = false;
    this.leaving = true;
    this.book.beginLeaving();
    if (this.balanceTimer) this.opts.clock.clearTimer(this.balanceTimer);
    this.balanceTimer = null;
    await this.balancing;
    // Out of the registry first: the others' fair shares grow, so they take what we release.
    await this.presence.leave();
    await this.control.announce('node_leaving');
    // Leases keep being renewed while in-flight work finishes.
    const shards = await this.book.handOverAll();
    if (shards.length > 0) await this.control.announce('shards_released', shards);
    await this.book.stop();
    this.unsubscribeState?.();
    this.unsubscribeState = null;
    this.unsubscribeStore?.();
    this.unsubscribeStore = null;
    await this.control.stop();
    await this.presence.stop();
    await store.removeNode(node).catch(() => undefined); // in case a heartbeat slipped in
    this.leaving = false;
    logger.info({ released: shards.length }, 'left the cluster');
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
              this.lastStoreFaultAt = this.opts.clock.now();
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

    // Owners proven dead by the broker: release their leases for them, drop them from the registry.
    const dead = await this.presence.deadOwners(nodes, leases, now);
    for (const owner of dead) {
      const theirs = leasesOfDead(leases, new Set([owner]), now);
      logger.warn({ owner, shards: theirs.map((l) => l.shard) }, 'node is gone (its presence queue was deleted by the broker): releasing its leases');
      for (const l of theirs) await this.book.releaseFor(l);
      await store.removeNode(owner);
    }
    if (!this.running) return;

    const held = this.book.keptShards();
    const plan = planBalance({ node, shardCount, leaseTtlMs, now, nodes, leases, dead, held, busy: this.book.busyShards(), lastStoreFaultAt: this.lastStoreFaultAt });
    if (plan.handOver.length > 0) {
      logger.info({ quota: plan.quota, held: held.length, live: plan.live.length, releasing: plan.handOver }, 'rebalancing: handing shards over');
      await this.book.handOver(plan.handOver);
      await this.control.announce('shards_released', plan.handOver);
      return;
    }
    if (plan.want === 0) return;
    const taken = await this.book.takeUpTo(plan.candidates, plan.want, TAKE_CONCURRENCY);
    if (taken.length > 0) {
      logger.info({ quota: plan.quota, held: held.length + taken.length, live: plan.live.length, taken }, 'balance: shards taken');
      // the gateways' read models drop what they hold of these shards (docs/performance.md); a node
      // still holding one of them suspended under an older epoch gives it up (the epochs)
      await this.control.announce('shards_taken', taken, taken.map((s) => this.book.epochOf(s) ?? 0));
    }
  }

  private scheduleBalance(): void {
    if (!this.running) return;
    const { clock } = this.opts;
    this.balanceTimer = clock.setTimer(clock.now() + this.balanceIntervalMs, () => {
      this.balanceTimer = null;
      void this.balance().finally(() => this.scheduleBalance());
    });
  }
}
