import assert from 'node:assert/strict';
import {
  DEAD_LETTER_EXCHANGE,
  DIRECTORY_QUEUE,
  EVENTS_EXCHANGE,
  shardOf,
  shardQueue,
  type RecipientEvent,
  type RpcReply,
} from '@qubicle/contracts';
import { createMemoryBus, type MemoryBus } from '@qubicle/transport';
import { ManualClock } from '../src/clock.js';
import { loadWorkerConfig } from '../src/config.js';
import { ShardCountMismatchError } from '../src/shards/shard-count.js';
import { createStore } from '../src/store/index.js';
import { createWorker } from '../src/worker.js';
import { captureLogger } from './support/logger.js';
import { ACCOUNT, OTHER, RECIPIENT, T0 } from './support/machine-fixtures.js';
import { TestStore } from './support/test-store.js';
import { waitFor } from './support/wait.js';

const SHARDS = 4;

function setup(store = new TestStore(), bus: MemoryBus = createMemoryBus()) {
  if (!store.accounts.has(ACCOUNT)) {
    store.addAccount({ id: ACCOUNT, features: { pro: true } });
    store.addUser(ACCOUNT, RECIPIENT, { qubicle: { enabled: true, permissions: { monitor: true } } });
    store.addUser(ACCOUNT, OTHER);
  }
  const config = loadWorkerConfig({ NODE_NAME: 'worker-test', SHARD_COUNT: String(SHARDS), LEASE_TTL_MS: '9000' });
  const clock = new ManualClock(T0);
  const logger = captureLogger();
  const worker = createWorker({ bus, store, config, logger, clock });
  let n = 0;
  const send = (recipient: string, body: Record<string, unknown>) =>
    bus.call(
      shardQueue(shardOf(ACCOUNT, recipient, SHARDS)),
      { command_id: `wt-${String(++n).padStart(8, '0')}`, account_id: ACCOUNT, recipient_id: recipient, shard_count: SHARDS, ...body },
      { timeoutMs: 2_000 },
    ) as Promise<RpcReply<unknown>>;
  return { store, bus, worker, clock, logger, send };
}

