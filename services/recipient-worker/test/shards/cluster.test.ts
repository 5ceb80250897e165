/**
 * The shard manager as a cluster member, in one process (memory bus, memory store, manual clock):
 * rebalancing on join and leave, zombie safety after a freeze, store partitions and the epochs
 * announced over control, a refused consume retried (dead owners: presence.test.ts; the quotas:
 * balance-plan.test.ts). The real-process versions of these
 * scenarios are in the repo's test/cluster/.
 */
import assert from 'node:assert/strict';
import { shardQueue } from '@qubicle/contracts';
import { createMemoryBus } from '@qubicle/transport';
import { ManualClock } from '../../src/clock.js';
import { SUSPENDED_RENEW_MS } from '../../src/shards/lease-book.js';
import { LEASE_SAFETY } from '../../src/shards/ownership-gate.js';
import { StoreError } from '../../src/store/port.js';
import { ACCOUNT, OTHER, RECIPIENT, T0 } from '../support/machine-fixtures.js';
import { TestStore } from '../support/test-store.js';
import { ALL, SHARD_COUNT, TTL, call, shardHarness, shardOfR, sharedWorld } from '../support/shard-harness.js';
import { deferred, waitFor } from '../support/wait.js';

/** A clock whose now() can jump ahead without firing timers: a process resumed after SIGSTOP. */
class FreezableClock extends ManualClock {
  jump = 0;
  override now(): number {
    return super.now() + this.jump;
  }
}

/** Test helpers of TestStore that are not store operations (a partition does not stop them). */
const HELPERS = new Set<string | symbol>(['addAccount', 'addUser', 'steal', 'failNext', 'constructor']);

/**
 * One node's view of a shared store that this node alone can lose (a network partition between it
 * and MongoDB): while `cut`, every store operation through `view` fails as unavailable; the other
 * nodes keep using the store itself.
 */
