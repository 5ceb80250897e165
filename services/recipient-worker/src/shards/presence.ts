/**
 * This node's presence in the cluster: its presence queue (exclusive, deleted by the broker when
 * the node's connection dies), its heartbeat in the store's node registry, and the probe that
 * tells a dead owner (its presence queue is gone: kill -9, crash) from a busy or frozen one (its
 * queue is still there: the ping times out, and it is left to its lease TTL).
 */
import { errorReply, okReply, presenceQueue, presenceQueueArguments, validatePresencePing, type ShardQueueType } from '@qubicle/contracts';
import { isTransportError, type Bus, type Consumer, type Logger } from '@qubicle/transport';
import type { Clock } from '../clock.js';
import type { Lease, NodeRecord, Store } from '../store/port.js';
import { probeTargets } from './balance-plan.js';
import { stopConsuming } from './stop-consuming.js';

/**
 * Wait for a presence ping. A live node answers in milliseconds; one that does not answer in
 * time (busy, frozen) is NOT taken for dead: only an unroutable ping (queue deleted) is.
 */
const PRESENCE_PROBE_TIMEOUT_MS = 300;
/** After this node's own reconnect, no owner is declared dead (by presence) for this long. */
const PRESENCE_RECONNECT_GRACE_MS = 5000;

export interface PresenceOptions {
  store: Pick<Store, 'heartbeatNode' | 'removeNode'>;
  bus: Pick<Bus, 'serve' | 'call' | 'isConnected'>;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  node: string;
  shardCount: number;
  queueType: ShardQueueType;
  leaseTtlMs: number;
  /** the shards whose lease this node holds, for its registry record */
  heldShards(): number[];
  /** Extra fields of this node's registry record. */
  nodeInfo?: () => Record<string, unknown>;
  /** A store operation of presence failed (the balance waits a TTL after one before taking expired leases). */
  onStoreFault(): void;
  /** the process id in the registry record (default this process's) */
  pid?: number;
}

export class Presence {
  private consumer: Consumer | null = null;
  private startedAt = 0;
  /** when this node's broker connection came back last (0: never lost) */
  private reconnectedAt = 0;
  /** failure streak, so that an outage is logged at warn once, not on every round */
  private heartbeatFailures = 0;

  constructor(private readonly opts: PresenceOptions) {}

  /** Serves the presence queue; a refused one means another process already runs under this NODE_NAME. */
  async start(startedAt: number = this.opts.clock.now()): Promise<void> {
    const { bus, node } = this.opts;
    this.startedAt = startedAt;
    try {
      this.consumer = await bus.serve(
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
  }

  /** This node's broker connection came back: presence queues of the others may still be missing for a while. */
  noteReconnected(): void {
    this.reconnectedAt = this.opts.clock.now();
  }

  heartbeat(): Promise<void> {
    const { store, node, clock, shardCount, queueType, leaseTtlMs } = this.opts;
    const held = this.opts.heldShards();
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
        pid: this.opts.pid ?? process.pid,
      },
      clock.now(),
    );
  }

  /** A heartbeat; a failure is logged (once per streak at warn) and noted as a store fault. */
  async heartbeatLogged(): Promise<void> {
    const { logger } = this.opts;
    try {
      await this.heartbeat();
      this.heartbeatFailures = 0;
    } catch (err) {
      this.opts.onStoreFault();
      const log = this.heartbeatFailures++ === 0 ? logger.warn : logger.debug;
      log.call(logger, { err, failures: this.heartbeatFailures }, 'node heartbeat failed');
    }
  }

  /**
   * Registered owners of valid leases whose presence queue no longer exists: the broker deleted
   * it after their connection closed (process killed or crashed). A frozen or busy node still has
   * its queue (the call times out): it is left to its lease TTL.
   */
  async deadOwners(nodes: NodeRecord[], leases: Lease[], now: number): Promise<Set<string>> {
    const { bus, node } = this.opts;
    const owners = probeTargets(nodes, leases, node, now);
    const dead = new Set<string>();
    if (owners.length === 0 || !bus.isConnected()) return dead;
    // Just back from a broker outage (a broker restart drops every presence queue at once): give the
    // others time to reconnect and declare theirs again before taking a missing one for a death.
    if (this.reconnectedAt > 0 && now - this.reconnectedAt < PRESENCE_RECONNECT_GRACE_MS) return dead;
    await Promise.all(
      owners.map(async (owner) => {
        try {
          await bus.call(presenceQueue(owner), { type: 'presence_ping', from: node }, { timeoutMs: PRESENCE_PROBE_TIMEOUT_MS });
        } catch (err) {
          if (isTransportError(err, 'unroutable')) dead.add(owner);
        }
      }),
    );
    return dead;
  }

  /** Out of the registry (the others stop counting this node); a failure is only logged. */
  async leave(): Promise<void> {
    await this.opts.store.removeNode(this.opts.node).catch((err: unknown) => this.opts.logger.warn({ err }, 'node unregister failed'));
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await stopConsuming(consumer, this.opts.logger, 'presence');
  }
}