describe('worker', () => {
  it('start: shard count recorded, exchanges declared, node registered, every shard and the directory served', async () => {
    const t = setup();
    const events: RecipientEvent[] = [];
    await t.worker.start();
    await t.bus.subscribe({ exchange: EVENTS_EXCHANGE, bindingKeys: ['qubicle.recipient.#'] }, async (m) => void events.push(m.body as RecipientEvent));
    assert.equal(t.store.meta.get('shard_count'), SHARDS);
    assert.ok(t.store.nodes.has('worker-test'));
    assert.deepEqual(t.worker.ownedShards(), [0, 1, 2, 3]);
    assert.equal(t.worker.node, 'worker-test');
    // the dead-letter exchange exists and is bound to its queue (publishing to it works)
    await t.bus.publish(DEAD_LETTER_EXCHANGE, 'x', { any: 1 });
    const info = (await t.bus.call(DIRECTORY_QUEUE, { type: 'cluster_info' }, { timeoutMs: 2_000 })) as RpcReply<{ shard_count: number }>;
    assert.equal(info.ok, true, JSON.stringify(info));

    const login = await t.send(RECIPIENT, { type: 'login' });
    assert.equal(login.ok, true, JSON.stringify(login));
    assert.equal(login.node, 'worker-test');
    await waitFor(() => events.some((e) => e.event === 'create' && e.recipient_id === RECIPIENT), 'the create event');
    await t.worker.stop();
  });

  it('refuses to start with another shard count than the cluster recorded', async () => {
    const store = new TestStore();
    store.meta.set('shard_count', 64);
    const t = setup(store);
    await assert.rejects(t.worker.start(), ShardCountMismatchError);
    assert.deepEqual(t.worker.ownedShards(), []);
  });

  it('a monitored recipient logging out stops the monitor (through the logout event)', async () => {
    const t = setup();
    await t.worker.start();
    assert.equal((await t.send(RECIPIENT, { type: 'login' })).ok, true);
    assert.equal((await t.send(OTHER, { type: 'login' })).ok, true);
    const mon = await t.send(RECIPIENT, { type: 'monitor', target_id: OTHER, mode: 'eavesdrop' });
    assert.equal(mon.ok, true, JSON.stringify(mon));
    assert.equal((await t.send(OTHER, { type: 'logout' })).ok, true);
    await waitFor(() => t.worker.registry.peek(ACCOUNT, RECIPIENT)?.state?.wiretapping_recipient === null, 'the wiretap to stop');
    await t.worker.stop();
  });

  it('stop: leases released, node unregistered, the bus and store left open', async () => {
    const t = setup();
    await t.worker.start();
    assert.equal((await t.send(RECIPIENT, { type: 'login' })).ok, true);
    await t.worker.stop();
    for (const lease of t.store.leases.values()) assert.equal(lease.owner, null);
    assert.equal(t.store.nodes.has('worker-test'), false);
    assert.equal(t.store.calls.includes('close'), false);
    assert.equal(t.bus.isConnected(), true);
    assert.deepEqual(t.clock.pendingTimers(), []);
    // the recipient stays logged in (durable) for the next owner
    assert.equal(t.store.recipients.get(`${ACCOUNT}/${RECIPIENT}`)?.state.availability_state, 'Away');
  });

  it('with the SQLite store: a recipient stays logged in across a handover to another node', async () => {
    const store = createStore({ sqlitePath: ':memory:' });
    await store.init();
    await store.createAccount({ id: ACCOUNT, name: 'sqlite-acct', api_key: 'f'.repeat(64), features: { pro: false }, qubicle: { missed_call_threshold: 0 }, created: 0, modified: 0 });
    await store.createUser(
      { id: RECIPIENT, account_id: ACCOUNT, first_name: 'A', last_name: 'B', username: 'ab', priv_level: 'user', enabled: true, qubicle: { enabled: true, permissions: { monitor: false } } },
      null,
    );
    const bus = createMemoryBus();
    const clock = new ManualClock(T0);
    const config = loadWorkerConfig({ NODE_NAME: 'sqlite-a', SHARD_COUNT: String(SHARDS) });
    const call = (body: Record<string, unknown>, id: string) =>
      bus.call(shardQueue(shardOf(ACCOUNT, RECIPIENT, SHARDS)), { command_id: id, account_id: ACCOUNT, recipient_id: RECIPIENT, shard_count: SHARDS, ...body }, { timeoutMs: 2_000 }) as Promise<RpcReply<unknown>>;
    const a = createWorker({ bus, store, config, logger: captureLogger(), clock });
    await a.start();
    assert.equal((await call({ type: 'login' }, 'sqlite-0001')).ok, true);
    const ready = await call({ type: 'set_status', status: 'ready' }, 'sqlite-0002');
    assert.equal(ready.ok, true);
    await a.stop();
    const b = createWorker({ bus, store, config: { ...config, nodeName: 'sqlite-b' }, logger: captureLogger(), clock });
    await b.start();
    const status = await call({ type: 'get_status' }, 'sqlite-0003');
    assert.equal(status.ok && (status.data as { availability_state: string }).availability_state, 'Ready');
    assert.equal(status.node, 'sqlite-b');
    const again = await call({ type: 'set_status', status: 'ready' }, 'sqlite-0002');
    // answered by the new owner from the current state (same seq: nothing re-applied)
    assert.ok(ready.ok);
    assert.deepEqual(again, { ...ready, node: 'sqlite-b', data: { ...(ready.data as object), node: 'sqlite-b' } }, 'a command redelivered to the new owner is answered, not re-applied');
    await b.stop();
    await bus.close();
    await store.close();
  });
});
