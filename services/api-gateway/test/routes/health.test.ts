import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.js';

describe('routes/health', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('GET /healthz 200 {status:"ok"} without auth', async () => {
    h = await startHarness();
    const res = await h.request('GET', '/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /readyz 503 until a worker answers cluster_info (retried with backoff), then 200', async () => {
    h = await startHarness({ worker: false });
    const before = await h.request('GET', '/readyz');
    assert.equal(before.status, 503, before.text);
    assert.equal(before.headers.get('content-type'), 'application/json');
    assert.equal(before.body.status, 'unavailable');
    assert.match(before.body.reason, /shard count/);

    // a recipient request meanwhile is a clean 503, not a hang
    const early = await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, { token: h.token.agent });
    assert.equal(early.status, 503, early.text);

    await h.worker.start(h.bus);
    await h.gateway.ready();
    const after = await h.request('GET', '/readyz');
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.body, { status: 'ok', shard_count: 4, node: 'api-gateway@test' });
    const status = await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, { token: h.token.agent });
    assert.equal(status.status, 200, status.text);
  });

  it('GET /readyz 503 while the bus is disconnected', async () => {
    h = await startHarness();
    h.bus.simulateDisconnect();
    const res = await h.request('GET', '/readyz');
    assert.equal(res.status, 503);
    assert.match(res.body.reason, /bus not connected/);
    h.bus.simulateReconnect();
    assert.equal((await h.request('GET', '/readyz')).status, 200);
  });

  it('SHARD_COUNT overrides discovery: ready at once', async () => {
    h = await startHarness({ env: { SHARD_COUNT: '4' }, waitReady: false });
    const res = await h.request('GET', '/readyz');
    assert.equal(res.status, 200, res.text);
    assert.equal(h.worker.directoryRequests('cluster_info').length, 0);
  });

  it('GET /metrics exposes Prometheus text without per-recipient labels', async () => {
    h = await startHarness();
    await h.request('GET', `${h.base}/qubicle_recipients/${h.fixture.agent.id}`, { token: h.token.agent });
    const res = await h.request('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /qubicle_gateway_http_requests_total\{method="GET",route="\/v2\/accounts\/:account_id\/qubicle_recipients\/:id",status="200"\} 1/);
    assert.match(res.text, /qubicle_gateway_shard_count 4/);
    assert.ok(!res.text.includes(h.fixture.agent.id));
  });
});
