import assert from 'node:assert/strict';
import type { ClusterView } from '@qubicle/contracts';
import { createDirectoryHandler } from '../../src/directory/index.js';
import { TestStore } from '../support/test-store.js';

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const TTL = 3_000;
const logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('directory: cluster_view', () => {
  it('nodes with heartbeat ages, their valid leases and recipient counts; unowned and orphaned shards', async () => {
    const store = new TestStore();
    store.meta.set('shard_count', 4);
    await store.heartbeatNode('w1', { queue_type: 'classic' }, NOW - 500);
    await store.heartbeatNode('w2', {}, NOW - 10_000); // dead: older than the TTL
    await store.tryAcquireLease(0, 'w1', TTL, NOW - 500);
    await store.tryAcquireLease(1, 'w1', TTL, NOW - 500);
    await store.tryAcquireLease(2, 'w2', TTL, NOW - 10_000); // expired
    await store.tryAcquireLease(3, 'gone', TTL, NOW - 100); // valid, owner not registered
    const counts = new Map([[0, 5], [1, 2], [2, 7]]);
    store.countRecipientsByShard = async () => counts;
    const handler = createDirectoryHandler({
      store,
      bus: { call: async () => ({}) },
      logger,
      shardCount: 4,
      node: 'w1',
      cluster: { store, leaseTtlMs: TTL, now: () => NOW },
    });
    const reply = await handler({ body: { type: 'cluster_view' } });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    const view = (reply as { data: ClusterView }).data;
    assert.equal(view.shard_count, 4);
    assert.equal(view.answered_by, 'w1');
    assert.equal(view.total_recipients, 14);
    const w1 = view.nodes.find((n) => n.name === 'w1')!;
    assert.deepEqual([w1.shards, w1.recipients, w1.alive, w1.heartbeat_age_ms], [[0, 1], 7, true, 500]);
    assert.equal(w1.info['queue_type'], 'classic');
    const w2 = view.nodes.find((n) => n.name === 'w2')!;
    assert.deepEqual([w2.shards, w2.alive], [[], false]);
    assert.deepEqual(view.unowned_shards, [2]);
    assert.deepEqual(view.orphaned_shards, [3]);
    assert.equal(view.leases.length, 4);
  });

  it('answers unavailable when the worker was not given a cluster source', async () => {
    const store = new TestStore();
    const handler = createDirectoryHandler({ store, bus: { call: async () => ({}) }, logger, shardCount: 4 });
    const reply = await handler({ body: { type: 'cluster_view' } });
    assert.equal(reply.ok ? 'ok' : reply.error.code, 'unavailable');
  });
});
