/**
 * An actor environment on fakes: memory store (shard leases held by NODE), recorder bus behind the
 * real outbox relay (no feed; deletes flushed on setImmediate), manual clock.
 */
import { AccountSettingsCache } from '../../src/actor/account-settings.js';
import { OutboxRelay } from '../../src/actor/outbox-relay.js';
import { ActorRegistry } from '../../src/actor/registry.js';
import type { ActorEnv } from '../../src/actor/recipient-actor.js';
import { ManualClock } from '../../src/clock.js';
import type { Fence } from '../../src/store/port.js';
import { captureLogger } from './logger.js';
import { ACCOUNT, NODE, OTHER, RECIPIENT, T0 } from './machine-fixtures.js';
import { TestStore } from './test-store.js';
import { PublishRecorder } from './publish-recorder.js';

export const SHARDS = 4;

export function actorHarness(opts: { threshold?: number; pro?: boolean } = {}) {
  const store = new TestStore();
  const bus = new PublishRecorder();
  const clock = new ManualClock(T0);
  const logger = captureLogger();
  const fenced: number[] = [];
  const wiretaps: unknown[] = [];
  const fences = new Map<number, Fence>();
  store.addAccount({ id: ACCOUNT, features: { pro: opts.pro ?? true }, qubicle: { missed_call_threshold: opts.threshold ?? 0 } });
  store.addUser(ACCOUNT, RECIPIENT);
  store.addUser(ACCOUNT, OTHER);
  for (let shard = 0; shard < SHARDS; shard++) {
    store.leases.set(shard, { shard, owner: NODE, epoch: 1, expires_at: T0 + 60_000 });
    fences.set(shard, { shard, epoch: 1, node: NODE });
  }
  let sessions = 0;
  const relay = new OutboxRelay({ bus, store, clock, logger });
  const env: ActorEnv = {
    store,
    relay,
    clock,
    logger,
    node: NODE,
    accounts: new AccountSettingsCache((id) => store.getAccount(id), clock, 5_000),
    newSessionId: () => `session-${++sessions}`,
    fenceOf: (shard) => fences.get(shard) ?? null,
    onFenced: (shard) => {
      fenced.push(shard);
      fences.delete(shard);
    },
    onWiretap: (_key, effect) => wiretaps.push(effect),
  };
  const registry = new ActorRegistry(env, SHARDS);
  const shard = registry.shardOf(ACCOUNT, RECIPIENT);
  return { store, bus, relay, clock, logger, env, registry, fenced, fences, wiretaps, shard };
}
