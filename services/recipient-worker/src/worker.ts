/**
 * A recipient-worker node: wires the store, the bus, the ownership gate (first: the actors and
 * the shard handler read it), the actors, the shard manager (its lease book fills the gate) and
 * the two kinds of queues it serves (its shards, and the shared directory queue).
 *
 * start: store ready → shard count verified → exchanges/dead-letter queue declared →
 *        logout watch for monitors → the node joins the cluster (shards/shard-manager.ts:
 *        registers with a heartbeat, takes its fair share of shards, each one's leftover
 *        outbox published and its recipients loaded before it is consumed) → directory served.
 * stop:  directory consumer cancelled, then the node leaves the cluster: unregistered,
 *        shard consumers cancelled (in-flight work finishes), mailboxes drained, each shard's
 *        events confirmed (bounded wait), leases released for the others to take at once. The
 *        bus and the store belong to the caller and stay open.
 */
import {
  AUTH_EXCHANGE,
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  DIRECTORY_QUEUE,
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  newKazooId,
  QUEUE_SESSIONS_QUEUE,
  shardOf,
  type BulkStatusData,
  type RecipientStatus,
} from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { QueueEventRelay, QueueRegistry, SessionEventRelay, SessionHost, SessionService, StoreQueueDocs, isRefusedWithdraw, type QueueDocSource } from './queue/runtime/index.js';
import { OFFER_GRACE_MS } from './queue/machine/index.js';
import type { QueueRuntimeStore } from './store/ports/queues-runtime.js';
import type { Bus, Consumer, Logger } from '@qubicle/transport';
import { AccountSettingsCache } from './actor/account-settings.js';
import type { ActorEnv } from './actor/recipient-actor.js';
import { ActorRegistry } from './actor/registry.js';
import { EventFeed } from './actor/event-feed.js';
import { OutboxRelay } from './actor/outbox-relay.js';
import { WriteBatcher } from './actor/write-batcher.js';
import { watchMonitorTargets } from './actor/wiretap-watch.js';
import { createSystemClock, type Clock } from './clock.js';
import { AuditPruner, DAY_MS } from './actor/audit-pruner.js';
import type { WorkerConfig } from './config.js';
import { createDirectoryHandler } from './directory/index.js';
import { createShardHandler, SHARD_ROUTES } from './handlers/shard-handler.js';
import { instrumentHandler } from './handlers/instrument.js';
import { NOOP_WORKER_METRICS, type WorkerMetrics } from './metrics.js';
import { DIRECTORY_ROUTES } from './directory/requests/index.js';
import { instrumentStore } from './store/instrumented-store.js';
import { OwnershipGate } from './shards/ownership-gate.js';
import { ShardManager } from './shards/shard-manager.js';
import type { ShardQueues } from './shards/lease-book.js';
import { verifyShardCount } from './shards/shard-count.js';
import type { Store } from './store/port.js';

export interface WorkerDeps {
  bus: Bus;
  store: Store;
  config: WorkerConfig;
  logger: Logger;
  clock?: Clock;
  /** Login session ids (default: fresh KAZOO ids). */
  newSessionId?: () => string;
  /** Prometheus metrics (metrics.ts); absent = not measured. */
  metrics?: WorkerMetrics;
  /** Where running queues read their documents and rosters (default: the queue API's documents in the store). */
  queueDocs?: QueueDocSource;
  /** The running queues' store (default: the store's own `queues` aggregate; none = no queues run here). */
  queueStore?: QueueRuntimeStore;
}

export interface Worker {
  readonly node: string;
  readonly registry: ActorRegistry;
  readonly shards: ShardManager;
  /** The node's outbox relay (its pending events, stats). */
  readonly outbox: OutboxRelay;
  /** The node's running queues (null: the store has no queue aggregate). */
  readonly queues: QueueRegistry | null;
  /** Where its queues read their documents. */
  readonly queueDocs: QueueDocSource;
  start(): Promise<void>;
  stop(): Promise<void>;
  ownedShards(): number[];
}

