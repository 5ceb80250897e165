import assert from 'node:assert/strict';
import { register as globalRegistry, Counter, Registry } from 'prom-client';
import { createMetrics, GATEWAY_METRIC_NAMES } from '../src/metrics.js';
import { startHarness, type Harness } from './support/harness.js';
import { familyNames, parsePrometheusText, sample } from '../../../libs/runtime/test/support/prom-text.js';

describe('metrics', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('own registry: every gateway metric plus the standard process metrics; nothing in the global registry', async () => {
    const m = createMetrics();
    const names = familyNames(await m.render());
    for (const n of GATEWAY_METRIC_NAMES) assert.ok(names.has(n), n);
    assert.ok(names.has('process_cpu_user_seconds_total'));
    assert.ok(names.has('nodejs_heap_size_used_bytes'));
    assert.ok(![...familyNames(await globalRegistry.metrics())].some((n) => n.startsWith('qubicle_')));
  });

  it('include: another registry (the embedded worker) is served on the same /metrics', async () => {
    const other = new Registry();
    new Counter({ name: 'qubicle_worker_something_total', help: 'x', registers: [other] }).inc(3);
    const m = createMetrics({ defaultMetrics: false, include: [other] });
    const samples = parsePrometheusText(await m.render());
    assert.equal(sample(samples, 'qubicle_worker_something_total'), 3);
    assert.equal(sample(samples, 'qubicle_gateway_shard_count'), 0);
  });

  it('HTTP requests by route template/method/status and RPCs by command/outcome (ok, error, timeout, unavailable)', async () => {
    h = await startHarness({ env: { RPC_TIMEOUT_MS: '300' } });
    const agent = h.fixture.agent.id;
    const statusPath = `${h.base}/qubicle_recipients/${agent}/status`;
    assert.equal((await h.request('GET', statusPath, { token: h.token.agent })).status, 200);
    assert.equal((await h.request('GET', `${h.base}/qubicle_recipients/ffffffffffffffffffffffffffffffff`, { token: h.token.admin })).status, 404);
    h.worker.silent = true;
    assert.equal((await h.request('GET', statusPath, { token: h.token.agent })).status, 504);
    h.worker.silent = false;
    h.bus.simulateDisconnect();
    assert.equal((await h.request('GET', statusPath, { token: h.token.agent })).status, 503);
    h.bus.simulateReconnect();

    const res = await h.request('GET', '/metrics');
    const m = parsePrometheusText(res.text);
    const route = '/v2/accounts/:account_id/qubicle_recipients/:id/status';
    assert.equal(sample(m, 'qubicle_gateway_http_requests_total', { method: 'GET', route, status: '200' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_http_requests_total', { method: 'GET', route, status: '504' }), 1);
    // refused by the auth middleware (before the router matched: as for a 401)
    assert.equal(sample(m, 'qubicle_gateway_http_requests_total', { method: 'GET', route: 'unmatched', status: '503' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_http_request_duration_seconds_count', { method: 'GET', route }), 2);
    assert.equal(sample(m, 'qubicle_gateway_rpc_requests_total', { command: 'get_status', outcome: 'ok' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_rpc_requests_total', { command: 'get_status', outcome: 'timeout' }), 1);
    // with the bus down, the token's re-check (notices may have been missed) is what fails first
    assert.equal(sample(m, 'qubicle_gateway_rpc_requests_total', { command: 'token_check', outcome: 'unavailable' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_token_checks_total', { outcome: 'failed' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_rpc_requests_total', { command: 'recipient_get', outcome: 'error' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_rpc_requests_total', { command: 'cluster_info', outcome: 'ok' }), 1);
    assert.equal(sample(m, 'qubicle_gateway_rpc_duration_seconds_count', { command: 'get_status', outcome: 'timeout' }), 1);
    // the 300 ms the call waited, less libuv's timer slack: a timer runs from the loop's cached time,
    // which can be a few ms older than the performance.now() the duration starts from
    assert.ok(sample(m, 'qubicle_gateway_rpc_duration_seconds_sum', { command: 'get_status', outcome: 'timeout' }) >= 0.29);
    assert.ok(!res.text.includes(agent) && !res.text.includes(h.fixture.account.id), 'no ids in labels');
  });

  it('one access line per request: method, route, status, duration_ms, request_id — no token, no body', async () => {
    h = await startHarness();
    await h.request('POST', `${h.base}/qubicle_recipients/${h.fixture.agent.id}/status`, {
      token: h.token.agent,
      body: { data: { status: 'ready' } },
      headers: { 'X-Request-ID': 'access-line-1' },
    });
    const lines = h.logger.lines.filter((l) => l.msg === 'request');
    assert.equal(lines.length, 1);
    const line = lines[0]!.obj as Record<string, unknown>;
    assert.equal(line['request_id'], 'access-line-1');
    assert.equal(line['method'], 'POST');
    assert.equal(line['route'], '/v2/accounts/:account_id/qubicle_recipients/:id/status');
    assert.equal(typeof line['status'], 'number');
    assert.equal(typeof line['duration_ms'], 'number');
    assert.ok(!h.logger.text().includes(h.token.agent));
  });
});
