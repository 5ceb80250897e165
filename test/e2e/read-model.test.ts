/**
 * The gateway's status read model against the real system (RabbitMQ, a worker, SQLite): reads
 * served from it, read-your-writes through the gateway, writes made elsewhere converging through
 * the events, and convergence after the shards change owner — including a change the previous
 * owner persisted but never published (the crash window), which only the owner-change invalidation
 * can reveal. A second gateway is built here so that its read model can be inspected.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { shardOf, type RecipientStatus } from '@qubicle/contracts';
import { RecipientBusClient } from '@qubicle/client';
import { createAmqpBus, type AmqpBus } from '@qubicle/transport';
import { createGateway, loadGatewayConfig, type Gateway, type ListeningGateway } from '@qubicle/api-gateway';
import { cloneState } from '../../services/recipient-worker/src/machine/draft.js';
import { startSystem, type System } from '../support/system.js';
import { until } from '../support/wait.js';

const SECRET = 'e2e-token-secret-0123456789abcdef0123456789';

describe('e2e: the gateway read model', function () {
  this.timeout(60_000);
  let sys: System;
  let gwBus: AmqpBus;
  let gateway: Gateway;
  let server: ListeningGateway;
  let client: RecipientBusClient;

  before(async () => {
    sys = await startSystem();
    gwBus = createAmqpBus({ url: sys.amqpUrl, name: 'e2e-read-model-gateway' });
    gateway = createGateway({ bus: gwBus, config: loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '3000' }), logger: pino({ level: 'silent' }) });
    server = await gateway.listen(0, '127.0.0.1');
    await gateway.ready();
    await until('the read model to be subscribed', () => gateway.readModel?.isActive === true);
    client = new RecipientBusClient({ caller: sys.serviceBus, shardCount: sys.shardCount, timeoutMs: 5_000, service: 'e2e' });
  });

  after(async () => {
    await server?.close();
    await gateway?.stop();
    await gwBus?.close();
    await sys?.stop();
  });

  const path = (id: string) => `/v2/accounts/${sys.accountId}/qubicle_recipients/${id}/status`;
  async function api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(server.url + p, {
      method,
      headers: { 'X-Auth-Token': sys.adminToken, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  }
  const state = async (id: string): Promise<RecipientStatus> => {
    const res = await api('GET', path(id));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as RecipientStatus;
  };

  it('reads your own writes on this gateway, the reads served by the model', async () => {
    const { id } = await sys.createUser({});
    assert.equal((await api('POST', path(id), { data: { status: 'login' } })).status, 200);
    const hitsBefore = gateway.readModel!.stats().hits;
    for (let i = 0; i < 10; i++) {
      const want = i % 2 === 0 ? 'ready' : 'away';
      assert.equal((await api('POST', path(id), { data: { status: want } })).status, 200);
      // at once, no waiting for the event: the write's reply went into the model before the answer
      assert.equal((await state(id)).availability_state, want === 'ready' ? 'Ready' : 'Away', `write ${i}`);
    }
    assert.ok(gateway.readModel!.stats().hits >= 10, JSON.stringify(gateway.readModel!.stats()));
    assert.ok(gateway.readModel!.stats().hits > hitsBefore);
  });

  it('a write made elsewhere (a queue service on the bus) shows through the event', async () => {
    const { id } = await sys.createUser({});
    await client.login(sys.accountId, id);
    assert.equal((await state(id)).availability_state, 'Away');
    await client.setStatus(sys.accountId, id, 'ready');
    await until('the event to reach the model', async () => (await state(id)).availability_state === 'Ready');
  });

  it('not logged in and unknown recipients are answered by the worker (Not-Logged-In / 404), never from the model', async () => {
    const { id } = await sys.createUser({});
    await client.login(sys.accountId, id);
    assert.equal((await state(id)).availability_state, 'Away');
    await client.logout(sys.accountId, id);
    await until('the logout to show', async () => (await state(id)).availability_state === 'Not-Logged-In');
    const unknown = await api('GET', path('f'.repeat(32)));
    assert.equal(unknown.status, 404);
  });

  it('a bulk read of entries past READ_MODEL_MAX_AGE_MS goes to the workers once, and its reply refreshes the model', async () => {
    // a second gateway whose clock the test moves (the model's max age is 30 s of that clock)
    let now = Date.now();
    const bus2 = createAmqpBus({ url: sys.amqpUrl, name: 'e2e-read-model-gateway-2' });
    const gw2 = createGateway({ bus: bus2, config: loadGatewayConfig({ AUTH_TOKEN_SECRET: SECRET, RPC_TIMEOUT_MS: '3000' }), logger: pino({ level: 'silent' }), clock: () => now });
    const server2 = await gw2.listen(0, '127.0.0.1');
    try {
      await gw2.ready();
      await until('the second read model to be subscribed', () => gw2.readModel?.isActive === true);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { id } = await sys.createUser({});
        await client.login(sys.accountId, id);
        await client.setStatus(sys.accountId, id, 'ready');
        ids.push(id);
      }
      const bulk = async () => {
        const res = await fetch(`${server2.url}/v2/accounts/${sys.accountId}/qubicle_recipients/status`, {
          method: 'POST',
          headers: { 'X-Auth-Token': sys.adminToken, 'Content-Type': 'application/json' },
          body: JSON.stringify({ data: { recipient_ids: ids } }),
        });
        assert.equal(res.status, 200);
        return ((await res.json()) as { data: Record<string, RecipientStatus> }).data;
      };
      const misses = () => gw2.readModel!.stats().misses;
      // the events of the three reach the model: a bulk read is served without a miss
      await until('the events in the second model', async () => {
        const m = misses();
        const data = await bulk();
        return misses() === m && ids.every((id) => data[id]?.availability_state === 'Ready');
      });
      now += 31_000; // every entry is now older than the max age
      const before = misses();
      const data = await bulk();
      assert.ok(ids.every((id) => data[id]?.availability_state === 'Ready'), JSON.stringify(data));
      assert.ok(misses() > before, 'the model could not serve them: asked from the workers');
      const after = misses();
      const again = await bulk();
      assert.ok(ids.every((id) => again[id]?.availability_state === 'Ready'));
      assert.equal(misses(), after, 'the bulk reply refreshed the model: served without asking the workers');
    } finally {
      await server2.close();
      await gw2.stop();
      await bus2.close();
    }
  });

  it('converges after the shards change owner, even on a change the old owner never published', async () => {
    const { id } = await sys.createUser({});
    await client.login(sys.accountId, id);
    await client.setStatus(sys.accountId, id, 'ready');
    await until('Ready in the model', async () => (await state(id)).availability_state === 'Ready');
    const resets = gateway.readModel!.stats().shardResets;

    await sys.stopWorker(); // hands every shard over (shards_released)
    // the crash window: a state persisted under the shard's lease, no event published
    const shard = shardOf(sys.accountId, id, sys.shardCount);
    const lease = await sys.store.tryAcquireLease(shard, 'e2e-old-owner', 10_000, Date.now());
    assert.ok(lease, 'the shard is free');
    const fence = { shard, epoch: lease.epoch, node: 'e2e-old-owner' };
    await sys.store.claimShard(shard, fence);
    const stored = (await sys.store.loadRecipient(sys.accountId, id))!.state;
    const away = cloneState(stored);
    away.availability_state = 'Away';
    away.seq = stored.seq + 1;
    await sys.store.saveRecipients([{ state: away, shard }], fence);
    await sys.store.releaseLease(shard, 'e2e-old-owner', lease.epoch);

    await sys.startWorker(); // takes the shards (shards_taken)
    await until('the owner change to reach the model', () => gateway.readModel!.stats().shardResets > resets);
    const s = await state(id);
    assert.equal(s.availability_state, 'Away', 'the unpublished change is what the new owner answers');
    assert.equal(s.node, sys.worker.node);
    // and the model follows the new owner's events from there
    await client.setStatus(sys.accountId, id, 'ready');
    await until('the new owner’s event', async () => (await state(id)).availability_state === 'Ready');
  });
});
