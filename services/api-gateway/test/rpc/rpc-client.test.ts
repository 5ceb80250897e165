import assert from 'node:assert/strict';
import { QubicleFailure, shardOf, shardQueue } from '@qubicle/contracts';
import { noopLogger, type Bus } from '@qubicle/transport';
import { createRpcClient } from '../../src/rpc/rpc-client.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('rpc/rpc-client', () => {
  describe('through the gateway', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('504 when no worker answers, within a bounded time (never a hang)', async () => {
      h = await startHarness({ env: { RPC_TIMEOUT_MS: '150' } });
      h.worker.silent = true;
      const started = Date.now();
      const res = await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, { token: h.token.agent });
      const elapsed = Date.now() - started;
      assert.equal(res.status, 504, res.text);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.body.error, '504');
      assert.equal(res.body.message, 'timeout');
      assert.ok(elapsed >= 140 && elapsed < 1500, `answered in ${elapsed} ms`);

      const list = await h.request('GET', `${h.base}/qubicle_recipients`, { token: h.token.agent });
      assert.equal(list.status, 504, 'directory requests time out the same way');
    });

    it('503 when the bus is closed', async () => {
      h = await startHarness();
      await h.bus.close();
      for (const [method, path, body] of [
        ['GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, undefined],
        ['POST', `${h.base}/qubicle_recipients/${h.fixture.agent.id}`, { data: { action: 'login' } }],
        ['GET', `${h.base}/users`, undefined],
        ['PUT', '/v2/api_auth', { data: { api_key: h.fixture.account.api_key } }],
      ] as const) {
        const res = await h.request(method, path, { token: h.token.agent, body });
        assert.equal(res.status, 503, `${method} ${path}: ${res.text}`);
        assert.equal(res.headers.get('content-type'), 'application/json');
        assert.equal(res.body.error, '503');
        assert.equal(res.body.status, 'error');
        assert.equal(res.headers.get('retry-after'), '1', `${method} ${path}: a 503 says when to try again`);
      }
    });

    it('503 while the bus is disconnected, 200 again after it reconnects', async () => {
      h = await startHarness();
      const path = `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`;
      h.bus.simulateDisconnect();
      const down = await h.request('GET', path, { token: h.token.agent });
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '1');
      h.bus.simulateReconnect();
      assert.equal((await h.request('GET', path, { token: h.token.agent })).status, 200);
    });

    it('on shard_mismatch refreshes the shard count once and retries the same command on the right shard', async () => {
      // the gateway is told 4, the cluster has 8
      h = await startHarness({ env: { SHARD_COUNT: '4' }, shardCount: 8 });
      const { account, agent } = h.fixture;
      const res = await h.request('POST', `${h.base}/qubicle_recipients/${agent.id}`, { token: h.token.agent, body: { data: { action: 'login' } } });
      assert.equal(res.status, 200, res.text);
      const [first, second, ...rest] = h.worker.commands('login');
      assert.equal(rest.length, 0);
      assert.equal(first?.body['shard_count'], 4);
      assert.equal(first?.queue, shardQueue(shardOf(account.id, agent.id, 4)));
      assert.equal(second?.body['shard_count'], 8);
      assert.equal(second?.queue, shardQueue(shardOf(account.id, agent.id, 8)));
      assert.equal(second?.body['command_id'], first?.body['command_id'], 'same command id: the retry is the same command');
      assert.equal(h.worker.directoryRequests('cluster_info').length, 1);
      assert.equal(h.gateway.rpc.shards.value, 8);

      // from then on, straight to the right shard
      await h.request('POST', `${h.base}/qubicle_recipients/${agent.id}`, { token: h.token.agent, body: { data: { action: 'logout' } } });
      assert.equal(h.worker.commands('logout').length, 1);
    });

    it('a worker that keeps answering shard_mismatch is retried only once (500, no loop)', async () => {
      h = await startHarness();
      h.worker.overrides.set('get_status', () => ({ ok: false, error: { code: 'shard_mismatch', message: 'x', expected: 5, got: 4 } as never }));
      const res = await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, { token: h.token.agent });
      assert.equal(res.status, 500, res.text);
      assert.equal(h.worker.commands('get_status').length, 2);
    });
  });

  describe('unit', () => {
    it("gives up by itself when the bus never settles a call (guard beyond the bus's own timeout)", async () => {
      const hanging = { call: () => new Promise<unknown>(() => {}) } as unknown as Pick<Bus, 'call'>;
      const rpc = createRpcClient({ bus: hanging, logger: noopLogger, timeoutMs: 100, shardCount: 4 });
      const started = Date.now();
      await assert.rejects(
        rpc.callShard('0'.repeat(32), '1'.repeat(32), { type: 'get_status' }),
        (e: unknown) => e instanceof QubicleFailure && e.error.code === 'timeout',
      );
      assert.ok(Date.now() - started < 1000);
    });

    it('an invalid reply is an internal error; an error reply is rethrown as that QubicleFailure', async () => {
      const replies: unknown[] = [{ nope: true }, { ok: false, error: { code: 'not_found', message: 'gone', cause: 'user' } }];
      const bus = { call: async () => replies.shift() } as unknown as Pick<Bus, 'call'>;
      const rpc = createRpcClient({ bus, logger: noopLogger, timeoutMs: 100, shardCount: 4 });
      await assert.rejects(rpc.callDirectory({ type: 'account_get', account_id: '0'.repeat(32) }), (e: unknown) => e instanceof QubicleFailure && e.error.code === 'internal');
      await assert.rejects(
        rpc.callDirectory({ type: 'account_get', account_id: '0'.repeat(32) }),
        (e: unknown) => e instanceof QubicleFailure && e.error.code === 'not_found' && e.error.cause === 'user',
      );
    });
  });
});
