/**
 * /readyz of both processes follows the broker connection: cut it (and keep it cut), both answer
 * 503 naming the bus; let it back, both answer 200 again. Waits are on the state itself (polling
 * the endpoints with a deadline), never blind sleeps.
 */
import { strict as assert } from 'node:assert';
import { rabbitmqctl } from '../../libs/transport/test/support/vhost.js';
import { eventually, startStack, type Stack } from './support/stack.js';

describe('ops: /readyz turns 503 when the broker connection is cut, 200 once it is back', function () {
  this.timeout(60_000);
  let s: Stack;
  let user: string;
  before(async () => {
    s = await startStack();
    user = decodeURIComponent(new URL(s.vhost.url).username || 'guest');
  });
  after(async () => {
    // never leave the vhost without permissions (dispose would still work, but be tidy)
    await rabbitmqctl(['set_permissions', '-p', s.vhost.name, user, '.*', '.*', '.*']).catch(() => {});
    await s?.stop();
  });

  it('gateway and worker: 200 → 503 {reasons: bus} while the broker refuses them → 200', async () => {
    assert.equal((await s.get(`${s.gatewayUrl}/readyz`)).status, 200);
    assert.equal((await s.get(`${s.opsUrl}/readyz`)).status, 200);
    const reconnectsBefore = s.workerBus.reconnects;

    // Cut: the broker closes every connection of the vhost, and refuses new ones until permissions come back.
    await rabbitmqctl(['clear_permissions', '-p', s.vhost.name, user]);
    await s.vhost.closeAllConnections('ops test: broker cut');

    const gw = await eventually('gateway /readyz 503', async () => {
      const r = await s.get(`${s.gatewayUrl}/readyz`);
      return r.status === 503 ? r : undefined;
    });
    assert.equal(gw.body.status, 'unavailable');
    assert.ok(gw.body.reasons.includes('message bus not connected'), gw.text);
    const wk = await eventually('worker /readyz 503', async () => {
      const r = await s.get(`${s.opsUrl}/readyz`);
      return r.status === 503 ? r : undefined;
    });
    assert.deepEqual(wk.body.reasons, ['message bus not connected'], wk.text);
    assert.equal((await s.get(`${s.opsUrl}/healthz`)).status, 200, 'alive all the same');
    assert.match((await s.get(`${s.opsUrl}/metrics`)).text, /^qubicle_worker_bus_connected 0$/m);
    assert.match((await s.get(`${s.gatewayUrl}/metrics`)).text, /^qubicle_gateway_bus_connected 0$/m);

    // Back.
    await rabbitmqctl(['set_permissions', '-p', s.vhost.name, user, '.*', '.*', '.*']);
    await eventually('gateway /readyz 200', async () => (await s.get(`${s.gatewayUrl}/readyz`)).status === 200);
    await eventually('worker /readyz 200', async () => (await s.get(`${s.opsUrl}/readyz`)).status === 200);
    assert.ok(s.workerBus.reconnects > reconnectsBefore);
    assert.match((await s.get(`${s.opsUrl}/metrics`)).text, new RegExp(`^qubicle_worker_bus_reconnects_total ${s.workerBus.reconnects}$`, 'm'));

    // and it serves again end to end
    const token = await s.login('admin');
    const list = await s.api('GET', `/v2/accounts/${s.accountId}/qubicle_recipients`, undefined, { token });
    assert.equal(list.status, 200, list.text);
  });
});
