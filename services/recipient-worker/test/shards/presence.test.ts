/**
 * Presence (shards/presence.ts): the presence queue, the heartbeat, and the probe that tells a
 * dead owner (its presence queue deleted by the broker) from a busy or frozen one.
 */
import assert from 'node:assert/strict';
import { presenceQueue } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../src/clock.js';
import { Presence } from '../../src/shards/presence.js';
import { captureLogger } from '../support/logger.js';
import { T0 } from '../support/machine-fixtures.js';
import { SHARD_COUNT, TTL, shardHarness, sharedWorld } from '../support/shard-harness.js';
import { waitFor } from '../support/wait.js';

describe('shards: presence', () => {
  it('the heartbeat records the held shards, the cluster settings and the start time; a failed one is a store fault, logged at warn once per streak', async () => {
    const clock = new ManualClock(T0);
    const beats: Array<{ node: string; info: Record<string, unknown>; now: number }> = [];
    let down = false;
    let faults = 0;
    const logger = captureLogger();
    const presence = new Presence({
      store: {
        heartbeatNode: async (node, info, now) => {
          if (down) throw new Error('store down');
          beats.push({ node, info, now });
        },
        removeNode: async () => {},
      },
      bus: createMemoryBus(),
      clock,
      logger,
      node: 'node-a',
      shardCount: 8,
      queueType: 'quorum',
      leaseTtlMs: TTL,
      heldShards: () => [1, 5],
      nodeInfo: () => ({ version: 'x' }),
      onStoreFault: () => faults++,
      pid: 4242,
    });
    await presence.start();
    clock.advance(1_000);
    await presence.heartbeatLogged();
    assert.deepEqual(beats, [
      { node: 'node-a', now: T0 + 1_000, info: { version: 'x', shard_count: 8, queue_type: 'quorum', lease_ttl_ms: TTL, owned_shards: 2, shards: [1, 5], started_at: T0, pid: 4242 } },
    ]);
    down = true;
    await presence.heartbeatLogged();
    await presence.heartbeatLogged();
    assert.equal(faults, 2);
    assert.deepEqual(logger.entries.filter((e) => e.msg === 'node heartbeat failed').map((e) => e.level), ['warn', 'debug']);
    await presence.stop();
  });

  it('an owner whose presence queue is gone (killed) loses its leases at once, before they expire', async () => {
    const w = sharedWorld();
    // "ghost" registered a heartbeat and holds shard 1 for a full TTL, but has no presence queue
    await w.store.heartbeatNode('ghost', {}, T0);
    const lease = await w.store.tryAcquireLease(1, 'ghost', TTL, T0);
    assert.ok(lease);
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    await waitFor(() => a.manager.ownedShards().length === SHARD_COUNT, 'node-a to take the ghost shard', 5_000);
    assert.ok(w.clock.now() < T0 + TTL, 'long before the lease expired');
    assert.equal(w.store.leases.get(1)?.owner, 'node-a');
    assert.equal(w.store.leases.get(1)?.epoch, lease.epoch + 1, 'a new epoch fences the ghost');
    assert.equal(w.store.nodes.has('ghost'), false, 'removed from the registry');
    await a.manager.stop();
  });

  it('just back from a broker outage, a node does not take a missing presence queue for a death (grace of 5 s)', async () => {
    const w = sharedWorld();
    const b = shardHarness({ ...w, node: 'node-b' });
    await b.manager.start();
    // a registered owner whose presence queue is missing, as for every node right after a broker restart
    const shard = b.manager.ownedShards()[0]!;
    await w.store.releaseLease(shard, 'node-b', w.store.leases.get(shard)!.epoch);
    await w.store.heartbeatNode('restarting', {}, w.clock.now());
    await w.store.tryAcquireLease(shard, 'restarting', TTL, w.clock.now());
    w.bus.simulateDisconnect();
    w.bus.simulateReconnect();
    await b.manager.tick();
    assert.equal(w.store.leases.get(shard)?.owner, 'restarting', 'not released during the grace');
    w.clock.advance(5_000);
    await w.store.heartbeatNode('restarting', {}, w.clock.now());
    await b.manager.tick();
    assert.notEqual(w.store.leases.get(shard)?.owner, 'restarting', 'released once the grace is over');
    await b.manager.stop();
  });

  it('an owner that answers on its presence queue keeps its leases (a busy or frozen node is left to the TTL)', async () => {
    const w = sharedWorld();
    await w.store.heartbeatNode('slow', {}, T0);
    await w.store.tryAcquireLease(1, 'slow', TTL, T0);
    const presence = await w.bus.serve({ name: presenceQueue('slow') }, async () => ({ ok: true, data: { node: 'slow' } }), { prefetch: 1 });
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    await a.manager.tick();
    assert.equal(w.store.leases.get(1)?.owner, 'slow');
    assert.ok(!a.manager.ownedShards().includes(1));
    await presence.cancel();
    await a.manager.stop();
  });

  it('a second process with the same NODE_NAME refuses to start (its presence queue is taken)', async () => {
    const w = sharedWorld();
    const a = shardHarness({ ...w, node: 'twin' });
    await a.manager.start();
    const b = shardHarness({ ...w, node: 'twin' });
    await assert.rejects(b.manager.start(), /another process named NODE_NAME=twin/);
    assert.deepEqual(b.manager.ownedShards(), []);
    await a.manager.stop();
  });
});
