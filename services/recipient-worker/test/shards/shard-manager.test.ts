/** The shard manager facade (shards/shard-manager.ts): a node's graceful leave and another's take-over. */
import assert from 'node:assert/strict';
import { shardQueue } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ACCOUNT, RECIPIENT } from '../support/machine-fixtures.js';
import { TestStore } from '../support/test-store.js';
import { ALL, TTL, call, shardHarness } from '../support/shard-harness.js';
import { deferred, waitFor, within } from '../support/wait.js';

describe('shards: shard manager', () => {
  it('stop: in-flight commands finish, mailboxes drain, leases are released, queues are free again', async () => {
    const t = shardHarness();
    await t.manager.start();
    assert.equal((await call(t.bus, RECIPIENT, { type: 'login' })).ok, true);
    const gate = deferred();
    t.store.gates.set('saveRecipients', gate.promise);
    const inflight = call(t.bus, RECIPIENT, { type: 'set_status', status: 'ready' });
    await waitFor(() => t.store.calls.filter((c) => c === 'saveRecipients').length === 2, 'the write in flight');
    const stopping = t.manager.stop();
    gate.resolve();
    t.store.gates.delete('saveRecipients');
    const reply = await within(inflight);
    assert.equal(reply.ok, true, JSON.stringify(reply));
    await within(stopping);
    assert.equal(t.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Ready');
    for (const s of ALL) assert.equal(t.store.leases.get(s)?.owner, null, `lease ${s} released`);
    assert.deepEqual(t.manager.ownedShards(), []);
    assert.equal(t.registry.size, 0);
    assert.deepEqual(t.clock.pendingTimers(), [], 'no timers left behind');
    const c = await t.bus.serve({ name: shardQueue(0) }, async () => null, { prefetch: 1, exclusive: true });
    await c.cancel();
  });

  it('a second node takes over released shards with the logged-in recipients intact', async () => {
    const store = new TestStore();
    const bus = createMemoryBus();
    const a = shardHarness({ store, bus, node: 'node-a' });
    store.addAccount({ id: ACCOUNT });
    store.addUser(ACCOUNT, RECIPIENT);
    await a.manager.start();
    assert.equal((await call(bus, RECIPIENT, { type: 'login' })).ok, true);
    assert.equal((await call(bus, RECIPIENT, { type: 'set_status', status: 'ready' })).ok, true);
    const b = shardHarness({ store, bus, node: 'node-b', clock: a.clock });
    await b.manager.start();
    assert.deepEqual(b.manager.ownedShards(), [], 'node-a holds everything');
    await a.manager.stop();
    a.clock.advance(Math.floor(TTL / 3));
    await b.manager.tick();
    assert.deepEqual(b.manager.ownedShards(), ALL);
    const status = await call(bus, RECIPIENT, { type: 'get_status' });
    assert.equal(status.ok && (status.data as { availability_state: string }).availability_state, 'Ready');
    assert.equal(status.node, 'node-b');
    await b.manager.stop();
  });
});
