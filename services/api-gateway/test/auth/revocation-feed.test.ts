/**
 * The notice feed of a real listening gateway (memory bus, fake worker): a notice ends tokens at
 * once, without a question to the directory; invalid notices are ignored; a bus reconnect makes
 * every token be asked about again (once). The same over RabbitMQ, across two gateways: test/e2e/auth.test.ts.
 */
import assert from 'node:assert/strict';
import { AUTH_EXCHANGE, authNoticeKey } from '@qubicle/contracts';
import { until } from '../support/wait.js';
import type { Harness } from '../support/harness.js';
import { harnessEachTest } from '../support/each-test.js';

describe('auth/revocation feed', () => {
  let h: Harness;
  let R: string;
  harnessEachTest((started) => {
    h = started;
    R = `${h.base}/qubicle_recipients`;
  });

  const get = (token: string) => h.request('GET', R, { token });
  const notice = (body: Record<string, unknown>) => h.bus.publish(AUTH_EXCHANGE, authNoticeKey(body['type'] as 'principal_changed'), body);

  it('principal_changed (user deleted): the next request is 401, asked of nobody', async () => {
    assert.equal((await get(h.token.admin)).status, 200);
    const checks = h.worker.tokenChecks.length;
    await notice({ type: 'principal_changed', account_id: h.fixture.account.id, user_id: h.fixture.admin.id, reason: 'user_deleted', at: Date.now() });
    await until('the admin token refused', async () => (await get(h.token.admin)).status === 401);
    assert.equal(h.worker.tokenChecks.length, checks, 'the notice alone decided');
    assert.equal((await get(h.token.agent)).status, 200, 'other users are not affected');
    const metrics = (await h.request('GET', '/metrics')).text;
    assert.match(metrics, /qubicle_gateway_auth_notices_total\{type="principal_changed"\} 1/);
  });

  it('an invalid notice is ignored (and nothing breaks)', async () => {
    await notice({ type: 'principal_changed', account_id: 'nope', user_id: h.fixture.admin.id, reason: 'user_deleted', at: 0, __proto__: { x: 1 } });
    await notice({ type: 'principal_changed', account_id: h.fixture.account.id, user_id: h.fixture.agent.id, reason: 'user_disabled', token_generation: 1, at: Date.now() });
    await until('the valid notice applied', async () => (await get(h.token.agent)).status === 401);
    assert.equal((await get(h.token.admin)).status, 200);
  });

  it('a bus reconnect: each token is asked about again on its next use, then trusted again', async () => {
    assert.equal((await get(h.token.clerk)).status, 200);
    assert.equal((await get(h.token.clerk)).status, 200);
    const checks = () => h.worker.tokenChecks.filter((c) => c.body['user_id'] === h.fixture.clerk.id).length;
    assert.equal(checks(), 1);
    h.bus.simulateDisconnect();
    h.bus.simulateReconnect();
    // the user was deleted while the connection was down: the notice is lost, the re-check finds it
    h.worker.users.delete(h.fixture.clerk.id);
    assert.equal((await get(h.token.clerk)).status, 401);
    assert.equal(checks(), 2);
    assert.equal((await get(h.token.agent)).status, 200);
    assert.equal((await get(h.token.agent)).status, 200);
  });
});