export function createWorker(deps: WorkerDeps): Worker {
  const { bus, config, logger } = deps;
  const metrics = deps.metrics ?? NOOP_WORKER_METRICS;
  const store = deps.metrics ? instrumentStore(deps.store, deps.metrics) : deps.store;
  const clock = deps.clock ?? createSystemClock();
  const node = config.nodeName;
  const log = childLogger(logger, { node });

  // Built before everything that reads it (the actors' fences, the handler's one check per
  // command); the shard manager's lease book fills it and listens to what it reports.
  const gate = new OwnershipGate({ node, shardCount: config.shardCount, leaseTtlMs: config.leaseTtlMs, clock });
  // every change's events, recorded in the store with it, published in order through broker faults
  const relay = new OutboxRelay({
    bus,
    store,
    clock,
    logger: log,
    // the gateways' copy of the events, one message per turn (contracts: recipient-event-batch.ts)
    feed: new EventFeed(bus, node),
    onPublishFailed: () => metrics.eventPublishFailed(),
  });
  const env: ActorEnv = {
    store,
    relay,
    recentCommands: config.recentCommands,
    clock,
    logger: log,
    node,
    accounts: new AccountSettingsCache((id) => store.getAccount(id), clock),
    newSessionId: deps.newSessionId ?? newKazooId,
    fenceOf: (shard) => gate.fenceOf(shard),
    onFenced: (shard) => gate.fenced(shard),
    metrics,
    // many actors' state writes in one store transaction per tick (docs/performance.md)
    writes: new WriteBatcher(store),
  };
  const registry = new ActorRegistry(env, config.shardCount);

  // ---- the running queues (queue/runtime): one actor per queue of the held shards
  const queueDocs = deps.queueDocs ?? new StoreQueueDocs(store);
  const queueStore = deps.queueStore ?? (deps.store as Store & { queues?: QueueRuntimeStore }).queues ?? null;
  let queues: QueueRegistry | null = null;
  let sessions: SessionService | null = null;
  let sessionHost: SessionHost | null = null;
  if (queueStore) {
    // offers expire in the broker within OFFER_GRACE_MS (the queue machine's requirement)
    const recipients = new RecipientBusClient({ caller: bus, shardCount: config.shardCount, service: 'queue', timeoutMs: OFFER_GRACE_MS });
    const shardClient = recipients.shardClient;
    sessions = new SessionService({ shards: shardClient, logger: log, newId: newKazooId });
    sessionHost = new SessionHost({
      store: queueStore,
      queues: sessions,
      relay: new SessionEventRelay({ bus, store: queueStore, clock, logger: log }),
      clock,
      logger: log,
      node,
      shardOf: (accountId, callId) => shardOf(accountId, callId, config.shardCount),
      onFenced: (shard) => gate.fenced(shard),
      newSessionId: deps.newSessionId ?? newKazooId,
    });
    // the relay sends the queues' session reports too, after their events (the queue outbox)
    const queueRelay = new QueueEventRelay({ bus, store: queueStore, sessions, clock, logger: log });
    queues = new QueueRegistry({
      store: queueStore,
      docs: queueDocs,
      relay: queueRelay,
      bus,
      logger: log,
      shardCount: config.shardCount,
      readStatuses: async (accountId, ids) => {
        const seqs: Record<string, number> = {};
        const all: BulkStatusData = await shardClient.fanOut(
          accountId,
          ids,
          (chunk, n) => ({ type: 'get_status_many', command_id: newKazooId(), account_id: accountId, recipient_ids: chunk, shard_count: n }),
          {},
          (reply) => Object.assign(seqs, reply.seqs ?? {}),
        );
        return ids.map((id) => {
          const s = all[id];
          const status: RecipientStatus = s === undefined || s === 'not_logged_in' ? { available: false, availability_state: 'Not-Logged-In' } : s;
          return { recipient_id: id, seq: seqs[id] ?? 0, status };
        });
      },
      env: {
        store: queueStore,
        clock,
        logger: log,
        node,
        fenceOf: (shard) => gate.fenceOf(shard),
        onFenced: (shard) => gate.fenced(shard),
        publish: (shard, events) => queueRelay.add(shard, events),
        newId: newKazooId,
        sessions,
        metrics,
        recipients: {
          offer: (e, fence, accountId) =>
            recipients.offer(
              accountId,
              e.recipient_id,
              { call: e.call, offer_timeout_seconds: e.offer_timeout_seconds, wrapup_seconds: e.wrapup_seconds, queue_fence: fence },
              { commandId: e.offer_id },
            ),
          withdraw: async (accountId, r, sessionId, reason) => {
            try {
              await recipients.withdraw(accountId, r, sessionId, { reason: reason as 'caller_hangup' | 'answered_elsewhere' | 'other' });
              return true;
            } catch (err) {
              // the recipient machine refuses a withdraw of an offer it no longer holds (answered,
              // rejected, missed; logged out): an outcome, not a failure
              if (isRefusedWithdraw(err)) return false;
              throw err;
            }
          },
          setAway: async (accountId, r) => {
            await recipients.setStatus(accountId, r, 'away');
          },
          statusOf: async (accountId, r) => {
            const reply = await shardClient.toRecipient(accountId, r, (n) => ({ type: 'get_status', command_id: newKazooId(), account_id: accountId, recipient_id: r, shard_count: n }));
            return { status: reply.data, seq: reply.seq ?? 0 };
          },
        },
      },
    });
  }

  const handler = createShardHandler({
    ...(queues ? { queues } : {}),
    ...(sessionHost ? { sessions: sessionHost } : {}),
    registry,
    gate,
    store,
    bus,
    logger: log,
    node,
    shardCount: config.shardCount,
    ...(config.busSenders ? { senders: config.busSenders } : {}),
  });
  const shardManager = new ShardManager({
    store,
    bus,
    clock,
    logger: log,
    registry,
    gate,
    outbox: relay,
    handler: instrumentHandler(handler, { logger: log, metrics, commands: Object.keys(SHARD_ROUTES) }),
    node,
    shardCount: config.shardCount,
    leaseTtlMs: config.leaseTtlMs,
    prefetch: config.shardPrefetch,
    queueType: config.shardQueueType,
    metrics,
    ...(queues && sessionHost ? { queues: shardQueuesOf(queues, sessionHost) } : {}),
  });
  deps.metrics?.track({
    recipients: () => registry.loggedIn(),
    shardsOwned: () => shardManager.ownedShards().length,
    shardsSuspended: () => shardManager.suspendedShards().length,
    bus,
    outboxPending: () => relay.pending(),
    queues: () => (queues ? queues.all().filter((a) => !a.isStopped).map((a) => ({ sessions: a.state?.sessions ?? [] })) : []),
  });

  const auditPruner = new AuditPruner({ store, clock, logger: log, retentionMs: config.auditRetentionDays * DAY_MS });

  let directoryConsumer: Consumer | null = null;
  let sessionsConsumer: Consumer | null = null;
  let watchConsumer: Consumer | null = null;

  const cancel = async (consumer: Consumer | null, what: string): Promise<void> => {
    try {
      await consumer?.cancel();
    } catch (err) {
      log.warn({ err }, `${what} consumer cancel failed`);
    }
  };

  return {
    node,
    registry,
    shards: shardManager,
    outbox: relay,
    queues,
    queueDocs,
    ownedShards: () => shardManager.ownedShards(),

    async start() {
      await store.init();
      await verifyShardCount(store, config.shardCount);
      await bus.declareExchange(EVENTS_EXCHANGE, 'topic');
      await bus.declareExchange(FEED_EXCHANGE, 'fanout');
      await bus.declareExchange(DEAD_LETTER_EXCHANGE, 'fanout');
      await bus.declareExchange(AUTH_EXCHANGE, 'topic');
      await bus.declareQueue({ name: DEAD_LETTER_QUEUE, durable: true }, [{ exchange: DEAD_LETTER_EXCHANGE, routingKey: '' }]);
      watchConsumer = await watchMonitorTargets(bus, registry, log);
      await shardManager.start();
      const directory = createDirectoryHandler({
        store,
        bus,
        logger: log,
        shardCount: config.shardCount,
        shardQueueType: config.shardQueueType,
        node,
        cluster: { store, leaseTtlMs: config.leaseTtlMs, now: () => clock.now() },
        ...(config.busSenders ? { senders: config.busSenders } : {}),
        clock: () => clock.now(),
      });
      const directoryHandler = instrumentHandler(directory, { logger: log, metrics, commands: Object.keys(DIRECTORY_ROUTES) });
      directoryConsumer = await bus.serve({ name: DIRECTORY_QUEUE, durable: true }, directoryHandler, { prefetch: config.shardPrefetch });
      // KAZOO's qubicle_session messages (any worker takes them; docs/queues.md, Bus integration)
      if (sessions) sessionsConsumer = await bus.serve({ name: QUEUE_SESSIONS_QUEUE, durable: true }, sessions.handler(), { prefetch: config.shardPrefetch });
      auditPruner.start();
      log.info({ owned: shardManager.ownedShards().length, shardCount: config.shardCount, store: store.kind }, 'worker started');
    },

    async stop() {
      await auditPruner.stop();
      // The directory may ask shards (logout of a deleted user): stop it first, then the shards.
      await cancel(directoryConsumer, 'directory');
      directoryConsumer = null;
      await cancel(sessionsConsumer, 'queue sessions');
      sessionsConsumer = null;
      await shardManager.stop();
      await queues?.close();
      // what is confirmed leaves the store's outbox now; what is not stays there for the next owner
      await relay.flushDeletes().catch(() => undefined);
      relay.close();
      await cancel(watchConsumer, 'logout watch');
      watchConsumer = null;
      await store.removeNode(node).catch((err: unknown) => log.warn({ err }, 'node unregister failed'));
      log.info({}, 'worker stopped');
    },
  };
}

/** pino's child() when there is one, so every line names the node. */
function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  const withChild = logger as Logger & { child?: (b: Record<string, unknown>) => Logger };
  return typeof withChild.child === 'function' ? withChild.child(bindings) : logger;
}

/**
 * What a taken or lost shard means for the queue side: its caller sessions' leftover events go out
 * first (session-host.ts), its queues restart (queue-registry.ts); on the way out both finish.
 */
function shardQueuesOf(queues: QueueRegistry, sessions: SessionHost): ShardQueues {
  return {
    async take(shard, fence) {
      await sessions.take(shard);
      await queues.take(shard, fence);
    },
    async drain(shard) {
      await Promise.all([sessions.drain(shard), queues.drain(shard)]);
    },
    drop(shard) {
      sessions.drop(shard);
      return queues.drop(shard);
    },
  };
}
