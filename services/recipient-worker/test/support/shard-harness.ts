/** A ShardManager on the memory bus, a memory store and a manual clock, with the real shard handler. */
import assert from 'node:assert/strict';
import { shardOf, shardQueue, type RecipientState, type RpcReply } from '@qubicle/contracts';
import { createMemoryBus, type Bus, type Consumer, type QueueSpec, type RpcHandler, type ServeOptions } from '@qubicle/transport';
import { AccountSettingsCache } from '../../src/actor/account-settings.js';
import type { ActorEnv } from '../../src/actor/recipient-actor.js';
import { OutboxRelay } from '../../src/actor/outbox-relay.js';
import { ActorRegistry } from '../../src/actor/registry.js';
import { ManualClock } from '../../src/clock.js';
import { createShardHandler } from '../../src/handlers/shard-handler.js';
import { OwnershipGate } from '../../src/shards/ownership-gate.js';
import { ShardManager } from '../../src/shards/shard-manager.js';
import { captureLogger } from './logger.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, T0 } from './machine-fixtures.js';
import { TestStore } from './test-store.js';

export const SHARD_COUNT = 4;
export const TTL = 9_000;
/** every shard of the harness's ring, in order */
export const ALL = Array.from({ length: SHARD_COUNT }, (_, i) => i);
/** the shard a recipient of ACCOUNT lives on, in the harness's ring */
export const shardOfR = (id: string) => shardOf(ACCOUNT, id, SHARD_COUNT);

/** The data of a reply that must be ok (the whole reply is the message when it is not). */
export function ok(reply: RpcReply<unknown>): unknown {
  assert.equal(reply.ok, true, JSON.stringify(reply));
  return reply.ok ? reply.data : undefined;
}

/** A command for a recipient of ACCOUNT, sent to its shard's queue as the gateway sends it. */
export function call(
  bus: { call: (q: string, b: unknown, o: { timeoutMs: number }) => Promise<unknown> },
  recipient: string,
  body: Record<string, unknown>,
  timeoutMs = 2_000,
) {
  return bus.call(
    shardQueue(shardOfR(recipient)),
    { command_id: `c-${Math.random().toString(16).slice(2, 12)}`, account_id: ACCOUNT, recipient_id: recipient, shard_count: SHARD_COUNT, ...body },
    { timeoutMs },
  ) as Promise<RpcReply<unknown>>;
}

/** A persisted recipient state as a previous owner left it. */
export function persisted(store: TestStore, state: RecipientState, epoch = 1): void {
  store.recipients.set(`${state.account_id}/${state.recipient_id}`, { state, shard: shardOfR(state.recipient_id), epoch, updated: T0 });
}

export function shardHarness(opts: { store?: TestStore; bus?: Bus; node?: string; clock?: ManualClock; takeFreeShards?: boolean } = {}) {
  const store = opts.store ?? new TestStore();
  const bus = opts.bus ?? createMemoryBus();
  const clock = opts.clock ?? new ManualClock(T0);
  const logger = captureLogger();
  const node = opts.node ?? NODE;
  if (!opts.store) {
    store.addAccount({ id: ACCOUNT });
    store.addUser(ACCOUNT, RECIPIENT);
    store.addUser(ACCOUNT, OTHER);
  }
  /** what happened, in order: store loads and queue serves */
  const order: string[] = [];
  const loggedBus: Bus = Object.create(bus) as Bus;
  loggedBus.serve = async (spec: QueueSpec, handler: RpcHandler, serveOpts: ServeOptions): Promise<Consumer> => {
    order.push(`serve ${spec.name}`);
    return bus.serve(spec, handler, serveOpts);
  };
  const list = store.listRecipientsByShard.bind(store);
  store.listRecipientsByShard = async (shard: number) => {
    order.push(`load ${shard}`);
    return list(shard);
  };
  // as in worker.ts: the gate first, read by the actors and the handler, filled by the lease book
  const gate = new OwnershipGate({ node, shardCount: SHARD_COUNT, leaseTtlMs: TTL, clock });
  let sessions = 0;
  const relay = new OutboxRelay({ bus: loggedBus, store, clock, logger });
  const adopt = relay.adopt.bind(relay);
  relay.adopt = (shard, events) => {
    order.push(`publish leftovers ${shard}: ${events.length}`);
    return adopt(shard, events);
  };
  const env: ActorEnv = {
    store,
    relay,
    clock,
    logger,
    node,
    accounts: new AccountSettingsCache((id) => store.getAccount(id), clock),
    newSessionId: () => `${node}-session-${++sessions}`,
    fenceOf: (shard) => gate.fenceOf(shard),
    onFenced: (shard) => gate.fenced(shard),
  };
  const registry = new ActorRegistry(env, SHARD_COUNT);
  const handler = createShardHandler({
    registry,
    gate,
    store,
    bus: loggedBus,
    logger,
    node,
    shardCount: SHARD_COUNT,
  });
  const manager = new ShardManager({
    store,
    bus: loggedBus,
    clock,
    logger,
    registry,
    gate,
    outbox: relay,
    handler,
    node,
    shardCount: SHARD_COUNT,
    leaseTtlMs: TTL,
    prefetch: 10,
    queueType: 'classic',
    ...(opts.takeFreeShards === undefined ? {} : { takeFreeShards: opts.takeFreeShards }),
  });
  return { store, bus, clock, logger, registry, manager, gate, relay, order, node };
}

/** One store, one bus, one clock shared by several nodes' harnesses (a cluster in one process). */
export function sharedWorld() {
  const store = new TestStore();
  store.addAccount({ id: ACCOUNT });
  store.addUser(ACCOUNT, RECIPIENT);
  store.addUser(ACCOUNT, OTHER);
  return { store, bus: createMemoryBus(), clock: new ManualClock(T0) };
}