function partitionable(store: TestStore): { view: TestStore; cut: boolean } {
  const ctl = { cut: false, view: store };
  // what this view's user overrides (the harness wraps a method) stays on this view
  const own = new Map<string | symbol, unknown>();
  ctl.view = new Proxy(store, {
    set(_target, prop, value) {
      own.set(prop, value);
      return true;
    },
    get(target, prop) {
      const value: unknown = own.has(prop) ? own.get(prop) : Reflect.get(target, prop, target);
      if (typeof value !== 'function' || HELPERS.has(prop)) return value;
      return (...args: unknown[]) =>
        ctl.cut
          ? Promise.reject(new StoreError('unavailable', 'mongodb store unavailable: no reachable server within 2000 ms'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return ctl;
}

/** Lets the promises started by timers settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}


describe('shards: cluster membership', () => {  it('registers the node with its shards; a joining node gets its share at once; nobody is logged out', async () => {
    const w = sharedWorld();
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    assert.deepEqual(a.manager.ownedShards(), ALL);
    assert.deepEqual(w.store.nodes.get('node-a')?.info['shards'], ALL);
    for (const r of [RECIPIENT, OTHER]) assert.equal((await call(w.bus, r, { type: 'login' })).ok, true);
    assert.equal((await call(w.bus, RECIPIENT, { type: 'set_status', status: 'ready' })).ok, true);

    const b = shardHarness({ ...w, node: 'node-b' });
    await b.manager.start();
    // node-a hears node_joined, hands two shards over, node-b hears shards_released and takes them: no clock moved
    await waitFor(() => b.manager.ownedShards().length === 2 && a.manager.ownedShards().length === 2, 'a 2/2 split', 5_000);
    assert.deepEqual([...a.manager.ownedShards(), ...b.manager.ownedShards()].sort(), ALL);
    for (const s of ALL) assert.ok(w.store.leases.get(s)!.owner === (b.manager.ownedShards().includes(s) ? 'node-b' : 'node-a'));
    const status = await call(w.bus, RECIPIENT, { type: 'get_status' });
    assert.equal(status.ok && (status.data as { availability_state: string }).availability_state, 'Ready');
    assert.equal(status.node, b.manager.ownedShards().includes(shardOfR(RECIPIENT)) ? 'node-b' : 'node-a');
    const other = await call(w.bus, OTHER, { type: 'get_status' });
    assert.equal(other.ok && (other.data as { availability_state: string }).availability_state, 'Away');

    // node-a leaves: node-b takes everything at once (no TTL, no clock moved)
    await a.manager.stop();
    assert.equal(w.store.nodes.has('node-a'), false);
    await waitFor(() => b.manager.ownedShards().length === SHARD_COUNT, 'node-b to take every shard', 5_000);
    const after = await call(w.bus, RECIPIENT, { type: 'get_status' });
    assert.equal(after.node, 'node-b');
    assert.equal(after.ok && (after.data as { availability_state: string }).availability_state, 'Ready');
    await b.manager.stop();
    assert.deepEqual(w.clock.pendingTimers(), [], 'no timers left behind');
  });

  it('zombie: resumed after a freeze past the safe lease time, it executes nothing and writes nothing; the command goes to the owner', async () => {
    const store = new TestStore();
    store.addAccount({ id: ACCOUNT });
    store.addUser(ACCOUNT, RECIPIENT);
    const bus = createMemoryBus();
    const clock = new FreezableClock(T0);
    const a = shardHarness({ store, bus, clock, node: 'node-a' });
    await a.manager.start();
    assert.equal((await call(bus, RECIPIENT, { type: 'login' })).ok, true);
    const writes = store.writes.length;
    const shard = shardOfR(RECIPIENT);
    // The process was stopped: time went on, none of its timers ran (no watchdog, no renew).
    clock.jump = Math.ceil(TTL * LEASE_SAFETY);
    const pending = call(bus, RECIPIENT, { type: 'set_status', status: 'ready' });
    await waitFor(() => !a.manager.ownedShards().includes(shard), 'the shard to be given up');
    assert.equal(a.gate.fenceOf(shard), null);
    // Meanwhile the lease expired and another node took the shard: it gets the command.
    const seen: string[] = [];
    const c = await bus.serve({ name: shardQueue(shard) }, async (msg) => {
      seen.push((msg.body as { type: string }).type);
      return { ok: true, data: 'done by the new owner', node: 'node-b' };
    }, { prefetch: 1, exclusive: true });
    assert.equal((await pending).node, 'node-b');
    assert.deepEqual(seen, ['set_status']);
    assert.equal(store.writes.length, writes, 'the zombie wrote nothing');
    assert.equal(store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Away');
    await c.cancel();
    clock.jump = 0;
    await a.manager.stop();
  });

  it('only this node lost the store (partition): suspended, then given up AT ONCE when the node that took the expired lease announces its epoch', async () => {
    const w = sharedWorld();
    const link = partitionable(w.store);
    const a = shardHarness({ store: link.view, bus: w.bus, clock: w.clock, node: 'node-a' });
    await a.manager.start();
    assert.equal((await call(w.bus, RECIPIENT, { type: 'login' })).ok, true);
    assert.equal((await call(w.bus, RECIPIENT, { type: 'set_status', status: 'ready' })).ok, true);
    const writesBefore = w.store.writes.length;

    link.cut = true;
    for (let t = 0; t < Math.floor(TTL * LEASE_SAFETY); t += 100) {
      w.clock.advance(100);
      await settle();
    }
    await waitFor(() => a.manager.suspendedShards().length === SHARD_COUNT, 'node-a suspended (it cannot renew)');
    const during = await call(w.bus, RECIPIENT, { type: 'get_status' });
    assert.match(!during.ok ? during.error.message : '', /suspended on node-a: its lease cannot be renewed \(mongodb store unavailable: no reachable server/);

    // node-b reaches the store. Until node-a's leases expire it takes nothing: they are valid.
    const b = shardHarness({ store: w.store, bus: w.bus, clock: w.clock, node: 'node-b' });
    await b.manager.start();
    assert.deepEqual(b.manager.heldShards(), []);
    // Past the TTL (node-a's heartbeat is as old): node-b takes every lease, under new epochs, and
    // says so; node-a gives them up on the announcement, although its store still does not answer.
    const expiresAt = Math.max(...ALL.map((sh) => w.store.leases.get(sh)!.expires_at));
    await waitFor(() => (w.clock.advance(10), b.manager.heldShards().length === SHARD_COUNT), 'node-b to take the expired leases');
    assert.ok(w.clock.now() > expiresAt, 'not before they expired');
    const expiredAt = expiresAt;
    await waitFor(() => a.manager.heldShards().length === 0, 'node-a to give its shards up on the announcement');
    const lost = a.logger.entries.filter((e) => e.msg?.startsWith('shard lost'));
    assert.equal(lost.length, SHARD_COUNT);
    assert.match(String((lost[0]!.obj as { reason?: unknown }).reason), /^node-b holds its lease under epoch 2 \(ours: 1\)$/);
    // node-b's consume, refused while node-a's exclusive consumer was there, goes through on its next retry
    await waitFor(() => (w.clock.advance(10), b.manager.ownedShards().length === SHARD_COUNT), 'node-b consuming');
    // bound: the balance interval (0.5 s) + the consume retry (0.25 s) after the expiry
    assert.ok(w.clock.now() - expiredAt <= 800, `node-b served ${w.clock.now() - expiredAt} ms after the leases expired`);
    const status = await call(w.bus, RECIPIENT, { type: 'get_status' });
    assert.equal(status.node, 'node-b');
    assert.equal(status.ok && (status.data as { availability_state: string }).availability_state, 'Ready', 'the state was kept');
    assert.ok(w.store.writes.slice(writesBefore).every((x) => x.fence.node === 'node-b'), 'node-a wrote nothing after the cut');
    link.cut = false;
    await a.manager.stop();
    await b.manager.stop();
  });

  it('only this node lost the store: it gives each shard up as soon as the taker has claimed it, before the taker\'s balance round is over', async () => {
    const w = sharedWorld();
    const link = partitionable(w.store);
    const a = shardHarness({ store: link.view, bus: w.bus, clock: w.clock, node: 'node-a' });
    await a.manager.start();
    link.cut = true;
    for (let t = 0; t < TTL + 200; t += 100) {
      w.clock.advance(100);
      await settle();
    }
    assert.equal(a.manager.suspendedShards().length, SHARD_COUNT, 'node-a suspended, its leases expired');
    // node-b's takes stop after the claim (loading the recipients waits): its round, and its shards_taken, are not over
    const loading = deferred();
    w.store.gates.set('listRecipientsByShard', loading.promise);
    const b = shardHarness({ store: w.store, bus: w.bus, clock: w.clock, node: 'node-b' });
    const starting = b.manager.start();
    await waitFor(() => a.manager.heldShards().length === 0, 'node-a to give up every shard node-b has claimed');
    const lost = a.logger.entries.filter((e) => e.msg?.startsWith('shard lost'));
    assert.equal(lost.length, SHARD_COUNT);
    for (const l of lost) assert.match(String((l.obj as { reason?: unknown }).reason), /^node-b holds its lease under epoch 2 \(ours: 1\)$/);
    assert.deepEqual(b.manager.ownedShards(), [], 'node-b is still loading them');
    w.store.gates.delete('listRecipientsByShard');
    loading.resolve();
    await starting;
    await waitFor(() => b.manager.ownedShards().length === SHARD_COUNT, 'node-b consuming');
    link.cut = false;
    await a.manager.stop();
    await b.manager.stop();
  });

  it('back from a store outage of everyone: a node leaves the owners a TTL to renew before taking their expired leases; nothing moves', async () => {
    const w = sharedWorld();
    const aLink = partitionable(w.store);
    const a = shardHarness({ ...w, store: aLink.view, node: 'node-a' });
    await a.manager.start();
    const b = shardHarness({ ...w, node: 'node-b' });
    await b.manager.start();
    await waitFor(() => a.manager.ownedShards().length === 2 && b.manager.ownedShards().length === 2, 'a 2/2 split', 5_000);
    const before = ALL.map((s) => ({ ...w.store.leases.get(s)! }));

    w.store.down = true;
    for (let t = 0; t < 2 * TTL; t += 100) {
      w.clock.advance(100);
      await settle();
    }
    assert.equal(a.manager.suspendedShards().length + b.manager.suspendedShards().length, SHARD_COUNT, 'every shard suspended');
    // every lease has expired by now, every heartbeat is stale: without the grace, whichever
    // node's balance round ran first would take the other's shards
    w.store.down = false;
    // node-b's balance round runs first, before node-a could renew (node-a gets the store back a
    // moment later: else node-b's announcement of its renewed leases would make it renew at once)
    aLink.cut = true;
    await b.manager.tick();
    assert.equal(a.manager.suspendedShards().length, 2, 'node-a has not renewed yet');
    aLink.cut = false;
    for (let t = 0; t < TTL; t += 50) {
      w.clock.advance(50);
      await settle();
    }
    assert.deepEqual(a.manager.suspendedShards(), []);
    assert.deepEqual(b.manager.suspendedShards(), []);
    assert.deepEqual(ALL.map((s) => ({ owner: w.store.leases.get(s)!.owner, epoch: w.store.leases.get(s)!.epoch })), before.map((l) => ({ owner: l.owner, epoch: l.epoch })));
    for (const h of [a, b]) assert.equal(h.logger.entries.filter((e) => e.msg?.startsWith('shard lost')).length, 0, `${h.node} lost nothing`);
    await a.manager.stop();
    await b.manager.stop();
  });

  it('a suspended node renews at once when a peer announces the leases it just renewed through the store (an I/O fault sends no signal of its end)', async () => {
    const w = sharedWorld();
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    const b = shardHarness({ ...w, node: 'node-b' });
    await b.manager.start();
    await waitFor(() => a.manager.ownedShards().length === 2 && b.manager.ownedShards().length === 2, 'a 2/2 split', 5_000);
    w.store.down = true;
    for (let t = 0; t < TTL; t += 100) {
      w.clock.advance(100);
      await settle();
    }
    assert.equal(a.manager.suspendedShards().length + b.manager.suspendedShards().length, SHARD_COUNT, 'every shard suspended');
    w.store.down = false;
    const back = w.clock.now();
    // node-b's round (its timer, here by hand) renews and announces shards_held; node-a's own retry is up to SUSPENDED_RENEW_MS away
    await b.manager.tick();
    assert.deepEqual(b.manager.suspendedShards(), []);
    await waitFor(() => a.manager.suspendedShards().length === 0, 'node-a resumed on the announcement');
    assert.equal(w.clock.now(), back, 'without its retry timer');
    await a.manager.stop();
    await b.manager.stop();
  });

  it('a consume refused by a previous owner still consuming: the lease is kept and the consume retried', async () => {
    const w = sharedWorld();
    const holder = await w.bus.serve({ name: shardQueue(2) }, async () => ({ ok: true, data: null, node: 'old' }), { prefetch: 1, exclusive: true });
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    assert.deepEqual(a.manager.ownedShards(), [0, 1, 3]);
    assert.equal(w.store.leases.get(2)?.owner, 'node-a', 'the lease is held while waiting');
    await holder.cancel();
    w.clock.advance(300);
    await waitFor(() => a.manager.ownedShards().includes(2), 'the retried consume', 5_000);
    await a.manager.stop();
  });

  it('a shard over the fair share is handed over gracefully: in-flight work first, then the lease is released', async () => {
    const w = sharedWorld();
    const a = shardHarness({ ...w, node: 'node-a' });
    await a.manager.start();
    assert.equal((await call(w.bus, RECIPIENT, { type: 'login' })).ok, true);
    // a second live node in the registry (not running): node-a's share drops to 2
    await w.store.heartbeatNode('node-z', {}, w.clock.now());
    await a.manager.tick();
    assert.equal(a.manager.ownedShards().length, 2);
    const released = ALL.filter((s) => !a.manager.ownedShards().includes(s));
    for (const s of released) assert.equal(w.store.leases.get(s)?.owner, null, `shard ${s} released, not left to expire`);
    assert.equal(w.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Away', 'still logged in');
    await a.manager.stop();
  });});
