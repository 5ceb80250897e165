/**
 * The lease book (shards/lease-book.ts), driven through a node's shard manager on the memory bus:
 * take (lease, claim, leftovers, load, then consume), keep (renew, suspend, resume), lose.
 */
import assert from 'node:assert/strict';
import { EVENTS_EXCHANGE, shardQueue, type RecipientEvent } from '@qubicle/contracts';
import { createMemoryBus, isTransportError } from '@qubicle/transport';
import { SUSPENDED_RENEW_MS } from '../../src/shards/lease-book.js';
import { LEASE_SAFETY } from '../../src/shards/ownership-gate.js';
import { Session, ACCOUNT, NODE, OTHER, RECIPIENT, T0, cmd, events } from '../support/machine-fixtures.js';
import { TestStore } from '../support/test-store.js';
import { ALL, SHARD_COUNT, TTL, call, ok, persisted, shardHarness, shardOfR } from '../support/shard-harness.js';
import { deferred, waitFor, within } from '../support/wait.js';

describe('shards: lease book', () => {
  it('takes every free shard: lease, claim, load, THEN consume (exclusively)', async () => {
    const t = shardHarness();
    await t.manager.start();
    assert.deepEqual(t.manager.ownedShards(), ALL);
    for (const s of ALL) {
      const lease = t.store.leases.get(s);
      assert.equal(lease?.owner, NODE);
      assert.deepEqual(t.gate.fenceOf(s), { shard: s, epoch: lease!.epoch, node: NODE });
      assert.ok(t.order.indexOf(`load ${s}`) < t.order.indexOf(`serve ${shardQueue(s)}`), `shard ${s}: load before serve`);
    }
    assert.ok(t.store.calls.filter((c) => c === 'claimShard').length === SHARD_COUNT);
    await assert.rejects(t.bus.serve({ name: shardQueue(0) }, async () => null, { prefetch: 1 }), (e) => isTransportError(e, 'refused'));
    // and commands work end to end
    const reply = await call(t.bus, RECIPIENT, { type: 'login' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.equal(reply.node, NODE);
    await t.manager.stop();
  });

  it('loads the recipients of each shard and re-arms their timers; a passed deadline is applied at once', async () => {
    const store = new TestStore();
    store.addAccount({ id: ACCOUNT });
    store.addUser(ACCOUNT, RECIPIENT);
    store.addUser(ACCOUNT, OTHER);
    // RECIPIENT: Call-Offer whose deadline passed while nobody owned the shard; OTHER: in wrap-up until later.
    const a = new Session().login().ready().offered('call-1', { timeout: 20 });
    const b = new Session();
    b.ctx = { ...b.ctx };
    b.apply(cmd({ type: 'login' }, { recipient_id: OTHER }));
    b.apply(cmd({ type: 'set_status', status: 'ready' }, { recipient_id: OTHER }));
    b.apply(cmd({ type: 'offer', call: { queue_id: 'c0000000000000000000000000000001', session_id: 'call-2', caller_id_name: '', caller_id_number: '', queue_enter_time: 0 }, offer_timeout_seconds: 20, wrapup_seconds: 600 }, { recipient_id: OTHER }));
    b.apply(cmd({ type: 'answer', session_id: 'call-2' }, { recipient_id: OTHER }));
    b.apply(cmd({ type: 'hangup', session_id: 'call-2' }, { recipient_id: OTHER }));
    persisted(store, a.s);
    persisted(store, b.s);
    const t = shardHarness({ store });
    t.clock.advance(60_000);
    await t.manager.start();
    const ra = t.registry.peek(ACCOUNT, RECIPIENT)!;
    const rb = t.registry.peek(ACCOUNT, OTHER)!;
    await waitFor(() => ra.state?.availability_state === 'Ready', 'the late offer timeout');
    await ra.idle();
    assert.equal(ra.state?.stats.missed_calls, 1);
    const written = store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)!;
    assert.equal(written.state.availability_state, 'Ready');
    assert.equal(written.epoch, t.gate.fenceOf(shardOfR(RECIPIENT))!.epoch, 'written under the new lease');
    assert.equal(rb.state?.availability_state, 'Wrapup-Time');
    assert.ok(t.clock.pendingTimers().includes(b.s.wrapup_deadline!), 'the wrap-up timer is armed again');
    await t.manager.stop();
  });

  it('a taken shard\'s leftover outbox is published first: before its overdue timers\' events and before its queue is consumed', async () => {
    const store = new TestStore();
    store.addAccount({ id: ACCOUNT });
    store.addUser(ACCOUNT, RECIPIENT);
    // the old owner persisted ready + offer but died before publishing them; the offer's deadline passed since
    const a = new Session().login().ready().offered('call-1', { timeout: 20 });
    persisted(store, a.s);
    const shard = shardOfR(RECIPIENT);
    for (const r of a.all.slice(1)) for (const event of events(r)) store.outbox.push({ shard, event });
    const bus = createMemoryBus();
    const seen: RecipientEvent[] = [];
    await bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['#'] }, async (m) => void seen.push(m.body as RecipientEvent));
    const t = shardHarness({ store, bus });
    t.clock.advance(60_000);
    await t.manager.start();
    assert.ok(t.order.indexOf(`publish leftovers ${shard}: 2`) >= 0, JSON.stringify(t.order));
    assert.ok(t.order.indexOf(`publish leftovers ${shard}: 2`) < t.order.indexOf(`load ${shard}`), 'handed to the relay before any actor exists');
    assert.ok(t.order.indexOf(`load ${shard}`) < t.order.indexOf(`serve ${shardQueue(shard)}`));
    await waitFor(() => seen.length === 4, 'leftovers + the late miss and ready');
    assert.deepEqual(seen.map((e) => e.event), ['ready', 'offer', 'miss', 'ready']);
    assert.deepEqual(seen.map((e) => e.seq - a.s.seq), [-1, 0, 1, 2], 'one gap-free sequence');
    await waitFor(() => store.outbox.length === 0, 'the outbox emptied');
    await t.manager.stop();
  });

  it('a lost shard\'s unconfirmed events are left to the new owner (dropped from this node\'s relay)', async () => {
    const t = shardHarness();
    await t.manager.start();
    ok(await call(t.bus, RECIPIENT, { type: 'login' }));
    const shard = shardOfR(RECIPIENT);
    await t.relay.drain(shard, 1_000);
    t.bus.publish = () => Promise.reject(new Error('broker gone'));
    const replies = call(t.bus, RECIPIENT, { type: 'set_status', status: 'ready' });
    void replies.catch(() => undefined);
    await waitFor(() => t.relay.pending(shard) === 1, 'pending');
    await t.manager.lose(shard, 'test');
    assert.equal(t.relay.pending(shard), 0);
    assert.equal(t.store.outbox.filter((o) => o.shard === shard).length, 1, 'still in the store for the next owner');
  });

  it('does not serve shards another node holds; takes them on a later tick once their lease expired', async () => {
    const t = shardHarness();
    t.store.steal(1, 'other-node', T0);
    t.store.leases.get(1)!.expires_at = T0 + 5_000;
    await t.manager.start();
    assert.deepEqual(t.manager.ownedShards(), [0, 2, 3]);
    assert.equal(t.gate.serves(1), false);
    assert.equal(t.gate.fenceOf(1), null);
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    assert.deepEqual(t.manager.ownedShards(), [0, 2, 3], 'still valid at T0+3s');
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    assert.deepEqual(t.manager.ownedShards(), ALL);
    assert.equal(t.store.leases.get(1)?.epoch, 2, 'a new epoch for the new owner');
    await t.manager.stop();
  });

  it('renews leases every TTL/3', async () => {
    const t = shardHarness();
    await t.manager.start();
    const before = t.store.leases.get(0)!.expires_at;
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    assert.equal(t.store.leases.get(0)!.expires_at, before + Math.floor(TTL / 3));
    assert.equal(t.store.calls.filter((c) => c === 'renewLease').length, SHARD_COUNT);
    await t.manager.stop();
  });

  it('a refused renew loses the shard: consumer cancelled, actors dropped, no writes', async () => {
    const t = shardHarness();
    await t.manager.start();
    const shard = shardOfR(RECIPIENT);
    assert.equal((await call(t.bus, RECIPIENT, { type: 'login' })).ok, true);
    const writes = t.store.writes.length;
    t.store.steal(shard, 'other-node', t.clock.now());
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    await waitFor(() => !t.manager.ownedShards().includes(shard), 'the shard to be lost');
    assert.equal(t.registry.peek(ACCOUNT, RECIPIENT), undefined);
    assert.equal(t.store.writes.length, writes);
    // the queue is free for its new owner
    const c = await t.bus.serve({ name: shardQueue(shard) }, async () => null, { prefetch: 1, exclusive: true });
    await c.cancel();
    await t.manager.stop();
  });

  it('a store that cannot be reached: at TTL×0.8 every shard is SUSPENDED, not lost: 503 naming the store at once, the queues kept; served again when a renewal succeeds, same epochs', async () => {
    const t = shardHarness();
    await t.manager.start();
    assert.equal((await call(t.bus, RECIPIENT, { type: 'login' })).ok, true);
    const epochs = ALL.map((s) => t.store.leases.get(s)!.epoch);
    t.store.down = true;
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    t.clock.advance(Math.floor(TTL / 3));
    await t.manager.tick();
    assert.deepEqual(t.manager.suspendedShards(), [], 'still within the safety margin');
    t.clock.advanceTo(T0 + Math.floor(TTL * LEASE_SAFETY));
    await waitFor(() => t.manager.suspendedShards().length === SHARD_COUNT, 'every shard suspended');
    assert.ok(t.clock.now() < T0 + TTL, 'before the lease could expire');
    assert.deepEqual(t.manager.ownedShards(), ALL, 'still consumed');
    assert.equal(t.logger.entries.filter((e) => e.msg?.startsWith('shard lost')).length, 0, 'no shard given up');
    assert.equal(t.logger.entries.filter((e) => e.msg?.startsWith('shard suspended')).length, SHARD_COUNT);

    // Every command, reads included (no stale answer from memory), is answered at once without the store.
    const calls = t.store.calls.length;
    for (const body of [{ type: 'set_status', status: 'ready' }, { type: 'get_status' }]) {
      const reply = await call(t.bus, RECIPIENT, body);
      assert.equal(!reply.ok && reply.error.code, 'unavailable', JSON.stringify(reply));
      assert.equal(!reply.ok && reply.error.message, `shard ${shardOfR(RECIPIENT)} is suspended on ${NODE}: its lease cannot be renewed (store is down); retry`);
    }
    assert.equal(t.store.calls.length, calls, 'answered without asking the store');
    // the queues are still ours: the broker keeps a second consumer off them
    await assert.rejects(t.bus.serve({ name: shardQueue(0) }, async () => null, { prefetch: 1, exclusive: true }), (e) => isTransportError(e, 'refused'));

    // renewals are retried every 0.5 s (not TTL/3)
    const renews = () => t.store.calls.filter((c) => c === 'renewLease').length;
    const before = renews();
    const from = t.clock.now();
    await waitFor(() => (t.clock.advance(10), renews() >= before + SHARD_COUNT), 'another renewal round');
    assert.ok(t.clock.now() - from <= SUSPENDED_RENEW_MS + 10, `next round after ${t.clock.now() - from} ms`);

    // the store is back: resumed under the same epochs, the state kept, commands applied again
    t.store.down = false;
    const back = t.clock.now();
    // (time moves in small steps: a renewal round in flight schedules the next one when it ends)
    await waitFor(() => (t.clock.advance(10), t.manager.suspendedShards().length === 0), 'every shard resumed');
    assert.ok(t.clock.now() - back <= 2 * SUSPENDED_RENEW_MS, `resumed ${t.clock.now() - back} ms after the store came back`);
    assert.deepEqual(ALL.map((s) => t.store.leases.get(s)!.epoch), epochs, 'same epochs: nobody held them meanwhile');
    assert.deepEqual(ALL.map((s) => t.store.leases.get(s)!.owner), ALL.map(() => NODE));
    const after = await call(t.bus, RECIPIENT, { type: 'set_status', status: 'ready' });
    assert.equal(after.ok, true, JSON.stringify(after));
    assert.equal(t.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Ready');
    assert.equal(t.logger.entries.filter((e) => e.msg?.startsWith('shard resumed')).length, SHARD_COUNT);
    // an outage is logged at warn once, not on every round
    assert.equal(t.logger.entries.filter((e) => e.level === 'warn' && e.msg === 'lease renew failed').length, 1);
    assert.equal(t.logger.entries.filter((e) => e.level === 'warn' && e.msg === 'node heartbeat failed').length, 1);
    await t.manager.stop();
  });

  it('a renewal still waiting for the store at TTL×0.8 suspends too; one answered too late keeps it suspended, and the next is sent at once', async () => {
    const t = shardHarness();
    await t.manager.start();
    const gate = deferred();
    t.store.gates.set('renewLease', gate.promise);
    t.clock.advance(Math.floor(TTL / 3)); // the round starts and waits on the store
    const startedAt = t.clock.now();
    t.clock.advanceTo(T0 + Math.floor(TTL * LEASE_SAFETY));
    await waitFor(() => t.manager.suspendedShards().length === SHARD_COUNT, 'suspended while the renewal waits');
    assert.match(t.gate.suspension(0)!, /a lease renewal is still waiting for the memory store/);
    // it answers, but so late that the lease it set runs out (by this node's clock) already; the
    // next renewal (held at a second gate) goes out right away, not at the next retry
    t.clock.advanceTo(startedAt + Math.floor(TTL * LEASE_SAFETY));
    const renews = () => t.store.calls.filter((c) => c === 'renewLease').length;
    const before = renews();
    const next = deferred();
    t.store.gates.set('renewLease', next.promise);
    gate.resolve();
    await waitFor(() => /the memory store answered the lease renewal too late/.test(t.gate.suspension(0) ?? ''), 'the late answer');
    assert.deepEqual(t.manager.suspendedShards(), ALL, 'a late renewal does not resume the shard');
    const lateAt = t.clock.now();
    await waitFor(() => renews() >= before + SHARD_COUNT, 'the next renewal round, without the clock moving');
    assert.equal(t.clock.now(), lateAt);
    t.store.gates.delete('renewLease');
    next.resolve();
    await waitFor(() => t.manager.suspendedShards().length === 0, 'resumed by the timely renewal');
    assert.equal(t.clock.now(), lateAt, 'at once');
    assert.deepEqual(t.manager.ownedShards(), ALL);
    const lease = t.store.leases.get(0)!;
    assert.equal(lease.expires_at, lateAt + TTL, 'the lease runs from the timely renewal');
    await t.manager.stop();
  });

  it('suspended shards renew at once when the store says it answers again (SQLite: the lock released), not at the next retry', async () => {
    const t = shardHarness();
    const listeners = new Set<() => void>();
    t.store.onAvailable = (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    await t.manager.start();
    assert.equal(listeners.size, 1, 'the manager listens');
    t.store.down = true;
    t.clock.advanceTo(T0 + Math.floor(TTL * LEASE_SAFETY));
    await waitFor(() => t.manager.suspendedShards().length === SHARD_COUNT, 'every shard suspended');
    // let the round in flight end: the next one is SUSPENDED_RENEW_MS away
    await waitFor(() => t.gate.suspension(0)?.includes('store is down') === true, 'a failed renewal');
    t.store.down = false;
    const back = t.clock.now();
    for (const l of listeners) l();
    await waitFor(() => t.manager.suspendedShards().length === 0, 'resumed on the signal');
    assert.equal(t.clock.now(), back, 'without waiting for the retry');
    assert.deepEqual(ALL.map((s) => t.store.leases.get(s)!.expires_at), ALL.map(() => back + TTL));
    await t.manager.stop();
    assert.equal(listeners.size, 0, 'unsubscribed on stop');
  });

  it('a fenced write from an actor loses the shard; the command goes back to the queue for the new owner', async () => {
    const t = shardHarness();
    await t.manager.start();
    const shard = shardOfR(RECIPIENT);
    assert.equal((await call(t.bus, RECIPIENT, { type: 'login' })).ok, true);
    t.store.steal(shard, 'other-node', t.clock.now());
    const pending = call(t.bus, RECIPIENT, { type: 'set_status', status: 'ready' });
    await waitFor(() => !t.manager.ownedShards().includes(shard), 'the fenced shard to be lost');
    assert.equal(t.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Away', 'nothing written');
    // the new owner (here: a bare consumer) gets the command, unanswered by the old one
    const seen: unknown[] = [];
    const c = await t.bus.serve({ name: shardQueue(shard) }, async (msg) => {
      seen.push(msg.body);
      return { ok: true, data: 'new owner', node: 'other-node' };
    }, { prefetch: 1, exclusive: true });
    const reply = await pending;
    assert.equal(reply.node, 'other-node');
    assert.equal((seen[0] as { type: string }).type, 'set_status');
    await c.cancel();
    await t.manager.stop();
  });
});
